// The pending and queued sub-pools (geth's legacypool lists): pending = executable from the
// account nonce without gaps, queued = future nonces.
//
// Layout, per operation cost:
// - byHash: hash -> entry                                 O(1) lookups, "already known"
// - senders: address -> SenderState { txs: nonce -> entry, pending range [nonce, pendingEnd) }
//   Pending transactions of a sender are contiguous, so walking them is a Map lookup per
//   nonce and the pool never sorts on add.
// - pendingHeap / queuedHeap: cheapest first (effective tip at the next block's base fee,
//   then fee cap, tip cap, higher nonce), indexed so removal is O(log n). They pick the
//   victim when the pool is full.
// Each add does O(1) map work plus O(log n) heap work; only a new head or the lifetime sweep
// touches every sender. Every method here is synchronous: the caller validated against an
// account read before and the pool changes in one step.
import { PoolEntry, SenderState, type Identified } from './entry.ts'
import { TxPoolError, TxPoolErrorReason as R } from './errors.ts'
import type { HeadState } from './head-state.ts'
import { IndexedHeap } from './heap.ts'
import type { DropReason, PoolAccount, PooledTransaction, TxPoolContent } from './interface.ts'
import type { PoolMetrics } from './metrics.ts'
import { cheaper, effectiveTip, outbids } from './ordering.ts'
import type { TxPoolOptions } from './options.ts'
import { checkFunds, checkNonce, checkPriceBump } from './validate.ts'

/** What the pool announces once it is consistent again (TxPool emits these). */
export type PoolEvent = { kind: 'pending'; entry: PoolEntry } | { kind: 'dropped'; entry: PoolEntry; reason: DropReason }

export class SubPools {
  readonly byHash = new Map<string, PoolEntry>()
  readonly senders = new Map<string, SenderState>()
  pendingTotal = 0
  queuedTotal = 0
  private readonly options: Readonly<TxPoolOptions>
  private readonly head: HeadState
  private readonly metrics: PoolMetrics | null
  private readonly pendingHeap = new IndexedHeap<PoolEntry>(cheaper)
  private readonly queuedHeap = new IndexedHeap<PoolEntry>(cheaper)
  private outbox: PoolEvent[] = []
  private seq = 0

  constructor(options: Readonly<TxPoolOptions>, head: HeadState, metrics: PoolMetrics | null) {
    this.options = options
    this.head = head
    this.metrics = metrics
  }

  /** The events since the last call, in order. */
  takeEvents(): PoolEvent[] {
    const events = this.outbox
    this.outbox = []
    return events
  }

