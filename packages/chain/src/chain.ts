import { EventEmitter } from 'node:events'
import { Block, createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { KECCAK256_RLP, bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { Logger } from 'pino'
import { TrieNodeStore, WriteBatch, type KeyValueStore } from '@busan/db'
import type { BlockProducer, ConsensusEngine, SealPlan } from './consensus/interface.ts'
import type { TypedTransaction } from '@ethereumjs/tx'
import { BlockExecutor, type ExecutionOutcome, type SkipReason, type TransactionSource } from './executor.ts'
import { decodeBlock, decodeBlockPartly, headerHashRule, type HeaderHashRule, type PartlyDecodedBlock } from './block-codec.ts'
import { orderedTrieRoot } from './ordered-trie.ts'
import { writeOrCheckGenesis } from './genesis.ts'
import { branchesBetween, preferred } from './fork-choice.ts'
import { SenderRecovery } from './sender-recovery.ts'
import { ChainStore } from './store.ts'
import type { BlockFields, CanonicalBlock, ChainOptions, HeadChange, ImportOutcome } from './chain-types.ts'
import type { ChainMetrics } from './metrics.ts'
import { BadBlocks } from './bad-blocks.ts'

/** A block executed on its parent's state but not committed: its staged state and outcome. */
interface ExecutedBlock {
  hash: Uint8Array
  senders: Uint8Array[]
  outcome: ExecutionOutcome
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
  /** Blocks refused after execution (debug_getBadBlocks). */
  readonly badBlocks = new BadBlocks()
  private readonly kv: KeyValueStore
  private readonly executor: BlockExecutor
  private readonly logger: Logger
  private readonly metrics: ChainMetrics | null
  private readonly syncWrites: boolean
  private readonly quietEmptyBlocks: boolean
  private current: Block
  private lock: Promise<unknown> = Promise.resolve()
  /** The last block executed and not yet committed (a built or checked proposal), with its outcome. */
  private executed: ExecutedBlock | undefined
  private readonly senderRecovery = new SenderRecovery()

  private readonly hashRule: HeaderHashRule

  private constructor(options: ChainOptions, genesis: Block, head: Block, executor: BlockExecutor, store: ChainStore, trieStore: TrieNodeStore, hashRule: HeaderHashRule) {
    super()
    this.common = options.common
    this.kv = options.kv
    this.engine = options.engine
    this.logger = options.logger
    this.metrics = options.metrics
    this.syncWrites = options.syncWrites === true
    this.quietEmptyBlocks = options.quietEmptyBlocks === true
    this.genesis = genesis
    this.current = head
    this.executor = executor
    this.store = store
    this.trieStore = trieStore
    this.hashRule = hashRule
  }

  static async open(options: ChainOptions): Promise<Chain> {
    const { kv, common, engine, logger } = options
    const hashRule = headerHashRule(options.genesis)
    const store = new ChainStore(kv, common, hashRule)
    const trieStore = options.trieStore ?? new TrieNodeStore(kv)
    const genesis = await writeOrCheckGenesis(options.genesis, { kv, common, store, trieStore, engine, logger })
    const headHash = store.headHash() ?? genesis.hash()
    const head = store.blockByHash(headHash)
    if (head === undefined) throw new Error(`head block ${bytesToHex(headHash)} missing from the database`)
    const executor = await BlockExecutor.create(common, trieStore, head.header.stateRoot, { evmPatches: options.evmPatches })
    logger.info({ number: Number(head.header.number), hash: bytesToHex(head.hash()) }, 'chain head')
    return new Chain(options, genesis, head, executor, store, trieStore, hashRule)
  }

  /** A block from its RLP with this chain's hashing rule (peers' blocks, sync); throws on malformed input. */
  decodeBlock(rlp: Uint8Array): Block {
    return decodeBlock(rlp, this.common, this.hashRule)
  }

  /** A block RLP's header with this chain's hashing rule, the rest built on demand (decodeBlockPartly); throws on a malformed header. */
  decodeBlockPartly(rlp: Uint8Array): PartlyDecodedBlock {
    return decodeBlockPartly(rlp, this.common, this.hashRule)
  }

  /** Applies this chain's hashing rule to a header built here (a sealed or proposed block). */
  adoptHeader(header: BlockHeader): BlockHeader {
    this.hashRule(header)
    return header
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
      const built = await this.build(parent, { ...plan, author: args.signer }, args.source, args.requireTransactions)
      if (built === undefined) return undefined
      const sealed = args.producer.seal(built.block.header, args.privateKey)
      const block = new Block(this.adoptHeader(sealed), built.block.transactions, [], [], { common: this.common, params: {} })
      const canonical = { block, senders: built.senders, receipts: built.outcome.receipts, calls: built.outcome.calls }
      this.executed = undefined
      await this.commit(canonical, parent, true)
      this.noteProduced(block, started)
      return canonical
    })
  }

  /**
   * Builds and executes an unsealed block on `parent` (the head) from `source`, without
   * committing it: a BFT proposal. Its execution is kept, so importing the same block
   * (sealed) later does not execute it again. Undefined when the head moved or when
   * `requireTransactions` is set and nothing was included.
   */
  buildBlock(args: { parent: Block; fields: BlockFields; source: TransactionSource; requireTransactions: boolean }): Promise<Block | undefined> {
    return this.exclusive(async () => {
      if (!equalsBytes(args.parent.hash(), this.current.hash())) return undefined
      return (await this.build(args.parent, args.fields, args.source, args.requireTransactions))?.block
    })
  }

  /**
   * Checks a proposed block's body and executes it on its parent's state without committing
   * it (the consensus engine has checked its header). Throws a BlockError when it is invalid.
   * The execution is kept for its import, as buildBlock's is.
   */
  executeBlock(block: Block): Promise<void> {
    this.senderRecovery.prefetch(block.transactions)
    return this.exclusive(async () => {
      if (this.executed !== undefined && equalsBytes(this.executed.hash, block.hash())) return
      const parent = this.store.blockByHash(block.header.parentHash)
      if (parent === undefined) throw new Error(`unknown parent ${bytesToHex(block.header.parentHash)} of block ${block.header.number}`)
      await this.engine.verifyBody(block)
      await this.run(block, parent)
    })
  }

  /** Executes `block` on `parent` and checks the outcome; remembers it as the executed block. */
  private async run(block: Block, parent: Block): Promise<ExecutedBlock> {
    this.executed = undefined
    let executed
    try {
      executed = await this.executor.execute(block, parent.header, this.engine.author(block.header), this.store.ancestorHashes(parent))
      this.engine.verifyAfterExecution(block, executed.outcome)
    } catch (error) {
      if (executed !== undefined) await this.executor.abandon(parent.header.stateRoot)
      this.badBlocks.note(block, error)
      throw error
    }
    const { senders, outcome } = executed
    this.executed = { hash: block.hash(), senders, outcome }
    return this.executed
  }

  /** Executes a new block body on `parent` from `source` and assembles its (unsealed) header. */
  private async build(parent: Block, fields: BlockFields, source: TransactionSource, requireTransactions: boolean): Promise<(ExecutedBlock & { block: Block }) | undefined> {
    this.executed = undefined
    const headerData = {
      parentHash: parent.hash(),
      number: parent.header.number + 1n,
      timestamp: fields.timestamp,
      gasLimit: parent.header.gasLimit,
      difficulty: fields.difficulty,
      extraData: fields.extraData,
      coinbase: fields.coinbase,
      nonce: fields.nonce,
      mixHash: fields.mixHash,
      baseFeePerGas: parent.header.calcNextBaseFee(),
      withdrawalsRoot: KECCAK256_RLP,
    }
    const built = await this.executor.build(parent.header, headerData, fields.author, this.store.ancestorHashes(parent), source, (tx, reason, error) => this.noteSkipped(tx, reason, error))
    if (requireTransactions && built.transactions.length === 0) {
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
        requestsHash: built.outcome.requestsHash,
      },
      { common: this.common, params: {} },
    )
    const block = new Block(this.adoptHeader(header), built.transactions, [], [], { common: this.common, params: {} })
    this.executed = { hash: block.hash(), senders: built.senders, outcome: built.outcome }
    return { ...this.executed, block }
  }

  private noteProduced(block: Block, started: number): void {
    this.metrics?.observeBlock(block, performance.now() - started)
    const level = block.transactions.length === 0 && this.quietEmptyBlocks ? 'debug' : 'info'
    this.logger[level](
      { number: Number(block.header.number), hash: bytesToHex(block.hash()), txs: block.transactions.length, gasUsed: Number(block.header.gasUsed), ms: Math.round(performance.now() - started) },
      'sealed block',
    )
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
  importBlock(block: Block, options: { sealedHere?: boolean } = {}): Promise<ImportOutcome> {
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
      // A block this node built or checked as a proposal was executed then: its state is staged.
      const reuse = this.executed !== undefined && equalsBytes(this.executed.hash, hash) && equalsBytes(parent.hash(), this.current.hash())
      const { senders, outcome } = reuse ? this.executed! : await this.run(block, parent)
      this.executed = undefined
      const imported = { block, senders, receipts: outcome.receipts, calls: outcome.calls }
      const td = (this.store.totalDifficulty(parent.hash()) ?? 0n) + block.header.difficulty
      const headTd = this.store.totalDifficulty(this.current.hash()) ?? 0n
      // A proof-of-stake block carries no difficulty: one that extends the head becomes the head,
      // as geth's import does after the merge (there is no beacon client to choose otherwise).
      const extendsHeadAfterMerge = block.header.difficulty === 0n && equalsBytes(parent.hash(), this.current.hash())
      if (extendsHeadAfterMerge || preferred({ totalDifficulty: td, hash }, { totalDifficulty: headTd, hash: this.current.hash() })) {
        await this.commit(imported, parent, options.sealedHere === true)
        if (options.sealedHere === true) this.noteProduced(block, started)
        else this.metrics?.observeBlock(block, performance.now() - started)
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

  /** Stores an executed block off the canonical chain: its state, block, receipts, snapshot. */
  private async storeSide(imported: CanonicalBlock, parent: Block): Promise<void> {
    const batch = new WriteBatch()
    try {
      // The engine first: it may read the block's state (a validator contract), still staged.
      await this.engine.recordHeader(batch, imported.block.header)
      this.trieStore.stageInto(batch)
      const parentTd = this.store.totalDifficulty(parent.hash()) ?? 0n
      this.store.putBlock(batch, imported, parentTd + imported.block.header.difficulty)
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
    const { block } = canonical
    const batch = new WriteBatch()
    let change: HeadChange
    try {
      // The engine first: it may read the block's state (a validator contract), still staged.
      await this.engine.recordHeader(batch, block.header)
      this.trieStore.stageInto(batch)
      const parentTd = this.store.totalDifficulty(parent.hash()) ?? 0n
      this.store.putBlock(batch, canonical, parentTd + block.header.difficulty)
      const { removed, added } = branchesBetween(this.current, parent, (b) => this.parentOf(b), (b) => this.canonicalBlock(b))
      for (const old of removed) this.store.deleteCanonical(batch, old)
      for (const joining of added) this.store.putCanonical(batch, joining)
      this.store.putCanonical(batch, canonical)
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

  private parentOf(block: Block): Block {
    const found = this.store.blockByHash(block.header.parentHash)
    if (found === undefined) throw new Error(`missing ancestor ${bytesToHex(block.header.parentHash)}`)
    return found
  }

  /** Senders, receipts and recorded calls of a stored block. */
  canonicalBlock(block: Block): CanonicalBlock {
    const hash = block.hash()
    return { block, senders: this.store.senders(hash), receipts: this.store.receipts(hash) ?? [], calls: this.store.calls(hash) }
  }
}

export type { ExecutionOutcome }
