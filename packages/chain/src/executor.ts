import { Block, createBlockHeader, type BlockHeader, type HeaderData } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import type { TypedTransaction } from '@ethereumjs/tx'
import { ValueEncoding, equalsBytes, toType, TypeOutput, type DB } from '@ethereumjs/util'
import {
  Bloom,
  createVM,
  encodeReceipt,
  runTx,
  type PostByzantiumTxReceipt,
  type PreByzantiumTxReceipt,
  type RunTxResult,
  type VM,
} from '@ethereumjs/vm'
import type { TrieNodeStore } from '@busan/db'
import { attachTracer } from '@busan/tracing'
import { CallCollector, type TxCalls } from './address-index.ts'
import { applyStepsAfterTransactions, applyStepsBeforeTransactions } from './block-steps.ts'
import { createCodeAnalysisCache } from './code-analysis-cache.ts'
import { BlockError } from './errors.ts'
import { orderedTrieRoot } from './ordered-trie.ts'
import type { RawLog, StoredReceipt } from './receipts.ts'

export interface ExecutionOutcome {
  gasUsed: bigint
  stateRoot: Uint8Array
  receiptsRoot: Uint8Array
  logsBloom: Uint8Array
  receipts: StoredReceipt[]
  /** Per transaction, the addresses its call frames touched and what it created (for the address index). */
  calls: TxCalls[]
  /** EIP-7685 requests commitment (from Prague), undefined before. */
  requestsHash?: Uint8Array
}

/** What block producers need from the pool: whether anything is waiting, and a cursor over it. */
export interface PendingTransactions {
  hasPending(): boolean
  executable(baseFee: bigint): TransactionSource
  /** Resolves once the pool has caught up with `head` (mined transactions removed). */
  synced(head: Block): Promise<void>
  /** Calls `listener` whenever a transaction becomes executable. */
  onPending(listener: () => void): () => void
}

/** Where the block builder takes transactions from (the pool's cursor fits). */
export interface TransactionSource {
  next(): { tx: TypedTransaction; sender: Uint8Array } | undefined
  /** Skips the rest of the last returned transaction's sender (it failed or did not fit). */
  skipSender(): void
}

/**
 * The share of the block period a PoA block producer spends selecting and executing
 * transactions, in percent (Besu's `--poa-block-txs-selection-max-time`, default 75): past it
 * the block is sealed with what it holds, so a backlog cannot stretch one block past its slot
 * and everyone's check of it past the round timer.
 */
export const DEFAULT_TXS_SELECTION_MAX_TIME_PERCENT = 75

/**
 * `source`, ending `budgetMs` (wall-clock ms) after its first transaction is taken; an
 * unbounded budget (Infinity, the instant dev sealer's) returns `source` itself.
 */
export function timeLimitedSource(source: TransactionSource, budgetMs: number): TransactionSource {
  if (!Number.isFinite(budgetMs)) return source
  let deadline: number | undefined
  return {
    next() {
      const now = performance.now()
      deadline ??= now + budgetMs
      return now < deadline ? source.next() : undefined
    },
    skipSender: () => source.skipSender(),
  }
}

/** The selection budget of a block period (seconds) at `percent` of it, in ms; Infinity for period 0. */
export function selectionBudgetMs(periodSeconds: number, percent: number): number {
  return periodSeconds > 0 ? periodSeconds * 10 * percent : Infinity
}

/**
 * Why block building left a transaction out (the label of `chain_build_skipped_transactions_total`).
 * `internal` is anything that is not a property of the transaction: a fault to look into.
 */
export type SkipReason = 'gas_limit' | 'nonce' | 'insufficient_funds' | 'fee_cap_below_base_fee' | 'intrinsic_gas' | 'tx_gas_cap' | 'sender_not_eoa' | 'internal'

/** Called for every transaction block building leaves out, with the error when there was one. */
export type SkipListener = (tx: TypedTransaction, reason: SkipReason, error?: Error) => void