  /** Validates against the sender's `account` (read at the current head) and pool content, then adds. */
  insert(fields: Identified, feeCap: bigint, tipCap: bigint, account: PoolAccount, local: boolean): PoolEntry {
    if (this.byHash.has(fields.hashHex)) throw new TxPoolError(R.AlreadyKnown)
    let sender = this.senders.get(fields.senderHex)
    if (sender !== undefined && sender.epoch !== this.head.epoch) {
      this.resetSender(sender, account)
      sender = this.senders.get(fields.senderHex)
    }
    const nonce = fields.tx.nonce
    const old = sender?.txs.get(nonce)
    const pendingEnd = sender?.pendingEnd ?? account.nonce
    checkNonce(nonce, sender?.nonce ?? account.nonce, pendingEnd, old !== undefined, BigInt(this.options.maxQueuedPerSender))
    const entry = new PoolEntry(fields, this.seq++, { feeCap, tipCap, baseFee: this.head.head.baseFee, local })
    checkFunds(sender?.balance ?? account.balance, sender?.spent ?? 0n, entry, old)
    if (old !== undefined) {
      checkPriceBump(old, entry, this.options.priceBump)
      this.replace(sender as SenderState, old, entry)
      return entry
    }

    if (nonce === pendingEnd) {
      if (sender !== undefined && sender.pendingCount >= this.options.maxPendingPerSender) {
        throw new TxPoolError(R.AccountLimit, `${sender.pendingCount} pending transactions, limit ${this.options.maxPendingPerSender}`)
      }
      // Past maxPending it takes queued room while the pool as a whole has some (geth
      // counts one global limit too); a transaction is evicted only when the pool is full.
      if (this.pendingTotal + this.queuedTotal >= this.capacity) this.makeRoomForExecutable(entry)
    } else {
      if (sender !== undefined && sender.queued >= this.options.maxQueuedPerSender) {
        throw new TxPoolError(R.AccountLimit, `${sender.queued} queued transactions, limit ${this.options.maxQueuedPerSender}`)
      }
      // A future transaction competes with queued ones only, never with executable ones
      // (geth's ErrFutureReplacePending), also when executable ones took queued room.
      if (this.queuedTotal >= this.options.maxQueued || this.pendingTotal + this.queuedTotal >= this.capacity) this.makeRoom(this.queuedHeap, entry)
    }

    // Making room may have trimmed this sender's queued transactions away entirely.
    sender = this.senders.get(fields.senderHex)
    if (sender === undefined) {
      sender = new SenderState(fields.sender, fields.senderHex, account, this.head.epoch)
      this.senders.set(sender.hex, sender)
    }
    sender.txs.set(nonce, entry)
    sender.spent += entry.cost
    this.byHash.set(entry.hashHex, entry)
    this.metrics?.added.inc()
    if (nonce === sender.pendingEnd) {
      this.markPending(sender, entry)
      sender.pendingEnd++
      this.promote(sender)
    } else {
      this.markQueued(sender, entry)
    }
    return entry
  }

  /** Applies the sender's account at the current head (geth's demoteUnexecutables + promoteExecutables). */
  resetSender(sender: SenderState, account: PoolAccount): void {
    sender.epoch = this.head.epoch
    const gasLimit = this.head.head.gasLimit
    for (const entry of sender.txs.values()) {
      if (entry.nonce < account.nonce) this.removeEntry(sender, entry, null)
      else if (entry.gasLimit > gasLimit) this.removeEntry(sender, entry, 'gas-limit')
      else if (entry.cost > account.balance) this.removeEntry(sender, entry, 'unaffordable')
    }
    sender.nonce = account.nonce
    sender.balance = account.balance
    let nonce = account.nonce
    let run = 0
    for (;;) {
      const entry = sender.txs.get(nonce)
      if (entry === undefined || run >= this.options.maxPendingPerSender) break
      if (!entry.pending) {
        if (this.pendingTotal >= this.options.maxPending) break
        this.queuedHeap.remove(entry)
        sender.queued--
        this.queuedTotal--
        this.markPending(sender, entry)
      }
      nonce++
      run++
    }
    sender.pendingEnd = nonce
    if (sender.txs.size - run !== sender.queued) {
      for (const entry of sender.txs.values()) if (entry.pending && entry.nonce >= nonce) this.demote(sender, entry)
    }
    this.forgetIfEmpty(sender)
  }

  /** Re-sorts both heaps for a new base fee (the effective tips change). */
  reprice(baseFee: bigint): void {
    for (const heap of [this.pendingHeap, this.queuedHeap]) {
      for (const entry of heap.values()) entry.evictTip = effectiveTip(entry.tipCap, entry.feeCap, baseFee)
      heap.heapify()
    }
  }

  /** Promotes queued runs that room freed by mined transactions lets move up, then enforces the queued limit. */
  settle(): void {
    if (this.queuedTotal > 0) for (const sender of this.senders.values()) if (sender.queued > 0) this.promote(sender)
    this.trimQueue()
  }

  /**
   * Drops the queued transactions of every sender whose heartbeat is more than `lifetimeMs`
   * before `now` (geth's lifetime eviction); returns how many left.
   */
  expireQueued(now: number, lifetimeMs: number): number {
    let expired = 0
    for (const sender of [...this.senders.values()]) {
      if (sender.queued === 0 || now - sender.heartbeat <= lifetimeMs) continue
      for (const entry of [...sender.txs.values()]) {
        if (entry.pending) continue
        this.removeEntry(sender, entry, 'expired')
        expired++
      }
      this.forgetIfEmpty(sender)
    }
    return expired
  }

