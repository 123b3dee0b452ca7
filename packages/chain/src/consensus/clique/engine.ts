import { createBlockHeader, type Block, type BlockHeader } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { KECCAK256_RLP_ARRAY, bytesToHex, concatBytes, equalsBytes } from '@ethereumjs/util'
import { keccak256, publicKeyToAddress, recoverPublicKey, signDigest } from '@busan/chain-config'
import { Bucket, bucketKey, type KeyValueStore, type WriteBatch } from '@busan/db'
import { BlockError } from '../../errors.ts'
import type { ExecutionOutcome } from '../../executor.ts'
import type { BlockProducer, ConsensusEngine, SealPlan } from '../interface.ts'
import { verifyBaseFee, verifyBodyCommitments, verifyExecutionOutcome, verifyGasLimit } from '../validation.ts'
import { CliqueSnapshot, addressHex } from './snapshot.ts'

export const EXTRA_VANITY = 32
export const EXTRA_SEAL = 65
export const DIFF_IN_TURN = 2n
export const DIFF_NO_TURN = 1n
export const NONCE_AUTH = new Uint8Array(8).fill(0xff)
export const NONCE_DROP = new Uint8Array(8)
/** Out-of-turn signers wait up to this much per signer, randomly, so in-turn blocks win (geth: 500 ms). */
const WIGGLE_MS = 500
/** Blocks from further in the future than this are refused. */
const ALLOWED_FUTURE_SECONDS = 15n

export interface CliqueOptions {
  period: number
  epoch: number
}

/** Clique (EIP-225) proof of authority. */
export class CliqueEngine implements ConsensusEngine, BlockProducer {
  readonly name = 'clique'
  readonly blobTransactions = false
  readonly period: bigint
  readonly epoch: bigint
  private readonly kv: KeyValueStore
  private readonly snapshots = new Map<string, CliqueSnapshot>()
  private readonly authors = new Map<string, Uint8Array>()
  /** Votes this node's signer will put in the blocks it seals (clique_propose). */
  readonly proposals = new Map<string, boolean>()

  constructor(kv: KeyValueStore, options: CliqueOptions) {
    this.kv = kv
    this.period = BigInt(options.period)
    this.epoch = BigInt(options.epoch)
  }

  static sealHash(header: BlockHeader): Uint8Array {
    const raw = header.raw()
    raw[12] = header.extraData.subarray(0, header.extraData.length - EXTRA_SEAL)
    return keccak256(RLP.encode(raw))
  }

  static checkpointSigners(header: BlockHeader): string[] {
    const bytes = header.extraData.subarray(EXTRA_VANITY, header.extraData.length - EXTRA_SEAL)
    const signers: string[] = []
    for (let i = 0; i + 20 <= bytes.length; i += 20) signers.push(addressHex(bytes.subarray(i, i + 20)))
    return signers
  }

  author(header: BlockHeader): Uint8Array {
    if (header.number === 0n) return header.coinbase.bytes
    const key = bytesToHex(header.hash())
    const cached = this.authors.get(key)
    if (cached !== undefined) return cached
    const seal = header.extraData.subarray(header.extraData.length - EXTRA_SEAL)
    const signer = publicKeyToAddress(recoverPublicKey(CliqueEngine.sealHash(header), seal[64], seal.subarray(0, 32), seal.subarray(32, 64)))
    if (this.authors.size > 4096) this.authors.delete(this.authors.keys().next().value as string)
    this.authors.set(key, signer)
    return signer
  }

  /**
   * Clique has no finality gadget. A block is treated as final once more than half of the
   * signers have sealed it or a block after it: undoing it would need a majority to fork.
   * With one signer every block is final at once.
   */
  finalized(head: BlockHeader, parentOf: (hash: Uint8Array) => BlockHeader | undefined): BlockHeader {
    const needed = Math.floor(this.snapshot(head.hash()).signers.length / 2) + 1
    const seen = new Set<string>()
    let header = head
    while (header.number > 0n) {
      seen.add(bytesToHex(this.author(header)))
      if (seen.size >= needed) break
      const parent = parentOf(header.parentHash)
      if (parent === undefined) break
      header = parent
    }
    return header
  }

