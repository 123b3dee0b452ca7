import type { Block, BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { Chain } from '@busan/chain'
import type { ChainBackend, BlockView, BuildBlockRequest, BuiltPayload, CallOverrides, CallRequest, CallResult, LogFilter, LogView, ReceiptView, SimulatedBlock, SimulateRequest, StateView, TransactionView } from '@busan/rpc'
import type { TraceOptions } from '@busan/tracing'
import type { TxPool } from '@busan/txpool'
import type { RpcWorkerPool } from '../rpc-workers/index.ts'
import { deriveReceipt, gasUsedPerTransaction } from './receipts.ts'
import { TrieStateView } from './state-view.ts'

/** State readers kept (least recently used dropped first). */
const STATE_READERS = 16

/**
 * The chain as JSON-RPC handlers see it: blocks, receipts with derived fields, logs, state,
 * calls. Cheap reads are answered on this thread; EVM calls, proofs and log queries go to
 * the RPC worker pool, so they can neither stall sealing and import nor outlive their deadline.
 */
export class NodeChainBackend implements ChainBackend {
  readonly common: Common
  readonly chainId: bigint
  private readonly chain: Chain
  private readonly pool: TxPool
  private readonly workers: RpcWorkerPool
  private readonly views = new WeakMap<Block, BlockView>()
  private readonly stateReaders = new Map<string, TrieStateView>()
  private lastRead: { root: Uint8Array; reader: TrieStateView } | undefined
  private readonly callBlocks = new WeakMap<BlockHeader, { header: Uint8Array; author: Uint8Array }>()

  constructor(chain: Chain, pool: TxPool, workers: RpcWorkerPool) {
    this.chain = chain
    this.pool = pool
    this.workers = workers
    this.common = chain.common
    this.chainId = chain.common.chainId()
  }

  view(block: Block): BlockView {
    let view = this.views.get(block)
    if (view === undefined) {
      const hash = block.hash()
      view = {
        block,
        hash,
        senders: this.chain.store.senders(hash),
        totalDifficulty: this.chain.store.totalDifficulty(hash) ?? 0n,
        size: block.serialize().length,
      }
      this.views.set(block, view)
    }
    return view
  }

  latest(): BlockView {
    return this.view(this.chain.head)
  }

  /** The engine's finalized block on the head's chain (Clique: sealed over by a majority; QBFT: the head). */
  async finalized(): Promise<BlockView> {
    const store = this.chain.store
    const header = this.chain.engine.finalized(this.chain.head.header, (hash) => store.blockByHash(hash)?.header)
    return this.view(store.blockByHash(header.hash()) ?? this.chain.head)
  }

  async blockByNumber(number: bigint): Promise<BlockView | undefined> {
    const block = this.chain.store.blockByNumber(number)
    return block === undefined ? undefined : this.view(block)
  }

  async blockByHash(hash: Uint8Array): Promise<BlockView | undefined> {
    const block = this.chain.store.blockByHash(hash)
    return block === undefined ? undefined : this.view(block)
  }

  async isCanonical(hash: Uint8Array): Promise<boolean> {
    const block = this.chain.store.blockByHash(hash)
    if (block === undefined) return false
    const canonical = this.chain.store.canonicalHash(block.header.number)
    return canonical !== undefined && equalsBytes(canonical, hash)
  }

  async transaction(hash: Uint8Array): Promise<TransactionView | undefined> {
    const pooled = this.pool.get(bytesToHex(hash))
    if (pooled !== undefined) return { tx: pooled.tx, hash: pooled.hash, sender: pooled.sender }
    const location = this.chain.store.txLocation(hash)
    if (location === undefined) return undefined
    const block = this.chain.store.blockByHash(location.blockHash)
    if (block === undefined) return undefined
    const view = this.view(block)
    const tx = block.transactions[location.index]
    return { tx, hash, sender: view.senders[location.index], blockHash: view.hash, blockNumber: block.header.number, blockTimestamp: block.header.timestamp, index: location.index, blockBaseFee: block.header.baseFeePerGas }
  }

  /** On an RPC worker thread: a full block's receipts can hold a hundred thousand logs. */
  receipts(view: BlockView, signal?: AbortSignal): Promise<ReceiptView[]> {
    return this.workers.run({ kind: 'receipts', blockHash: view.hash }, signal)
  }

  async receipt(txHash: Uint8Array): Promise<ReceiptView | undefined> {
    const location = this.chain.store.txLocation(txHash)
    if (location === undefined) return undefined
    const block = this.chain.store.blockByHash(location.blockHash)
    if (block === undefined) return undefined
    return deriveReceipt(this.view(block), this.chain.store.receipts(location.blockHash) ?? [], location.index)
  }

  async gasUsedPerTransaction(view: BlockView): Promise<bigint[]> {
    return gasUsedPerTransaction(this.chain.store.receipts(view.hash) ?? [])
  }

  /** Runs on an RPC worker thread: a wide range reads many blocks. */
  logs(filter: LogFilter, signal?: AbortSignal): Promise<LogView[]> {
    return this.workers.run({ kind: 'logs', filter }, signal)
  }

  /** Reads run here (a few trie lookups each); proofs, up to 1,024 storage keys, on an RPC worker thread. */
  state(view: BlockView): StateView {
    const stateRoot = view.block.header.stateRoot
    const reads = this.stateReader(stateRoot)
    return {
      getBalance: (address) => reads.getBalance(address),
      getNonce: (address) => reads.getNonce(address),
      getCode: (address) => reads.getCode(address),
      getStorageAt: (address, slot) => reads.getStorageAt(address, slot),
      getProof: (address, slots, signal) => this.workers.run({ kind: 'proof', stateRoot, address, slots }, signal),
    }
  }

  /**
   * A reader of the state at `stateRoot`, kept for the few most recent roots: building a trie and
   * its state manager costs more than the read itself (most reads are at the head).
   */
  private stateReader(stateRoot: Uint8Array): TrieStateView {
    // The head's header is one object while it is the head: most reads skip the hex key.
    if (stateRoot === this.lastRead?.root) return this.lastRead.reader
    const key = bytesToHex(stateRoot)
    let reader = this.stateReaders.get(key)
    if (reader === undefined) {
      reader = new TrieStateView(this.chain.trieStore, this.common, stateRoot, { cached: true })
      if (this.stateReaders.size >= STATE_READERS) this.stateReaders.delete(this.stateReaders.keys().next().value as string)
    } else this.stateReaders.delete(key)
    this.stateReaders.set(key, reader)
    this.lastRead = { root: stateRoot, reader }
    return reader
  }

  /** Runs on an RPC worker thread, within the caller's deadline (`signal`). */
  call(request: CallRequest, view: BlockView, options: { gasCap: bigint; withAccessList?: boolean; overrides?: CallOverrides; signal?: AbortSignal; batch?: object }): Promise<CallResult> {
    const job = { kind: 'call' as const, request, ...this.callBlock(view), gasCap: options.gasCap, withAccessList: options.withAccessList === true, overrides: options.overrides }
    return this.workers.run(job, options.signal, options.batch)
  }

  /** Runs on an RPC worker thread, within the caller's deadline (`signal`). */
  estimateGas(request: CallRequest, view: BlockView, options: { gasCap: bigint; overrides?: CallOverrides; signal?: AbortSignal }): Promise<bigint> {
    return this.workers.run({ kind: 'estimateGas', request, ...this.callBlock(view), gasCap: options.gasCap, overrides: options.overrides }, options.signal)
  }

  /** Runs on an RPC worker thread, within the trace's deadline (`signal`). */
  traceBlock(view: BlockView, trace: TraceOptions, options: { txIndex?: number; signal?: AbortSignal }): Promise<string> {
    const job = { kind: 'traceBlock' as const, block: { hash: view.hash }, author: this.chain.engine.author(view.block.header), trace, txIndex: options.txIndex }
    return this.workers.run(job, options.signal)
  }

  /** Decoded here (the chain's hashing rule, the engine's author); traced on an RPC worker thread. */
  traceRawBlock(rlp: Uint8Array, trace: TraceOptions, signal?: AbortSignal): Promise<string> {
    let block: Block
    try {
      block = this.chain.decodeBlock(rlp)
    } catch (error) {
      throw Object.assign(new Error(`could not decode block: ${(error as Error).message}`), { code: -32000 })
    }
    return this.workers.run({ kind: 'traceBlock', block: { rlp }, author: this.chain.engine.author(block.header), trace }, signal)
  }

  /** Refused blocks as the RPC shows them; a sender that does not recover shows as the zero address. */
  badBlocks(): BlockView[] {
    return this.chain.badBlocks.list().map(({ block }) => ({
      block,
      hash: block.hash(),
      senders: block.transactions.map((tx) => {
        try {
          return tx.getSenderAddress().bytes
        } catch {
          return new Uint8Array(20)
        }
      }),
      totalDifficulty: 0n,
      size: block.serialize().length,
    }))
  }

  /** Runs on an RPC worker thread, within the trace's deadline (`signal`). */
  traceCall(request: CallRequest, view: BlockView, options: { gasCap: bigint; trace: TraceOptions; overrides?: CallOverrides; signal?: AbortSignal }): Promise<string> {
    return this.workers.run({ kind: 'traceCall', request, ...this.callBlock(view), gasCap: options.gasCap, trace: options.trace, overrides: options.overrides }, options.signal)
  }

  /** Runs on an RPC worker thread, within the request's deadline (`signal`). */
  simulate(request: SimulateRequest, view: BlockView, options: { gasCap: bigint; signal?: AbortSignal }): Promise<SimulatedBlock[]> {
    return this.workers.run({ kind: 'simulate', request, header: view.block.header.serialize(), hash: view.hash, gasCap: options.gasCap }, options.signal)
  }

  /** Runs on an RPC worker thread, within the request's deadline (`signal`). */
  buildBlock(request: BuildBlockRequest, parent: BlockView, options: { signal?: AbortSignal }): Promise<BuiltPayload> {
    return this.workers.run({ kind: 'buildBlock', request, header: parent.block.header.serialize(), hash: parent.hash }, options.signal)
  }

  /** A block's header RLP and author for call jobs, made once per header (calls mostly read the head). */
  private callBlock(view: BlockView): { header: Uint8Array; author: Uint8Array } {
    const header = view.block.header
    let on = this.callBlocks.get(header)
    if (on === undefined) {
      on = { header: header.serialize(), author: this.chain.engine.author(header) }
      this.callBlocks.set(header, on)
    }
    return on
  }
}