/** EthereumJS runTx's validity failures (messages of `runTx.ts`), in the order it checks them. */
const SKIP_PATTERNS: [RegExp, SkipReason][] = [
  [/INTRINSIC_GAS_TOO_LOW/, 'intrinsic_gas'],
  [/EIP-7825 cap/, 'tx_gas_cap'],
  [/is less than the block's baseFeePerGas/, 'fee_cap_below_base_fee'],
  [/address is not EOA/, 'sender_not_eoa'],
  [/doesn't have enough funds/, 'insufficient_funds'],
  [/doesn't have the correct nonce/, 'nonce'],
]

/** The reason a transaction failed `runTx` before executing; `internal` when it is not one of its validity checks. */
export function skipReason(error: unknown): SkipReason {
  const message = error instanceof Error ? error.message : String(error)
  return SKIP_PATTERNS.find(([pattern]) => pattern.test(message))?.[1] ?? 'internal'
}

/** Hashes of the executing block's ancestors, for BLOCKHASH. */
export type BlockHashLookup = (number: bigint) => Uint8Array | undefined

export interface BuiltBlockBody {
  transactions: TypedTransaction[]
  senders: Uint8Array[]
  outcome: ExecutionOutcome
}

/** The collector ignores the top frame's caller (the index adds each sender itself). */
const NO_SENDER = new Uint8Array(20)

/** Lets the event loop serve RPC requests while a large block executes. */
const YIELD_EVERY_TXS = 64
const TX_GAS = 21_000n

export function createStateTrie(db: DB<string, Uint8Array>, common: Common, root?: Uint8Array): MerklePatriciaTrie {
  return new MerklePatriciaTrie({ db, root, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common })
}

/**
 * Executes blocks on the head state, linearly: one header-only execution block, `runTx` per
 * transaction with the running gas total, then receipts trie, bloom and state root once.
 * (The stock BlockBuilder rebuilds the block on every added transaction: quadratic.)
 *
 * Each block runs under the fork in force at its number and timestamp, with the block-level
 * steps of that fork in EthereumJS's order and with its functions (runBlock's): the DAO fork's
 * state change and the EIP-4788 and EIP-2935 system calls before the transactions; withdrawals (EIP-4895), proof-of-work
 * miner and ommer rewards (an `ethash` chain before the merge) and EIP-7685 requests after them.
 *
 * Transactions run against an execution header whose coinbase is the block's author, so
 * fees go to the Clique signer and COINBASE answers it, as in geth.
 */
/**
 * Accounts the executor's cache holds before it starts empty again (about 50 MB of cached
 * accounts at most). The V8 heap reserves about twice its peak of live objects, so each MB
 * these caches may hold costs the node about two of resident memory (docs/benchmarks.md, ninth
 * session: 200,000 accounts and slots kept a node sealing to fresh addresses near 1 GiB).
 */
const CACHED_ACCOUNTS_LIMIT = 100_000
/** Accounts with cached storage slots the executor's cache holds before it starts empty again. */
const CACHED_STORAGE_ACCOUNTS_LIMIT = 20_000
/** Storage slots over all accounts the executor's cache holds before it starts empty again (about 25 MB). */
const CACHED_STORAGE_SLOTS_LIMIT = 100_000

export class BlockExecutor {
  private readonly common: Common
  private readonly vm: VM
  private readonly stateManager: MerkleStateManager
  /** The state manager's account, storage and code caches (EthereumJS's ordered maps: they never evict on their own). */
  private readonly caches: Caches
  private readonly trieStore: TrieNodeStore

  private constructor(common: Common, vm: VM, stateManager: MerkleStateManager, caches: Caches, trieStore: TrieNodeStore) {
    this.common = common
    this.vm = vm
    this.stateManager = stateManager
    this.caches = caches
    this.trieStore = trieStore
  }

  /** BLOCKHASH answers from the branch being executed; set per block by the caller. */
  private ancestorHash: BlockHashLookup = () => undefined

  /**
   * An executor over the state at `headStateRoot`. `evmPatches` false runs the EVM as unpatched
   * EthereumJS does: every call's code analysed again, every step awaited (the test that proves
   * the patches change nothing runs blocks both ways).
   */
  static async create(chainCommon: Common, trieStore: TrieNodeStore, headStateRoot: Uint8Array, options: { evmPatches?: boolean } = {}): Promise<BlockExecutor> {
    // A copy of its own: the executor moves it from fork to fork, and the EVM follows its events.
    const common = chainCommon.copy()
    const caches = new Caches()
    const stateManager = new MerkleStateManager({ trie: createStateTrie(trieStore, common, headStateRoot), common, caches })
    let executor: BlockExecutor | undefined
    const patched = options.evmPatches !== false
    const evmOpts = { codeAnalysisCache: patched ? createCodeAnalysisCache() : undefined, synchronousSteps: patched }
    const vm = await createVM({ common, stateManager, blockchain: evmBlockchain((number) => executor?.ancestorHash(number)), evmOpts })
    executor = new BlockExecutor(common, vm, stateManager, caches, trieStore)
    return executor
  }

  /**
   * Builds a block body on `parent` from `source`, filling up to the header's gas limit.
   * A transaction that does not fit or fails validation is left out, with the rest of its
   * sender's, and reported to `skipped` (as geth's miner pops the sender).
   */
  async build(
    parent: BlockHeader,
    headerData: HeaderData,
    author: Uint8Array,
    ancestorHash: BlockHashLookup,
    source: TransactionSource,
    skipped: SkipListener,
  ): Promise<BuiltBlockBody> {
    const transactions: TypedTransaction[] = []
    const senders: Uint8Array[] = []
    const outcome = await this.run(parent, headerData, author, ancestorHash, undefined, async (execute, gasLeft) => {
      while (gasLeft() >= TX_GAS) {
        const next = source.next()
        if (next === undefined) break
        if (next.tx.gasLimit > gasLeft()) {
          source.skipSender()
          skipped(next.tx, 'gas_limit')
          continue
        }
        try {
          await execute(next.tx)
        } catch (error) {
          // Invalid now (nonce, funds, fee cap): the pool drops it on the next head.
          source.skipSender()
          skipped(next.tx, skipReason(error), error as Error)
          continue
        }
        transactions.push(next.tx)
        senders.push(next.sender)
      }
    })
    return { transactions, senders, outcome }
  }

  /** Executes an existing block strictly: any invalid transaction makes the block invalid. */
  async execute(block: Block, parent: BlockHeader, author: Uint8Array, ancestorHash: BlockHashLookup): Promise<{ senders: Uint8Array[]; outcome: ExecutionOutcome }> {
    const outcome = await this.run(parent, block.header.toJSON(), author, ancestorHash, block, async (execute) => {
      for (const [index, tx] of block.transactions.entries()) {
        try {
          await execute(tx)
        } catch (error) {
          throw new BlockError('invalid transaction', `tx ${index}: ${(error as Error).message}`)
        }
      }
    })
    return { senders: block.transactions.map((tx) => tx.getSenderAddress().bytes), outcome }
  }

  /**
   * Runs `body` in a block on `parent`'s state: `execute` runs one transaction (throwing,
   * with the state untouched, when it is invalid) and records its receipt; afterwards the
   * receipts root, bloom and state root are computed once. Any failure abandons the block.
   * `block` is the block being executed (its withdrawals and ommers), undefined when building.
   */
  private async run(
    parent: BlockHeader,
    headerData: HeaderData,
    author: Uint8Array,
    ancestorHash: BlockHashLookup,
    block: Block | undefined,
    body: (execute: (tx: TypedTransaction) => Promise<void>, gasLeft: () => bigint) => Promise<void>,
  ): Promise<ExecutionOutcome> {
    this.common.setHardforkBy({ blockNumber: parent.number + 1n, timestamp: toType(headerData.timestamp ?? 0, TypeOutput.BigInt) })
    const executionBlock = this.executionBlock(headerData, author)
    this.ancestorHash = ancestorHash
    await this.begin(parent.stateRoot)
    const receipts: StoredReceipt[] = []
    const calls: TxCalls[] = []
    const encodedReceipts: Uint8Array[] = []
    const bloom = new Bloom(undefined, this.common)
    let gasUsed = 0n
    // One collector for the block: attaching per transaction would cost more than collecting.
    const collector = new CallCollector()
    const detach = attachTracer(this.vm.evm, collector, { sender: NO_SENDER, gasLimit: 0n })
    const execute = async (tx: TypedTransaction) => {
      let result
      try {
        result = await runTx(this.vm, { tx, block: executionBlock, blockGasUsed: gasUsed, skipHardForkValidation: true })
      } catch (error) {
        collector.take(NO_SENDER)
        throw error
      }
      calls.push(collector.take(tx.getSenderAddress().bytes))
      gasUsed += result.totalGasSpent
      const stored = storedReceipt(result, gasUsed)
      receipts.push(stored)
      encodedReceipts.push(encodeReceipt({ status: stored.status, stateRoot: stored.root, cumulativeBlockGasUsed: gasUsed, bitvector: result.receipt.bitvector, logs: stored.logs }, tx.type))
      bloom.or(new Bloom(result.receipt.bitvector, this.common))
      if (receipts.length % YIELD_EVERY_TXS === 0) await yieldToEventLoop()
    }
    try {
      await applyStepsBeforeTransactions(this.vm, executionBlock.header)
      await body(execute, () => executionBlock.header.gasLimit - gasUsed)
      const requestsHash = (await applyStepsAfterTransactions(this.vm, block ?? executionBlock, receipts.map((receipt) => receipt.logs)))?.hash
      await this.stateManager.commit()
      const stateRoot = await this.stateManager.getStateRoot()
      this.boundCaches()
      return { gasUsed, stateRoot, receiptsRoot: orderedTrieRoot(encodedReceipts), logsBloom: bloom.bitvector, receipts, calls, requestsHash }
    } catch (error) {
      await this.abandon(parent.stateRoot)
      throw error
    } finally {
      detach()
    }
  }

  /**
   * Keeps the warm caches from growing with the chain: once every change is in the trie (after
   * a block's flush) and they hold more than CACHED_ACCOUNTS_LIMIT accounts,
   * CACHED_STORAGE_ACCOUNTS_LIMIT accounts' storage or CACHED_STORAGE_SLOTS_LIMIT slots, they
   * start empty again. Sequential blocks mostly touch the same accounts and slots, so this is
   * rare; an import of many new accounts (a chain of transfers to fresh addresses), or one token
   * paying ever new holders (its balances mapping), grew the node's memory block after block
   * without it.
   */
  private boundCaches(): void {
    const accounts = this.caches.account?.size() ?? 0
    const storage = this.caches.storage
    if (accounts > CACHED_ACCOUNTS_LIMIT || (storage !== undefined && (storage.size() > CACHED_STORAGE_ACCOUNTS_LIMIT || storage.slotCount() > CACHED_STORAGE_SLOTS_LIMIT))) this.caches.clear()
  }

  /** Forgets the state of a block that will not be committed, back to `root`. */
  async abandon(root: Uint8Array): Promise<void> {
    this.trieStore.discardStaged()
    await this.stateManager.setStateRoot(root, true)
  }

  private executionBlock(headerData: HeaderData, author: Uint8Array): Block {
    const header = createBlockHeader({ ...headerData, coinbase: author }, { common: this.common, params: {} })
    return new Block(header, [], [], this.common.isActivatedEIP(4895) ? [] : undefined, { common: this.common, params: {} })
  }

  private async begin(parentRoot: Uint8Array): Promise<void> {
    const current = await this.stateManager.getStateRoot()
    // Sequential blocks reuse the warm caches; a different parent (reorg) resets them.
    if (!equalsBytes(current, parentRoot)) await this.stateManager.setStateRoot(parentRoot, true)
    await this.stateManager.checkpoint()
  }
}

/** What the store keeps of a transaction's receipt: the post-state root before Byzantium (EIP-658), the status from it. */
function storedReceipt(result: RunTxResult, cumulativeGasUsed: bigint): StoredReceipt {
  const logs = result.receipt.logs as StoredReceipt['logs']
  const root = (result.receipt as PreByzantiumTxReceipt).stateRoot
  if (root !== undefined) return { status: 1, root, cumulativeGasUsed, logs }
  return { status: (result.receipt as PostByzantiumTxReceipt).status, cumulativeGasUsed, logs }
}

/** The blockchain view the EVM needs for BLOCKHASH, over a canonical-hash lookup. */
export function evmBlockchain(blockHash: BlockHashLookup) {
  const blockchain = {
    async getBlock(number: number) {
      const hash = blockHash(BigInt(number))
      if (hash === undefined) throw new Error(`no canonical block ${number}`)
      return { hash: () => hash }
    },
    async putBlock() {},
    shallowCopy: () => blockchain,
  }
  return blockchain
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