  // --- snapshots ---

  /** Records the genesis signers (from extraData) as the snapshot of block 0. */
  genesisSnapshot(batch: WriteBatch, genesis: BlockHeader): void {
    const snapshot = new CliqueSnapshot(0n, bytesToHex(genesis.hash()), CliqueEngine.checkpointSigners(genesis))
    this.store(batch, snapshot)
  }

  snapshot(hash: Uint8Array): CliqueSnapshot {
    const key = bytesToHex(hash)
    const cached = this.snapshots.get(key)
    if (cached !== undefined) return cached
    const raw = this.kv.getSync(bucketKey(Bucket.consensusSnapshot, hash))
    if (raw === undefined) throw new BlockError('unknown ancestor', `no clique snapshot for ${key}`)
    const snapshot = CliqueSnapshot.decode(raw)
    this.remember(key, snapshot)
    return snapshot
  }

  private remember(key: string, snapshot: CliqueSnapshot): void {
    if (this.snapshots.size > 1024) this.snapshots.delete(this.snapshots.keys().next().value as string)
    this.snapshots.set(key, snapshot)
  }

  private store(batch: WriteBatch, snapshot: CliqueSnapshot): void {
    batch.put(bucketKey(Bucket.consensusSnapshot, hexBytes(snapshot.hash)), snapshot.encode())
    this.remember(snapshot.hash, snapshot)
  }

  private applyTo(parent: CliqueSnapshot, header: BlockHeader): CliqueSnapshot {
    try {
      return parent.apply(
        {
          number: header.number,
          hash: bytesToHex(header.hash()),
          signer: addressHex(this.author(header)),
          beneficiary: addressHex(header.coinbase.bytes),
          authorize: equalsBytes(header.nonce, NONCE_AUTH),
        },
        this.epoch,
      )
    } catch (error) {
      throw new BlockError((error as Error).message, `block ${header.number}`)
    }
  }

  async recordHeader(batch: WriteBatch, header: BlockHeader): Promise<void> {
    this.store(batch, this.applyTo(this.snapshot(header.parentHash), header))
  }

  // --- verification ---

  verifyHeader(header: BlockHeader): void {
    const checkpoint = header.number % this.epoch === 0n
    if (header.timestamp > BigInt(Math.floor(Date.now() / 1000)) + ALLOWED_FUTURE_SECONDS) throw new BlockError('future block', `timestamp ${header.timestamp}`)
    if (checkpoint && !header.coinbase.isZero()) throw new BlockError('invalid checkpoint beneficiary', 'coinbase must be zero on checkpoint blocks')
    if (!equalsBytes(header.nonce, NONCE_AUTH) && !equalsBytes(header.nonce, NONCE_DROP)) throw new BlockError('invalid vote', 'nonce must be 0x00..00 or 0xff..ff')
    if (checkpoint && !equalsBytes(header.nonce, NONCE_DROP)) throw new BlockError('invalid checkpoint vote', 'nonce must be zero on checkpoint blocks')
    if (header.extraData.length < EXTRA_VANITY) throw new BlockError('missing vanity', 'extraData shorter than 32 bytes')
    if (header.extraData.length < EXTRA_VANITY + EXTRA_SEAL) throw new BlockError('missing signature', 'extraData has no 65-byte seal')
    const signerBytes = header.extraData.length - EXTRA_VANITY - EXTRA_SEAL
    if (!checkpoint && signerBytes !== 0) throw new BlockError('extra signers', 'signer list outside a checkpoint block')
    if (checkpoint && signerBytes % 20 !== 0) throw new BlockError('invalid checkpoint signers', 'signer list not a multiple of 20 bytes')
    if (!equalsBytes(header.mixHash, new Uint8Array(32))) throw new BlockError('invalid mix digest', 'mixHash must be zero')
    if (!equalsBytes(header.uncleHash, KECCAK256_RLP_ARRAY)) throw new BlockError('invalid uncle hash', 'uncles are not allowed')
    if (header.difficulty !== DIFF_IN_TURN && header.difficulty !== DIFF_NO_TURN) throw new BlockError('invalid difficulty', `difficulty ${header.difficulty}`)
  }

