// The engine of a chain this node imports and serves but does not produce: a geth genesis with
// `ethash` (or no consensus section), proof of work up to its merge block and proof of stake
// after it, as geth's beacon engine wraps ethash. Every rule a header carries is checked with
// EthereumJS's implementation (difficulty, gas limit, base fee, excess blob gas, uncle and
// withdrawal commitments). Not checked: the proof-of-work seal (the node cannot mine and has no
// DAG; chains such as the execution-apis test chain are made with a fake seal, and geth imports
// them with --fakepow) and the beacon chain's choice of head (there is no consensus client).
import type { Block, BlockHeader } from '@ethereumjs/block'
import { KECCAK256_RLP_ARRAY, equalsBytes, utf8ToBytes } from '@ethereumjs/util'
import type { WriteBatch } from '@busan/db'
import { blobGasOf } from '../../block-steps.ts'
import { BlockError } from '../../errors.ts'
import type { ExecutionOutcome } from '../../executor.ts'
import type { ConsensusEngine } from '../interface.ts'
import { verifyExecutionOutcome, verifyTransactionsRoot } from '../validation.ts'

/** geth's MaximumExtraDataSize (bytes). */
const MAX_EXTRA_DATA = 32
/** How many generations back an ommer may be (geth's verifyUncles: 7 ancestors, the uncle below the 6th). */
const MAX_UNCLE_DEPTH = 6n
const ZERO_NONCE = new Uint8Array(8)
/** geth's params.DAOForkBlockExtra ("dao-hard-fork") and DAOForkExtraRange (blocks from the fork block on). */
const DAO_FORK_EXTRA = utf8ToBytes('dao-hard-fork')
const DAO_FORK_EXTRA_RANGE = 10n

/** Whether a header is after the merge: its fork's consensus is proof of stake (EthereumJS's Paris). */
function isProofOfStake(header: BlockHeader): boolean {
  return header.common.consensusType() === 'pos'
}

function check(condition: boolean, reason: string, detail: string): void {
  if (!condition) throw new BlockError(reason, detail)
}

/** Runs an EthereumJS validation and turns its error into a BlockError with `reason`. */
function ethereumjs(reason: string, validate: () => void): void {
  try {
    validate()
  } catch (error) {
    throw new BlockError(reason, (error as Error).message)
  }
}

export class EthashImportEngine implements ConsensusEngine {
  readonly name = 'ethash'
  readonly blobTransactions = true
  private readonly dao: { block: bigint; support: boolean } | undefined

  /** `dao`: the genesis's DAO fork block and whether the chain takes it (geth's daoForkBlock, daoForkSupport). */
  constructor(dao?: { block: bigint; support: boolean }) {
    this.dao = dao
  }

  verifyHeader(header: BlockHeader): void {
    check(header.extraData.length <= MAX_EXTRA_DATA, 'invalid extra data', `${header.extraData.length} bytes, at most ${MAX_EXTRA_DATA}`)
    this.verifyDaoExtraData(header)
    if (!isProofOfStake(header)) return
    check(header.difficulty === 0n, 'invalid difficulty', `proof-of-stake block with difficulty ${header.difficulty}`)
    check(equalsBytes(header.nonce, ZERO_NONCE), 'invalid nonce', 'proof-of-stake block with a nonce')
    check(equalsBytes(header.uncleHash, KECCAK256_RLP_ARRAY), 'invalid uncles', 'proof-of-stake block with uncles')
  }

  /**
   * geth's VerifyDAOHeaderExtraData: the DAO fork block and the 9 after it say "dao-hard-fork"
   * in their extra-data on a chain that took the fork, and must not on one that did not.
   */
  private verifyDaoExtraData(header: BlockHeader): void {
    const dao = this.dao
    if (dao === undefined || header.number < dao.block || header.number >= dao.block + DAO_FORK_EXTRA_RANGE) return
    const marked = equalsBytes(header.extraData, DAO_FORK_EXTRA)
    if (dao.support) check(marked, 'bad DAO pro-fork extra-data', `block ${header.number} must carry "dao-hard-fork"`)
    else check(!marked, 'bad DAO no-fork extra-data', `block ${header.number} must not carry "dao-hard-fork"`)
  }

  async verifyHeaderAgainstParent(header: BlockHeader, parent: BlockHeader): Promise<void> {
    check(header.number === parent.number + 1n, 'invalid number', `have ${header.number} want ${parent.number + 1n}`)
    check(header.timestamp > parent.timestamp, 'invalid timestamp', `${header.timestamp} not after parent's ${parent.timestamp}`)
    check(header.gasUsed <= header.gasLimit, 'invalid gas used', `gas used ${header.gasUsed} above limit ${header.gasLimit}`)
    ethereumjs('invalid gas limit', () => header.validateGasLimit(parent))
    if (header.common.isActivatedEIP(1559)) {
      // The London block's parent has no base fee: the first one is the fork's initial base fee.
      const expected = parent.common.isActivatedEIP(1559) ? parent.calcNextBaseFee() : header.common.param('initialBaseFee')
      check(header.baseFeePerGas === expected, 'invalid base fee', `have ${header.baseFeePerGas} want ${expected}`)
    }
    if (header.common.isActivatedEIP(4844)) {
      const expected = parent.calcNextExcessBlobGas(header.common)
      check(header.excessBlobGas === expected, 'invalid excess blob gas', `have ${header.excessBlobGas} want ${expected}`)
    }
    if (!isProofOfStake(header)) {
      const expected = header.ethashCanonicalDifficulty(parent)
      check(header.difficulty === expected, 'invalid difficulty', `have ${header.difficulty} want ${expected}`)
    }
  }

  async verifyBody(block: Block): Promise<void> {
    const { header } = block
    verifyTransactionsRoot(block)
    check(block.uncleHashIsValid(), 'invalid uncles', 'uncle hash does not match the uncles')
    ethereumjs('invalid uncles', () => block.validateUncles())
    for (const uncle of block.uncleHeaders) {
      check(uncle.number < header.number && uncle.number + MAX_UNCLE_DEPTH >= header.number, 'invalid uncles', `uncle ${uncle.number} too far from block ${header.number}`)
    }
    if (header.common.isActivatedEIP(4895)) check(await block.withdrawalsTrieIsValid(), 'invalid withdrawals', 'withdrawals root does not match the withdrawals')
    else check(block.withdrawals === undefined, 'invalid withdrawals', 'withdrawals before Shanghai')
    if (header.common.isActivatedEIP(4844)) {
      const blobGas = block.transactions.reduce((sum, tx) => sum + blobGasOf(tx), 0n)
      const limit = header.common.getBlobGasSchedule().maxBlobGasPerBlock
      check(blobGas === header.blobGasUsed, 'invalid blob gas used', `have ${header.blobGasUsed} want ${blobGas}`)
      check(blobGas <= limit, 'invalid blob gas used', `${blobGas} above the block's ${limit}`)
    }
  }

  verifyAfterExecution(block: Block, outcome: ExecutionOutcome): void {
    verifyExecutionOutcome(block.header, outcome)
  }

  /** The miner (before the merge) or fee recipient (after it). */
  author(header: BlockHeader): Uint8Array {
    return header.coinbase.bytes
  }

  async recordHeader(_batch: WriteBatch, _header: BlockHeader): Promise<void> {}

  genesisSnapshot(_batch: WriteBatch, _genesis: BlockHeader): void {}

  /**
   * The head: an imported chain is the one its file holds, and without a consensus client
   * nothing can move it but another import (as geth after an import and a forkchoice update).
   */
  finalized(head: BlockHeader): BlockHeader {
    return head
  }
}