  /** Local transactions, per sender in nonce order. */
  locals(): PoolEntry[] {
    const out: PoolEntry[] = []
    for (const sender of this.senders.values()) {
      const own = [...sender.txs.values()].filter((entry) => entry.local)
      own.sort((a, b) => (a.nonce < b.nonce ? -1 : 1))
      out.push(...own)
    }
    return out
  }

  content(): TxPoolContent {
    const pending = new Map<string, Map<bigint, PooledTransaction>>()
    const queued = new Map<string, Map<bigint, PooledTransaction>>()
    for (const sender of this.senders.values()) {
      if (sender.pendingEnd > sender.nonce) {
        const list = new Map<bigint, PooledTransaction>()
        for (let nonce = sender.nonce; nonce < sender.pendingEnd; nonce++) list.set(nonce, sender.txs.get(nonce) as PoolEntry)
        pending.set(sender.hex, list)
      }
      if (sender.queued > 0) {
        const future: PoolEntry[] = []
        for (const entry of sender.txs.values()) if (!entry.pending) future.push(entry)
        future.sort((a, b) => (a.nonce < b.nonce ? -1 : 1))
        queued.set(sender.hex, new Map(future.map((entry) => [entry.nonce, entry])))
      }
    }
    return { pending, queued }
  }

  /** Every transaction counts against this: pending ones may use free queued room (see insert). */
  private get capacity(): number {
    return this.options.maxPending + this.options.maxQueued
  }

  private replace(sender: SenderState, old: PoolEntry, entry: PoolEntry): void {
    sender.txs.set(entry.nonce, entry)
    sender.spent += entry.cost - old.cost
    this.byHash.delete(old.hashHex)
    this.byHash.set(entry.hashHex, entry)
    old.removed = true
    if (old.pending) {
      this.pendingHeap.remove(old)
      entry.pending = true
      this.pendingHeap.push(entry)
      this.outbox.push({ kind: 'pending', entry })
    } else {
      this.queuedHeap.remove(old)
      this.queuedHeap.push(entry)
    }
    this.metrics?.added.inc()
    this.dropped(old, 'replaced')
  }

  /**
   * Room for an executable transaction when the pool is full (which the queued limit makes
   * mean the pending sub-pool is full too): the cheapest pending transaction of another
   * sender if `entry` outbids it (as geth). Before refusing, an unexecutable (queued)
   * transaction of another sender gives way, whatever it pays: the pending sub-pool then
   * holds one more and the queued one less, so the total stays within capacity and junk in
   * the queue never keeps out a transaction that could be mined.
   */
  private makeRoomForExecutable(entry: PoolEntry): void {
    const cheapest = this.cheapestOfOthers(this.pendingHeap, entry.senderHex)
    if (cheapest !== undefined && outbids(entry, cheapest)) return this.evict(cheapest)
    const unexecutable = this.cheapestOfOthers(this.queuedHeap, entry.senderHex)
    if (unexecutable !== undefined) return this.evict(unexecutable)
    this.refuse(cheapest)
  }

  /**
   * Frees one slot in `heap` for `entry` by evicting the cheapest transaction of another
   * sender, if `entry` outbids it.
   */
  private makeRoom(heap: IndexedHeap<PoolEntry>, entry: PoolEntry): void {
    const victim = this.cheapestOfOthers(heap, entry.senderHex)
    if (victim !== undefined && outbids(entry, victim)) this.evict(victim)
    else this.refuse(victim)
  }

  /** geth's refusals when no room can be made: nothing of another sender, or it pays at least as much. */
  private refuse(cheapest: PoolEntry | undefined): never {
    if (cheapest === undefined) throw new TxPoolError(R.PoolFull)
    throw new TxPoolError(R.Underpriced, `pool is full and the cheapest transaction pays effective tip ${cheapest.evictTip}, max fee ${cheapest.feeCap}`)
  }

