// Builds the address index for blocks a data directory committed before the node kept one.
// Every block committed since carries its index entries in its own write batch; this fills in
// the older ones in the background: each block re-executed on an RPC worker thread (to learn
// its inner calls), its entries and the progress written in one batch, so a stop at any moment
// resumes where it was. Block import never waits for it.
import { setImmediate } from 'node:timers/promises'
import type { Logger } from 'pino'
import { ADDRESS_INDEX_STATE_KEY, addressIndexEntries, decodeAddressIndexState, encodeAddressIndexState, encodeBlockCalls, type AddressIndexState, type Chain, type TxCalls } from '@busan/chain'
import { Bucket, bucketKey, WriteBatch, type KeyValueStore } from '@busan/db'
import type { RpcWorkerPool } from './rpc-workers/index.ts'

const PROGRESS_LOG_MS = 10_000
/** A busy worker pool (RPC load) makes the rebuild wait this long and try again. */
const BUSY_RETRY_MS = 1_000

export class AddressIndexRebuild {
  private readonly chain: Chain
  private readonly kv: KeyValueStore
  private readonly workers: RpcWorkerPool
  private readonly logger: Logger
  private stopped = false
  private running: Promise<void> | undefined

  constructor(chain: Chain, kv: KeyValueStore, workers: RpcWorkerPool, logger: Logger) {
    this.chain = chain
    this.kv = kv
    this.workers = workers
    this.logger = logger
  }

  /**
   * Records, on a data directory that has no index state yet, that blocks after the current head
   * are indexed as they come; call before any block is committed by this process.
   */
  async prepare(): Promise<void> {
    if ((await this.state()) !== undefined) return
    const head = Number(this.chain.head.header.number)
    const batch = new WriteBatch()
    batch.put(ADDRESS_INDEX_STATE_KEY, encodeAddressIndexState({ indexedFrom: head + 1, rebuiltTo: 0 }))
    await this.kv.write(batch, { sync: true })
  }

  /** Starts the rebuild in the background (nothing to do on a data directory indexed from its genesis). */
  start(): void {
    this.running = this.run().catch((err: unknown) => {
      if (!this.stopped) this.logger.error({ err }, 'address index rebuild failed; it resumes at the next start')
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.running
  }

  private async run(): Promise<void> {
    const state = await this.state()
    if (state === undefined || state.rebuiltTo >= state.indexedFrom - 1) return
    const last = state.indexedFrom - 1
    this.logger.info({ from: state.rebuiltTo + 1, to: last }, 'address index: indexing blocks committed before it existed')
    let logged = performance.now()
    for (let number = state.rebuiltTo + 1; number <= last && !this.stopped; number++) {
      await this.indexBlock(number, { ...state, rebuiltTo: number })
      // A block without transactions is a read and a small write: without a turn of the event
      // loop between blocks, a long run of them starved JSON-RPC (no answer until the end).
      await setImmediate()
      if (performance.now() - logged > PROGRESS_LOG_MS) {
        logged = performance.now()
        this.logger.info({ block: number, of: last, percent: Math.floor((number / last) * 100) }, 'address index: rebuilding')
      }
    }
    if (!this.stopped) this.logger.info({ blocks: last }, 'address index: complete')
  }

  private async indexBlock(number: number, progress: AddressIndexState): Promise<void> {
    const store = this.chain.store
    const batch = new WriteBatch()
    const block = store.blockByNumber(BigInt(number))
    if (block !== undefined && block.transactions.length > 0) {
      const hash = block.hash()
      let calls = store.calls(hash)
      if (calls.length === 0) {
        calls = await this.execute(hash, this.chain.engine.author(block.header))
        batch.put(bucketKey(Bucket.blockCalls, hash), encodeBlockCalls(calls))
      }
      const receipts = store.receipts(hash) ?? []
      for (const [key, value] of addressIndexEntries(block, store.senders(hash), receipts, calls)) batch.put(key, value)
    }
    batch.put(ADDRESS_INDEX_STATE_KEY, encodeAddressIndexState(progress))
    await this.kv.write(batch)
  }

  /** The block's inner calls, re-executed on a worker thread; waits while the workers are busy with RPC load. */
  private async execute(blockHash: Uint8Array, author: Uint8Array): Promise<TxCalls[]> {
    for (;;) {
      try {
        return await this.workers.run({ kind: 'blockCalls', blockHash, author })
      } catch (error) {
        if ((error as { code?: unknown }).code !== -32005 || this.stopped) throw error
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS))
      }
    }
  }

  private async state(): Promise<AddressIndexState | undefined> {
    const raw = await this.kv.get(ADDRESS_INDEX_STATE_KEY)
    return raw === undefined ? undefined : decodeAddressIndexState(raw)
  }
}