  async verifyHeaderAgainstParent(header: BlockHeader, parent: BlockHeader): Promise<void> {
    if (parent.number + 1n !== header.number || !equalsBytes(parent.hash(), header.parentHash)) throw new BlockError('unknown ancestor', `parent of ${header.number}`)
    if (parent.timestamp + this.period > header.timestamp) throw new BlockError('invalid timestamp', `${header.timestamp} is earlier than parent ${parent.timestamp} + period ${this.period}`)
    verifyGasLimit(header, parent)
    verifyBaseFee(header, parent)
    const snapshot = this.snapshot(header.parentHash)
    if (header.number % this.epoch === 0n) {
      const listed = CliqueEngine.checkpointSigners(header)
      if (listed.join() !== snapshot.signers.join()) throw new BlockError('mismatching signer list', 'checkpoint signers differ from the snapshot')
    }
    const signer = addressHex(this.author(header))
    if (!snapshot.isSigner(signer)) throw new BlockError('unauthorized signer', signer)
    if (snapshot.signedRecently(header.number, signer)) throw new BlockError('recently signed', signer)
    const expected = snapshot.inTurn(header.number, signer) ? DIFF_IN_TURN : DIFF_NO_TURN
    if (header.difficulty !== expected) throw new BlockError('wrong difficulty', `have ${header.difficulty} want ${expected}`)
  }

  verifyBody(block: Block): Promise<void> {
    return verifyBodyCommitments(block)
  }

  verifyAfterExecution(block: Block, outcome: ExecutionOutcome): void {
    verifyExecutionOutcome(block.header, outcome)
  }

  // --- sealing ---

  async plan(parent: BlockHeader, signer: Uint8Array, nowMs: number): Promise<SealPlan | { refused: string }> {
    const snapshot = this.snapshot(parent.hash())
    const self = addressHex(signer)
    const number = parent.number + 1n
    if (!snapshot.isSigner(self)) return { refused: 'not an authorized signer' }
    if (snapshot.signedRecently(number, self)) return { refused: 'signed recently, must wait for others' }
    const inTurn = snapshot.inTurn(number, self)
    const earliest = parent.timestamp + this.period
    const now = BigInt(Math.floor(nowMs / 1000))
    const timestamp = earliest > now ? earliest : now
    let delayMs = Math.max(0, Number(timestamp) * 1000 - nowMs)
    if (!inTurn) delayMs += Math.floor(Math.random() * (snapshot.signers.length / 2 + 1) * WIGGLE_MS)
    const checkpoint = number % this.epoch === 0n
    let coinbase: Uint8Array = new Uint8Array(20)
    let nonce = NONCE_DROP
    if (!checkpoint) {
      const vote = [...this.proposals].find(([address, authorize]) => snapshot.isSigner(address) !== authorize)
      if (vote !== undefined) {
        coinbase = hexBytes(vote[0])
        nonce = vote[1] ? NONCE_AUTH : NONCE_DROP
      }
    }
    const vanity = new Uint8Array(EXTRA_VANITY)
    const signers = checkpoint ? snapshot.signers.map(hexBytes) : []
    return {
      timestamp,
      delayMs,
      difficulty: inTurn ? DIFF_IN_TURN : DIFF_NO_TURN,
      extraData: concatBytes(vanity, ...signers),
      coinbase,
      nonce,
    }
  }

  /** `header` carries extraData without the seal, so its RLP is exactly what is signed. */
  seal(header: BlockHeader, privateKey: Uint8Array): BlockHeader {
    const { r, s, recovery } = signDigest(keccak256(RLP.encode(header.raw())), privateKey)
    const extraData = concatBytes(header.extraData, r, s, Uint8Array.of(recovery))
    return createBlockHeader({ ...header.toJSON(), extraData }, { common: header.common, params: {} })
  }
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
}