  /** The cheapest entry of `heap` not sent by `senderHex`. */
  private cheapestOfOthers(heap: IndexedHeap<PoolEntry>, senderHex: string): PoolEntry | undefined {
    let victim = heap.peek()
    if (victim === undefined || victim.senderHex !== senderHex) return victim
    // Look past the sender's own transactions, then put them back.
    const own: PoolEntry[] = []
    while (victim !== undefined && victim.senderHex === senderHex) {
      own.push(heap.pop() as PoolEntry)
      victim = heap.peek()
    }
    for (const item of own) heap.push(item)
    return victim
  }

  /** Removes `victim`; its sender's later pending transactions become queued (gap). */
  private evict(victim: PoolEntry): void {
    const sender = this.senders.get(victim.senderHex) as SenderState
    const wasPending = victim.pending
    this.removeEntry(sender, victim, 'evicted')
    if (wasPending) {
      for (let nonce = victim.nonce + 1n; nonce < sender.pendingEnd; nonce++) this.demote(sender, sender.txs.get(nonce) as PoolEntry)
      sender.pendingEnd = victim.nonce
      this.trimQueue()
    }
    this.forgetIfEmpty(sender)
  }

  private markPending(sender: SenderState, entry: PoolEntry): void {
    entry.pending = true
    sender.heartbeat = Date.now()
    this.pendingTotal++
    this.pendingHeap.push(entry)
    this.outbox.push({ kind: 'pending', entry })
  }

  private markQueued(sender: SenderState, entry: PoolEntry): void {
    entry.pending = false
    if (sender.queued === 0) sender.heartbeat = Date.now()
    sender.queued++
    this.queuedTotal++
    this.queuedHeap.push(entry)
  }

  private demote(sender: SenderState, entry: PoolEntry): void {
    this.pendingHeap.remove(entry)
    this.pendingTotal--
    this.markQueued(sender, entry)
  }

  /** Moves queued transactions that continue the pending run into pending, within limits. */
  private promote(sender: SenderState): void {
    for (;;) {
      const entry = sender.txs.get(sender.pendingEnd)
      if (entry === undefined) return
      if (sender.pendingCount >= this.options.maxPendingPerSender || this.pendingTotal >= this.options.maxPending) return
      this.queuedHeap.remove(entry)
      sender.queued--
      this.queuedTotal--
      this.markPending(sender, entry)
      sender.pendingEnd++
    }
  }

  /** Takes an entry out of every index. The caller restores the pending-range invariant. */
  private removeEntry(sender: SenderState, entry: PoolEntry, reason: DropReason | null): void {
    sender.txs.delete(entry.nonce)
    sender.spent -= entry.cost
    this.byHash.delete(entry.hashHex)
    if (entry.pending) {
      this.pendingHeap.remove(entry)
      this.pendingTotal--
    } else {
      this.queuedHeap.remove(entry)
      this.queuedTotal--
      sender.queued--
    }
    entry.removed = true
    if (reason !== null) this.dropped(entry, reason)
  }

  private dropped(entry: PoolEntry, reason: DropReason): void {
    this.outbox.push({ kind: 'dropped', entry, reason })
    this.metrics?.dropped.labels(reason).inc()
  }

  private forgetIfEmpty(sender: SenderState): void {
    if (sender.txs.size === 0 && this.senders.get(sender.hex) === sender) this.senders.delete(sender.hex)
  }

  /** Drops the cheapest queued transactions while over the global queued limit. */
  private trimQueue(): void {
    while (this.queuedTotal > this.options.maxQueued) {
      const entry = this.queuedHeap.peek() as PoolEntry
      const sender = this.senders.get(entry.senderHex) as SenderState
      this.removeEntry(sender, entry, 'queue-overflow')
      this.forgetIfEmpty(sender)
    }
  }
}
