// Outgoing transaction gossip in batches: under load a node admits hundreds of transactions a
// second, and one gossipsub message per transaction costs every peer a frame, a validation
// call and a relay each (the largest share of a QBFT validator's CPU under a transfer load,
// docs/benchmarks.md). Transactions admitted within a few milliseconds leave as one message.
import { encodeTransactionBatch, MAX_BATCH_TRANSACTIONS } from './messages.ts'

/** How long the first transaction of a batch waits for company, in ms. */
export const BATCH_DELAY_MS = 10
/** A batch is sent at once when its transactions reach this many bytes. */
export const BATCH_MAX_BYTES = 512 * 1024

/** Collects raw transactions and hands each batch, encoded, to `publish`. */
export class TransactionBatcher {
  private readonly publish: (batch: Uint8Array) => Promise<number>
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private timer: NodeJS.Timeout | undefined

  constructor(publish: (batch: Uint8Array) => Promise<number>) {
    this.publish = publish
  }

  /** Queues `raw`; the batch leaves after BATCH_DELAY_MS, or at once when full. */
  add(raw: Uint8Array): void {
    this.pending.push(raw)
    this.pendingBytes += raw.length
    if (this.pending.length >= MAX_BATCH_TRANSACTIONS || this.pendingBytes >= BATCH_MAX_BYTES) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), BATCH_DELAY_MS)
  }

  /** Sends what is queued now. */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending.length === 0) return
    const batch = encodeTransactionBatch(this.pending)
    this.pending = []
    this.pendingBytes = 0
    void this.publish(batch)
  }

  /** Drops what is queued (the node stops). */
  stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.pending = []
    this.pendingBytes = 0
  }
}
