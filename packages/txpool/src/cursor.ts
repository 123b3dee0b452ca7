// The block builder's view of the pool: geth's TransactionsByPriceAndNonce over the live
// pending runs (the best effective tip first across senders, nonce order within a sender).
import type { SenderState, PoolEntry } from './entry.ts'
import { IndexedHeap, type HeapSlot } from './heap.ts'
import type { PooledTransaction, TransactionCursor } from './interface.ts'
import { effectiveTip } from './ordering.ts'

interface CursorItem extends HeapSlot {
  sender: SenderState
  entry: PoolEntry
  tip: bigint
}

function bestFirst(a: CursorItem, b: CursorItem): boolean {
  if (a.tip !== b.tip) return a.tip > b.tip
  return a.entry.seq < b.entry.seq
}

/**
 * A cursor over the pending runs of `senders` for a block with `baseFee`: a sender's run
 * stops at its first transaction with maxFeePerGas below `baseFee`. It follows the pool live
 * (a transaction removed meanwhile is not returned).
 */
export function priceNonceCursor(senders: Iterable<SenderState>, baseFee: bigint): TransactionCursor {
  const heads: CursorItem[] = []
  for (const sender of senders) {
    if (sender.pendingEnd === sender.nonce) continue
    const entry = sender.txs.get(sender.nonce) as PoolEntry
    if (entry.feeCap < baseFee) continue
    heads.push({ sender, entry, tip: effectiveTip(entry.tipCap, entry.feeCap, baseFee), heapIndex: -1 })
  }
  return new PriceNonceCursor(heads, baseFee)
}

class PriceNonceCursor implements TransactionCursor {
  private readonly heap: IndexedHeap<CursorItem>
  private readonly baseFee: bigint
  /** The item last returned; it stays on top of the heap until the next call. */
  private last: CursorItem | undefined

  constructor(heads: CursorItem[], baseFee: bigint) {
    this.heap = IndexedHeap.of(heads, bestFirst)
    this.baseFee = baseFee
  }

  next(): PooledTransaction | undefined {
    const last = this.last
    if (last !== undefined) {
      this.last = undefined
      const following = last.sender.txs.get(last.entry.nonce + 1n)
      if (following !== undefined && following.pending && following.feeCap >= this.baseFee) {
        last.entry = following
        last.tip = effectiveTip(following.tipCap, following.feeCap, this.baseFee)
        this.heap.replaceTop(last)
      } else {
        this.heap.pop()
      }
    }
    // Skip heads the pool dropped since the cursor was made.
    let top = this.heap.peek()
    while (top !== undefined && top.entry.removed) {
      this.heap.pop()
      top = this.heap.peek()
    }
    this.last = top
    return top?.entry
  }

  skipSender(): void {
    if (this.last === undefined) return
    this.last = undefined
    this.heap.pop()
  }
}
