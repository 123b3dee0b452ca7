// QBFT (EEA QBFT spec v1, Besu's block format) as a ConsensusEngine: what makes a block valid
// and final. A block is committed by a quorum (ceil(2n/3)) of the validators of its parent,
// whose commit seals sit in its extraData, so any node can check finality from the header
// alone. Producing blocks (proposals, prepares, commits, round changes) is the validator
// service's job (packages/sealer/src/qbft); this engine gives it the rules and formats.
import type { Block, BlockHeader } from '@ethereumjs/block'
import { KECCAK256_RLP_ARRAY, bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import type { QbftConfig, QbftTransition } from '@busan/chain-config'
import { Bucket, bucketKey, type KeyValueStore, type WriteBatch } from '@busan/db'
import { BlockError } from '../../errors.ts'
import type { ExecutionOutcome } from '../../executor.ts'
import type { ConsensusEngine } from '../interface.ts'
import { verifyBaseFee, verifyBodyCommitments, verifyExecutionOutcome, verifyGasLimit } from '../validation.ts'
import { decodeExtraData, encodeExtraData, type QbftExtraData, type QbftVote } from './extra-data.ts'
import { commitSealHash } from './hashing.ts'
import { recoverSigner } from './messages.ts'
import { QbftDecodeError } from './rlp.ts'
import { QbftSchedule, type QbftSettings } from './schedule.ts'
import { ValidatorState, addressHex, proposerFor, quorum } from './validators.ts'

/** Besu's mixHash for BFT blocks: "Istanbul byzantine fault tolerance" as ASCII, keccak-free. */
export const ISTANBUL_DIGEST = hexToBytes('0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365')
/** A header may be at most this far ahead of the local clock (Besu: 1 s). */
const ALLOWED_FUTURE_SECONDS = 1n

/** Reads `getValidators()` of the validator contract at a state root (contract mode). */
export type ValidatorContractReader = (stateRoot: Uint8Array, contract: string) => Promise<string[]>

export interface QbftEngineOptions {
  config: QbftConfig
  transitions?: QbftTransition[]
  readValidatorContract: ValidatorContractReader
  /**
   * The validators of the first QBFT block when the chain starts on another engine (the Clique
   * signers after `startblock - 1`); only asked for that block's parent.
   */
  initialValidators?: (parentHash: Uint8Array) => string[]
}

export class QbftEngine implements ConsensusEngine {
  readonly name = 'qbft'
  readonly blobTransactions = false
  readonly schedule: QbftSchedule
  private readonly kv: KeyValueStore
  private readonly readValidatorContract: ValidatorContractReader
  private readonly initialValidators: ((parentHash: Uint8Array) => string[]) | undefined
  private readonly states = new Map<string, ValidatorState>()
  private readonly extras = new WeakMap<BlockHeader, QbftExtraData>()

  constructor(kv: KeyValueStore, options: QbftEngineOptions) {
    this.kv = kv
    this.schedule = new QbftSchedule(options.config, options.transitions)
    this.readValidatorContract = options.readValidatorContract
    this.initialValidators = options.initialValidators
  }

  /** The decoded extraData of a QBFT header (cached per header object); BlockError when malformed. */
  extraData(header: BlockHeader): QbftExtraData {
    let extra = this.extras.get(header)
    if (extra === undefined) {
      try {
        extra = decodeExtraData(header.extraData)
      } catch (error) {
        throw new BlockError('invalid extra data', (error as QbftDecodeError).message)
      }
      this.extras.set(header, extra)
    }
    return extra
  }

  settingsAt(number: bigint): QbftSettings {
    return this.schedule.settingsAt(number)
  }

  /** The block's proposer: its coinbase (fees and COINBASE go there). */
  author(header: BlockHeader): Uint8Array {
    return header.coinbase.bytes
  }

  /** Every committed QBFT block is final: the head is. */
  finalized(head: BlockHeader): BlockHeader {
    return head
  }

  // --- validator sets ---

  /**
   * The validator state after the block `hash` (number `number`), which validates its successor.
   * Before the first QBFT block (a chain that starts on Clique) it comes from the other engine.
   */
  stateAfter(hash: Uint8Array, number: bigint): ValidatorState {
    if (number < this.schedule.firstBlock && this.initialValidators !== undefined) return new ValidatorState(number, this.initialValidators(hash))
    const key = bytesToHex(hash)
    const cached = this.states.get(key)
    if (cached !== undefined) return cached
    const raw = this.kv.getSync(bucketKey(Bucket.consensusSnapshot, hash))
    if (raw === undefined) throw new BlockError('unknown ancestor', `no QBFT validator state for ${key}`)
    const state = ValidatorState.decode(raw)
    this.remember(key, state)
    return state
  }

  /** Sorted, lowercase: the validators that must commit the block after `parent`. */
  validatorsFor(parent: BlockHeader): string[] {
    return this.settingsAt(parent.number + 1n).validatorsOverride ?? this.stateAfter(parent.hash(), parent.number).validators
  }

  /** The proposer of `round` for the block after `parent`. */
  proposerFor(parent: BlockHeader, round: number): string {
    return proposerFor(this.validatorsFor(parent), addressHex(parent.coinbase.bytes), round)
  }

  private remember(key: string, state: ValidatorState): void {
    if (this.states.size > 1024) this.states.delete(this.states.keys().next().value as string)
    this.states.set(key, state)
  }

  private async store(batch: WriteBatch, hash: Uint8Array, state: ValidatorState): Promise<void> {
    batch.put(bucketKey(Bucket.consensusSnapshot, hash), state.encode())
    this.remember(bytesToHex(hash), state)
  }

  /** Validators after `header`: contract mode asks the contract at its state; header mode tallies its vote. */
  private async nextState(header: BlockHeader, previous: ValidatorState | undefined): Promise<ValidatorState> {
    const contract = this.settingsAt(header.number + 1n).validatorContract
    if (contract !== undefined) return new ValidatorState(header.number, await this.readValidatorContract(header.stateRoot, contract))
    if (previous === undefined) return new ValidatorState(header.number, this.extraData(header).validators.map(addressHex))
    const current = new ValidatorState(previous.number, this.settingsAt(header.number).validatorsOverride ?? previous.validators, previous.votes)
    return current.apply(header.number, addressHex(header.coinbase.bytes), this.extraData(header).vote, this.schedule.isEpochBlock(header.number))
  }

  /** Records the validators of block 1 (from the genesis extraData, or the contract at the genesis state). */
  async genesisSnapshot(batch: WriteBatch, genesis: BlockHeader): Promise<void> {
    const state = await this.nextState(genesis, undefined)
    if (state.validators.length === 0) throw new BlockError('invalid extra data', 'extraData lists no validators (and no validatorcontractaddress is set)')
    await this.store(batch, genesis.hash(), state)
  }

  async recordHeader(batch: WriteBatch, header: BlockHeader): Promise<void> {
    await this.store(batch, header.hash(), await this.nextState(header, this.stateAfter(header.parentHash, header.number - 1n)))
  }

  // --- verification ---

  verifyHeader(header: BlockHeader): void {
    if (header.number < this.schedule.firstBlock) throw new BlockError('invalid number', `block ${header.number} is before the first QBFT block`)
    const extra = this.extraData(header)
    if (!equalsBytes(header.mixHash, ISTANBUL_DIGEST)) throw new BlockError('invalid mix digest', 'mixHash must be the Istanbul digest')
    if (header.difficulty !== 1n) throw new BlockError('invalid difficulty', `difficulty ${header.difficulty}, QBFT blocks have 1`)
    if (!equalsBytes(header.uncleHash, KECCAK256_RLP_ARRAY)) throw new BlockError('invalid uncle hash', 'uncles are not allowed')
    if (header.timestamp > BigInt(Math.floor(Date.now() / 1000)) + ALLOWED_FUTURE_SECONDS) throw new BlockError('future block', `timestamp ${header.timestamp}`)
    if (this.settingsAt(header.number).validatorContract !== undefined && (extra.validators.length > 0 || extra.vote !== undefined)) {
      throw new BlockError('invalid validators', 'validator-contract blocks carry no validator list and no vote')
    }
  }

  /** Phase 2 for a proposal (no commit seals yet): parent link, timing, limits, validator list, proposer is a validator. */
  verifyProposalAgainstParent(header: BlockHeader, parent: BlockHeader): string[] {
    if (parent.number + 1n !== header.number || !equalsBytes(parent.hash(), header.parentHash)) throw new BlockError('unknown ancestor', `parent of ${header.number}`)
    const period = BigInt(this.settingsAt(header.number).blockPeriodSeconds)
    if (header.timestamp < parent.timestamp + period) throw new BlockError('invalid timestamp', `${header.timestamp} is earlier than parent ${parent.timestamp} + period ${period}`)
    verifyGasLimit(header, parent)
    verifyBaseFee(header, parent)
    const validators = this.validatorsFor(parent)
    const extra = this.extraData(header)
    if (this.settingsAt(header.number).validatorContract === undefined && extra.validators.map(addressHex).join() !== validators.join()) {
      throw new BlockError('invalid validators', 'the validator list differs from the validators after the parent (or is not sorted)')
    }
    if (!validators.includes(addressHex(header.coinbase.bytes))) throw new BlockError('invalid proposer', `coinbase ${addressHex(header.coinbase.bytes)} is not a validator`)
    return validators
  }

  async verifyHeaderAgainstParent(header: BlockHeader, parent: BlockHeader): Promise<void> {
    const validators = this.verifyProposalAgainstParent(header, parent)
    const committers = this.committers(header)
    const unknown = committers.filter((c) => !validators.includes(c))
    if (unknown.length > 0) throw new BlockError('invalid commit seals', `sealed by non-validators ${unknown.join(', ')}`)
    if (committers.length < quorum(validators.length)) throw new BlockError('invalid commit seals', `${committers.length} commit seals, quorum is ${quorum(validators.length)} of ${validators.length}`)
  }

  /** The validators whose commit seals the header carries; BlockError on a malformed or repeated seal. */
  committers(header: BlockHeader): string[] {
    const extra = this.extraData(header)
    const digest = commitSealHash(header, extra.round, extra)
    const committers = extra.seals.map((seal) => {
      try {
        return addressHex(recoverSigner(digest, seal, false))
      } catch (error) {
        throw new BlockError('invalid commit seals', (error as Error).message)
      }
    })
    if (new Set(committers).size !== committers.length) throw new BlockError('invalid commit seals', 'a validator sealed twice')
    return committers
  }

  verifyBody(block: Block): Promise<void> {
    return verifyBodyCommitments(block)
  }

  verifyAfterExecution(block: Block, outcome: ExecutionOutcome): void {
    verifyExecutionOutcome(block.header, outcome)
  }

  // --- block production (for the validator service) ---

  /** extraData of a proposal for the block after `parent` in `round`, carrying this validator's `vote`. */
  proposalExtraData(parent: BlockHeader, round: number, vote: QbftVote | undefined): Uint8Array {
    const number = parent.number + 1n
    const contract = this.settingsAt(number).validatorContract !== undefined
    const validators = contract ? [] : this.validatorsFor(parent).map((v) => hexToBytes(v as `0x${string}`))
    const epoch = this.schedule.isEpochBlock(number)
    return encodeExtraData({ vanity: new Uint8Array(32), validators, vote: contract || epoch ? undefined : vote, round, seals: [] })
  }

  /** The header's extraData with `round` and `seals` (a committed block, or a proposal moved to a later round with no seals). */
  withRoundAndSeals(header: BlockHeader, round: number, seals: Uint8Array[]): Uint8Array {
    return encodeExtraData({ ...this.extraData(header), round, seals })
  }
}
