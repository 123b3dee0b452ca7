import { EventEmitter } from 'node:events'
import { Block, createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { KECCAK256_RLP, bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { Logger } from 'pino'
import type { GenesisFile } from '@busan/chain-config'
import { TrieNodeStore, WriteBatch, type KeyValueStore } from '@busan/db'
import type { BlockProducer, ConsensusEngine, SealPlan } from './consensus/interface.ts'
import { BlockExecutor, type ExecutionOutcome, type TransactionSource } from './executor.ts'
import { orderedTrieRoot } from './ordered-trie.ts'
import { assertSameGenesis, buildGenesisBlock } from './genesis.ts'
import type { StoredReceipt } from './receipts.ts'
import { ChainStore } from './store.ts'
import type { ChainMetrics } from './metrics.ts'

/** A block that became part of the canonical chain, with what listeners need. */
export interface CanonicalBlock {
  block: Block
  senders: Uint8Array[]
  receipts: StoredReceipt[]
}

export interface HeadChange {
  head: CanonicalBlock
  /** Blocks added to the canonical chain, oldest first (the head is the last). */
  added: CanonicalBlock[]
  /** Blocks a reorg removed from the canonical chain, newest first. */
  removed: CanonicalBlock[]
}

export interface ChainOptions {
  kv: KeyValueStore
  common: Common
  genesis: GenesisFile
  engine: ConsensusEngine & { genesisSnapshot(batch: WriteBatch, genesis: BlockHeader): void }
  logger: Logger
  metrics: ChainMetrics | null
}

/**
 * The chain: its head, the executor over the head state, and the one place where blocks
 * are committed. Every block lands in RocksDB as one write batch (state nodes, block,
 * receipts, indexes, consensus snapshot and the head pointer), so a crash at any moment
 * leaves the previous head or the new one, never a mix.
 */
export class Chain extends EventEmitter<{ head: [HeadChange] }> {
  readonly common: Common
  readonly store: ChainStore
  readonly trieStore: TrieNodeStore
  readonly engine: ConsensusEngine
  readonly genesis: Block
  private readonly kv: KeyValueStore
  private readonly executor: BlockExecutor
  private readonly logger: Logger
  private readonly metrics: ChainMetrics | null
  private current: Block
  private lock: Promise<unknown> = Promise.resolve()

  private constructor(options: ChainOptions, genesis: Block, head: Block, executor: BlockExecutor, store: ChainStore, trieStore: TrieNodeStore) {
    super()
    this.common = options.common
    this.kv = options.kv
    this.engine = options.engine
    this.logger = options.logger
    this.metrics = options.metrics
    this.genesis = genesis
    this.current = head
    this.executor = executor
    this.store = store
    this.trieStore = trieStore
  }

  static async open(options: ChainOptions): Promise<Chain> {
    const { kv, common, engine, logger } = options
    const store = new ChainStore(kv, common)
    const trieStore = new TrieNodeStore(kv)
    const genesis = await buildGenesisBlock(options.genesis, common, trieStore)
    const storedGenesis = store.genesisHash()
    if (storedGenesis === undefined) {
      const batch = new WriteBatch()
      trieStore.stageInto(batch)
      store.putBlock(batch, genesis, genesis.header.difficulty, [], [])
      store.putCanonical(batch, genesis, [])
      store.setGenesis(batch, genesis.hash())
      store.setHead(batch, genesis.hash())
      engine.genesisSnapshot(batch, genesis.header)
      await kv.write(batch)
      logger.info({ hash: bytesToHex(genesis.hash()), stateRoot: bytesToHex(genesis.header.stateRoot) }, 'wrote genesis')
    } else {
      trieStore.discardStaged()
      assertSameGenesis(storedGenesis, genesis)
    }
    const headHash = store.headHash() ?? genesis.hash()
    const head = store.blockByHash(headHash)
    if (head === undefined) throw new Error(`head block ${bytesToHex(headHash)} missing from the database`)
    const executor = await BlockExecutor.create(common, trieStore, (n) => store.canonicalHash(n), head.header.stateRoot)
    logger.info({ number: Number(head.header.number), hash: bytesToHex(head.hash()) }, 'chain head')
    return new Chain(options, genesis, head, executor, store, trieStore)
  }

  get head(): Block {
    return this.current
  }

  /** Runs `task` after every earlier block operation finished: one block at a time. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task)
    this.lock = run.catch(() => undefined)
    return run
  }

  /**
   * Builds a block on the current head from `source`, seals it and commits it.
   * Returns undefined when `requireTransactions` is set and nothing was included, or when
   * the head moved since `parent` was planned on.
   */
  produceBlock(args: {
    parent: Block
    plan: SealPlan
    signer: Uint8Array
    privateKey: Uint8Array
    producer: BlockProducer
    source: TransactionSource
    requireTransactions: boolean
  }): Promise<CanonicalBlock | undefined> {
    return this.exclusive(async () => {
      const { parent, plan } = args
      if (!equalsBytes(parent.hash(), this.current.hash())) return undefined
      const started = performance.now()
      const headerData = {
        parentHash: parent.hash(),
        number: parent.header.number + 1n,
        timestamp: plan.timestamp,
        gasLimit: parent.header.gasLimit,
        difficulty: plan.difficulty,
        extraData: plan.extraData,
        coinbase: plan.coinbase,
        nonce: plan.nonce,
        baseFeePerGas: parent.header.calcNextBaseFee(),
        withdrawalsRoot: KECCAK256_RLP,
      }
      const built = await this.executor.build(parent.header, headerData, args.signer, args.source)
      if (args.requireTransactions && built.transactions.length === 0) {
        await this.executor.abandon(parent.header.stateRoot)
        return undefined
      }
      const header = createBlockHeader(
        {
          ...headerData,
          stateRoot: built.outcome.stateRoot,
          transactionsTrie: orderedTrieRoot(built.transactions.map((tx) => tx.serialize())),
          receiptTrie: built.outcome.receiptsRoot,
          logsBloom: built.outcome.logsBloom,
          gasUsed: built.outcome.gasUsed,
        },
        { common: this.common, params: {} },
      )
      const sealed = args.producer.seal(header, args.privateKey)
      const block = new Block(sealed, built.transactions, [], [], { common: this.common, params: {} })
      const canonical = { block, senders: built.senders, receipts: built.outcome.receipts }
      await this.commit(canonical, parent)
      this.metrics?.observeBlock(block, performance.now() - started)
      this.logger.info(
        { number: Number(block.header.number), hash: bytesToHex(block.hash()), txs: block.transactions.length, gasUsed: Number(block.header.gasUsed), ms: Math.round(performance.now() - started) },
        'sealed block',
      )
      return canonical
    })
  }

  /** Verifies, executes and commits a block received from elsewhere that extends the head. */
  importBlock(block: Block): Promise<CanonicalBlock> {
    return this.exclusive(async () => {
      const parent = this.store.blockByHash(block.header.parentHash)
      if (parent === undefined) throw new Error(`unknown parent ${bytesToHex(block.header.parentHash)}`)
      this.engine.verifyHeader(block.header)
      await this.engine.verifyHeaderAgainstParent(block.header, parent.header)
      await this.engine.verifyBody(block)
      const { senders, outcome } = await this.executor.execute(block, parent.header, this.engine.author(block.header))
      try {
        this.engine.verifyAfterExecution(block, outcome)
      } catch (error) {
        await this.executor.abandon(parent.header.stateRoot)
        throw error
      }
      const canonical = { block, senders, receipts: outcome.receipts }
      await this.commit(canonical, parent)
      return canonical
    })
  }

  private async commit(canonical: CanonicalBlock, parent: Block): Promise<void> {
    const { block, senders, receipts } = canonical
    const batch = new WriteBatch()
    try {
      this.trieStore.stageInto(batch)
      const parentTd = this.store.totalDifficulty(parent.hash()) ?? 0n
      this.store.putBlock(batch, block, parentTd + block.header.difficulty, senders, receipts)
      await this.engine.recordHeader(batch, block.header)
      this.store.putCanonical(batch, block, receipts)
      this.store.setHead(batch, block.hash())
      await this.kv.write(batch)
    } catch (error) {
      await this.executor.abandon(parent.header.stateRoot)
      throw error
    }
    this.current = block
    this.emit('head', { head: canonical, added: [canonical], removed: [] })
  }

  /** Senders and receipts of a stored block. */
  canonicalBlock(block: Block): CanonicalBlock {
    return { block, senders: this.store.senders(block.hash()), receipts: this.store.receipts(block.hash()) ?? [] }
  }
}

export type { ExecutionOutcome }
