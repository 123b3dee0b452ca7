import { EventEmitter } from 'node:events'
import { Block, createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { KECCAK256_RLP, bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { Logger } from 'pino'
import type { GenesisFile } from '@busan/chain-config'
import { TrieNodeStore, WriteBatch, type KeyValueStore } from '@busan/db'
import type { BlockProducer, ConsensusEngine, SealPlan } from './consensus/interface.ts'
import type { TypedTransaction } from '@ethereumjs/tx'
import { BlockExecutor, type ExecutionOutcome, type SkipReason, type TransactionSource } from './executor.ts'
import { orderedTrieRoot } from './ordered-trie.ts'
import { assertSameGenesis, buildGenesisBlock } from './genesis.ts'
import type { StoredReceipt } from './receipts.ts'
import { SenderRecovery } from './sender-recovery.ts'
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
  /** True when this node sealed the new head (false for imported blocks). */
  sealedHere: boolean
}

/**
 * Fork choice: the branch with more total difficulty wins; between equally heavy branches the
 * lower head hash wins. The tie-break is the same on every node, so a network split into
 * halves of equal weight (which Clique's signing limit can leave unable to extend either
 * branch) still converges when it heals.
 */
export function preferred(candidate: { totalDifficulty: bigint; hash: Uint8Array }, current: { totalDifficulty: bigint; hash: Uint8Array }): boolean {
  if (candidate.totalDifficulty !== current.totalDifficulty) return candidate.totalDifficulty > current.totalDifficulty
  return Buffer.compare(candidate.hash, current.hash) < 0
}

/** What importing a block did: it became the head, it joined a side branch, or it was known. */
export type ImportOutcome = 'canonical' | 'side' | 'known'

export interface ChainOptions {
  kv: KeyValueStore
  common: Common
  genesis: GenesisFile
  engine: ConsensusEngine & { genesisSnapshot(batch: WriteBatch, genesis: BlockHeader): void }
  logger: Logger
  metrics: ChainMetrics | null
  /**
   * Fsync the WAL for every committed block (imported ones too) before the head moves.
   * Blocks this node seals are always synced: a sealer that lost its own block in a power
   * cut could seal a different block at the same height after restart.
   */
  syncWrites?: boolean
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
  private readonly syncWrites: boolean
  private current: Block
  private lock: Promise<unknown> = Promise.resolve()
  private readonly senderRecovery = new SenderRecovery()

  private constructor(options: ChainOptions, genesis: Block, head: Block, executor: BlockExecutor, store: ChainStore, trieStore: TrieNodeStore) {
    super()
    this.common = options.common
    this.kv = options.kv
    this.engine = options.engine
    this.logger = options.logger
    this.metrics = options.metrics
    this.syncWrites = options.syncWrites === true
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
      await kv.write(batch, { sync: true })
      logger.info({ hash: bytesToHex(genesis.hash()), stateRoot: bytesToHex(genesis.header.stateRoot) }, 'wrote genesis')
    } else {
      trieStore.discardStaged()
      assertSameGenesis(storedGenesis, genesis)
    }
    const headHash = store.headHash() ?? genesis.hash()
    const head = store.blockByHash(headHash)
    if (head === undefined) throw new Error(`head block ${bytesToHex(headHash)} missing from the database`)
    const executor = await BlockExecutor.create(common, trieStore, head.header.stateRoot)
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
      const built = await this.executor.build(parent.header, headerData, args.signer, this.ancestorHashes(parent), args.source, (tx, reason, error) =>
        this.noteSkipped(tx, reason, error),
      )
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
      await this.commit(canonical, parent, true)
      this.metrics?.observeBlock(block, performance.now() - started)
      this.logger.info(
        { number: Number(block.header.number), hash: bytesToHex(block.hash()), txs: block.transactions.length, gasUsed: Number(block.header.gasUsed), ms: Math.round(performance.now() - started) },
        'sealed block',
      )
      return canonical
    })
  }

  /** Logs and counts a transaction block building left out; `internal` ones are faults, logged as errors. */
  private noteSkipped(tx: TypedTransaction, reason: SkipReason, error: Error | undefined): void {
    this.metrics?.observeSkipped(reason)
    const fields = { tx: bytesToHex(tx.hash()), nonce: Number(tx.nonce), reason, error: error?.message }
    if (reason === 'internal') this.logger.error({ ...fields, err: error }, 'block building skipped a transaction on an internal error')
    else this.logger.debug(fields, 'block building skipped a transaction')
  }

  /**
   * Verifies (all four consensus phases), executes and stores a block whose parent is
   * stored. The block becomes the head when its branch has more total difficulty than the
   * current head's (a reorg when it does not extend the head); otherwise it is kept as a
   * side branch, executed, so a later block can make that branch canonical.
   */
  importBlock(block: Block): Promise<ImportOutcome> {
    this.senderRecovery.prefetch(block.transactions)
    return this.exclusive(async () => {
      const hash = block.hash()
      if (this.store.blockByHash(hash) !== undefined) return 'known'
      const parent = this.store.blockByHash(block.header.parentHash)
      if (parent === undefined) throw new Error(`unknown parent ${bytesToHex(block.header.parentHash)} of block ${block.header.number}`)
      const started = performance.now()
      this.engine.verifyHeader(block.header)
      await this.engine.verifyHeaderAgainstParent(block.header, parent.header)
      await this.engine.verifyBody(block)
      const { senders, outcome } = await this.executor.execute(block, parent.header, this.engine.author(block.header), this.ancestorHashes(parent))
      try {
        this.engine.verifyAfterExecution(block, outcome)
      } catch (error) {
        await this.executor.abandon(parent.header.stateRoot)
        throw error
      }
      const imported = { block, senders, receipts: outcome.receipts }
      const td = (this.store.totalDifficulty(parent.hash()) ?? 0n) + block.header.difficulty
      const headTd = this.store.totalDifficulty(this.current.hash()) ?? 0n
      if (preferred({ totalDifficulty: td, hash }, { totalDifficulty: headTd, hash: this.current.hash() })) {
        await this.commit(imported, parent, false)
        this.metrics?.observeBlock(block, performance.now() - started)
        return 'canonical'
      }
      await this.storeSide(imported, parent)
      this.logger.info({ number: Number(block.header.number), hash: bytesToHex(hash), td: td.toString(), headTd: headTd.toString() }, 'stored side block')
      return 'side'
    })
  }

  /** Whether a branch ending in `head` would replace the current head (see `preferred`). */
  prefers(head: { totalDifficulty: bigint; hash: Uint8Array }): boolean {
    return preferred(head, { totalDifficulty: this.store.totalDifficulty(this.current.hash()) ?? 0n, hash: this.current.hash() })
  }

  /** BLOCKHASH for a block on top of `parent`: walks the branch back to the canonical chain. */
  private ancestorHashes(parent: Block): (number: bigint) => Uint8Array | undefined {
    const branch = new Map<bigint, Uint8Array>()
    let cursor: Block | undefined = parent
    while (cursor !== undefined && !this.isCanonical(cursor) && branch.size < 256) {
      branch.set(cursor.header.number, cursor.hash())
      cursor = this.store.blockByHash(cursor.header.parentHash)
    }
    return (number) => branch.get(number) ?? this.store.canonicalHash(number)
  }

  private isCanonical(block: Block): boolean {
    const canonical = this.store.canonicalHash(block.header.number)
    return canonical !== undefined && equalsBytes(canonical, block.hash())
  }

  /** Stores an executed block off the canonical chain: its state, block, receipts, snapshot. */
  private async storeSide(imported: CanonicalBlock, parent: Block): Promise<void> {
    const batch = new WriteBatch()
    try {
      this.trieStore.stageInto(batch)
      const parentTd = this.store.totalDifficulty(parent.hash()) ?? 0n
      this.store.putBlock(batch, imported.block, parentTd + imported.block.header.difficulty, imported.senders, imported.receipts)
      await this.engine.recordHeader(batch, imported.block.header)
      await this.kv.write(batch, { sync: this.syncWrites })
    } catch (error) {
      await this.executor.abandon(this.current.header.stateRoot)
      throw error
    }
  }

  /**
   * Commits a block as the new head, in one write batch. When its parent is not the head,
   * the branches are swapped in the same batch: the old blocks' canonical entries (number
   * index, transaction lookups, log index) are deleted and the new branch's written.
   */
  private async commit(canonical: CanonicalBlock, parent: Block, sealedHere: boolean): Promise<void> {
    const { block, senders, receipts } = canonical
    const batch = new WriteBatch()
    let change: HeadChange
    try {
      this.trieStore.stageInto(batch)
      const parentTd = this.store.totalDifficulty(parent.hash()) ?? 0n
      this.store.putBlock(batch, block, parentTd + block.header.difficulty, senders, receipts)
      await this.engine.recordHeader(batch, block.header)
      const { removed, added } = this.branches(parent)
      for (const old of removed) this.store.deleteCanonical(batch, old.block, old.receipts)
      for (const joining of added) this.store.putCanonical(batch, joining.block, joining.receipts)
      this.store.putCanonical(batch, block, receipts)
      this.store.setHead(batch, block.hash())
      // Synced before the head moves, so before any listener announces the block.
      await this.kv.write(batch, { sync: sealedHere || this.syncWrites })
      change = { head: canonical, added: [...added, canonical], removed, sealedHere }
    } catch (error) {
      await this.executor.abandon(this.current.header.stateRoot)
      throw error
    }
    if (change.removed.length > 0) {
      this.logger.warn({ dropped: change.removed.length, added: change.added.length, number: Number(block.header.number), hash: bytesToHex(block.hash()) }, 'chain reorganised')
    }
    this.current = block
    this.emit('head', change)
  }

  /** Blocks leaving (newest first) and joining (oldest first, the new head excluded) the canonical chain. */
  private branches(newParent: Block): { removed: CanonicalBlock[]; added: CanonicalBlock[] } {
    const removed: CanonicalBlock[] = []
    const added: CanonicalBlock[] = []
    let oldTip: Block = this.current
    let newTip: Block = newParent
    const parentOf = (block: Block): Block => {
      const found = this.store.blockByHash(block.header.parentHash)
      if (found === undefined) throw new Error(`missing ancestor ${bytesToHex(block.header.parentHash)}`)
      return found
    }
    while (!equalsBytes(oldTip.hash(), newTip.hash())) {
      if (oldTip.header.number >= newTip.header.number) {
        removed.push(this.canonicalBlock(oldTip))
        oldTip = parentOf(oldTip)
      } else {
        added.unshift(this.canonicalBlock(newTip))
        newTip = parentOf(newTip)
      }
    }
    return { removed, added }
  }

  /** Senders and receipts of a stored block. */
  canonicalBlock(block: Block): CanonicalBlock {
    return { block, senders: this.store.senders(block.hash()), receipts: this.store.receipts(block.hash()) ?? [] }
  }
}

export type { ExecutionOutcome }
