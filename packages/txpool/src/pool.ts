// The transaction pool: geth's legacypool semantics (pending = executable from the state
// nonce without gaps, queued = future nonces), without its background loops.
//
// Layout, per operation cost:
// - byHash: hash -> entry                                 O(1) lookups, "already known"
// - senders: address -> SenderState { txs: nonce -> entry, pending range [nonce, pendingEnd) }
//   Pending transactions of a sender are contiguous, so walking them is a Map lookup per
//   nonce and the pool never sorts on add.
// - pendingHeap / queuedHeap: cheapest first (effective tip at the next block's base fee,
//   then fee cap, tip cap, higher nonce), indexed so removal is O(log n). They pick the
//   victim when the pool is full.
// Each add does O(1) map work plus O(log n) heap work; only onNewHead touches every sender.
//
// Concurrency: the only await in an add is the account read. Everything that checks and
// changes the pool after it runs synchronously, so concurrent adds cannot interleave
// half-way. Account reads are cached per head (the state at a head never changes) and
// tagged with an epoch so a read that straddles onNewHead is retried against the new state.
import { EventEmitter } from 'node:events'
import type { Common } from '@ethereumjs/common'
import { getCalldataFloorGas, type TypedTransaction } from '@ethereumjs/tx'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { decodeRaw, identifyRaw, inspectTransaction, recoverSender, sharedTxCommon, toHex, type DecodeContext } from './decode.ts'
import { TxPoolError, TxPoolErrorReason as R } from './errors.ts'
import { IndexedHeap, type HeapSlot } from './heap.ts'
import type {
  DropReason,
  HeadContext,
  PoolAccount,
  PooledTransaction,
  PoolStateReader,
  TransactionCursor,
  TxPoolContent,
  TxPoolEventMap,
  TxPoolStatus,
} from './interface.ts'
import { PoolMetrics } from './metrics.ts'
import { resolveTxPoolOptions, type TxPoolOptions } from './options.ts'

export interface TxPoolInit {
  common: Common
  /** State at the current head. */
  state: PoolStateReader
  head: HeadContext
  options?: Partial<TxPoolOptions>
  logger: Logger
  /** Registry for the pool's metrics; null for none. */
  metrics: Registry | null
}

/** Account reads kept per head; past this many the cache starts over. */
const ACCOUNT_CACHE_LIMIT = 100_000

function effectiveTip(tipCap: bigint, feeCap: bigint, baseFee: bigint): bigint {
  const headroom = feeCap - baseFee
  return tipCap < headroom ? tipCap : headroom
}

function feeCaps(tx: TypedTransaction): { feeCap: bigint; tipCap: bigint } {
  if ('maxFeePerGas' in tx) return { feeCap: tx.maxFeePerGas, tipCap: tx.maxPriorityFeePerGas }
  return { feeCap: tx.gasPrice, tipCap: tx.gasPrice }
}

class PoolEntry implements PooledTransaction {
  readonly tx: TypedTransaction
  readonly raw: Uint8Array
  readonly hash: Uint8Array
  readonly hashHex: string
  readonly sender: Uint8Array
  readonly senderHex: string
  readonly nonce: bigint
  readonly addedAt: number
  /** Arrival order; breaks ties between equal tips (earlier first, as geth's time). */
  readonly seq: number
  readonly gasLimit: bigint
  readonly feeCap: bigint
  readonly tipCap: bigint
  /** gasLimit * feeCap + value, geth's tx.Cost(). */
  readonly cost: bigint
  /** Effective tip at the pool's next base fee: the eviction order. */
  evictTip: bigint
  pending = false
  removed = false
  heapIndex = -1

  constructor(fields: Identified, seq: number, feeCap: bigint, tipCap: bigint, baseFee: bigint) {
    this.tx = fields.tx
    this.raw = fields.raw
    this.hash = fields.hash
    this.hashHex = fields.hashHex
    this.sender = fields.sender
    this.senderHex = fields.senderHex
    this.nonce = fields.tx.nonce
    this.addedAt = Date.now()
    this.seq = seq
    this.gasLimit = fields.tx.gasLimit
    this.feeCap = feeCap
    this.tipCap = tipCap
    this.cost = fields.tx.gasLimit * feeCap + fields.tx.value
    this.evictTip = effectiveTip(tipCap, feeCap, baseFee)
  }
}

interface Identified {
  tx: TypedTransaction
  raw: Uint8Array
  hash: Uint8Array
  hashHex: string
  sender: Uint8Array
  senderHex: string
}

class SenderState {
  readonly address: Uint8Array
  readonly hex: string
  /** Account nonce at the head of `epoch`; no transaction below it stays in the pool. */
  nonce: bigint
  balance: bigint
  epoch: number
  readonly txs = new Map<bigint, PoolEntry>()
  /** Pending transactions are exactly the nonces in [nonce, pendingEnd). */
  pendingEnd: bigint
  queued = 0
  /** Sum of `cost` over txs (geth's ExistingExpenditure). */
  spent = 0n

  constructor(address: Uint8Array, hex: string, account: PoolAccount, epoch: number) {
    this.address = address
    this.hex = hex
    this.nonce = account.nonce
    this.balance = account.balance
    this.epoch = epoch
    this.pendingEnd = account.nonce
  }

  get pendingCount(): number {
    return Number(this.pendingEnd - this.nonce)
  }
}

/** Cheaper first: the order in which the pool gives transactions up when full. */
function cheaper(a: PoolEntry, b: PoolEntry): boolean {
  if (a.evictTip !== b.evictTip) return a.evictTip < b.evictTip
  if (a.feeCap !== b.feeCap) return a.feeCap < b.feeCap
  if (a.tipCap !== b.tipCap) return a.tipCap < b.tipCap
  if (a.nonce !== b.nonce) return a.nonce > b.nonce
  return a.seq > b.seq
}

/** True when `a` outbids `b` (price fields only). */
function outbids(a: PoolEntry, b: PoolEntry): boolean {
  if (a.evictTip !== b.evictTip) return a.evictTip > b.evictTip
  if (a.feeCap !== b.feeCap) return a.feeCap > b.feeCap
  return a.tipCap > b.tipCap
}

interface CursorItem extends HeapSlot {
  sender: SenderState
  entry: PoolEntry
  tip: bigint
}

function bestFirst(a: CursorItem, b: CursorItem): boolean {
  if (a.tip !== b.tip) return a.tip > b.tip
  return a.entry.seq < b.entry.seq
}

/** geth's TransactionsByPriceAndNonce over the pool's live pending lists. */
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

type PoolEvent = { kind: 'pending'; entry: PoolEntry } | { kind: 'dropped'; entry: PoolEntry; reason: DropReason }

export class TxPool {
  /** 'pending' (tx) when a transaction becomes executable; 'dropped' (tx, reason). */
  readonly events = new EventEmitter<TxPoolEventMap>()
  readonly options: Readonly<TxPoolOptions>

  private readonly decodeContext: DecodeContext
  private readonly floorActive: boolean
  private readonly logger: Logger
  private readonly metrics: PoolMetrics | null
  private state: PoolStateReader
  private head: HeadContext
  /** Bumped on each new head; account data tagged with an older epoch is stale. */
  private epoch = 0
  private seq = 0
  private readonly byHash = new Map<string, PoolEntry>()
  private readonly senders = new Map<string, SenderState>()
  private readonly accounts = new Map<string, PoolAccount>()
  private readonly reads = new Map<string, Promise<PoolAccount>>()
  private pendingTotal = 0
  private queuedTotal = 0
  private readonly pendingHeap = new IndexedHeap<PoolEntry>(cheaper)
  private readonly queuedHeap = new IndexedHeap<PoolEntry>(cheaper)
  private outbox: PoolEvent[] = []
  private headUpdate: Promise<void> = Promise.resolve()

  constructor(init: TxPoolInit) {
    this.options = Object.freeze(resolveTxPoolOptions(init.options))
    this.state = init.state
    this.head = { baseFee: init.head.baseFee, gasLimit: init.head.gasLimit }
    this.logger = init.logger.child({ module: 'txpool' })
    this.decodeContext = {
      common: sharedTxCommon(init.common),
      chainId: init.common.chainId(),
      maxTxSize: this.options.maxTxSize,
      allowUnprotected: this.options.allowUnprotected,
    }
    this.floorActive = init.common.isActivatedEIP(7623)
    this.metrics = init.metrics === null ? null : new PoolMetrics(init.metrics, () => this.status())
  }

  /** Decodes, validates and adds a signed raw transaction. Throws TxPoolError. */
  async addRaw(raw: Uint8Array): Promise<PooledTransaction> {
    let hashHex: string | undefined
    try {
      const id = identifyRaw(raw, this.decodeContext)
      hashHex = id.hashHex
      if (this.byHash.has(id.hashHex)) throw new TxPoolError(R.AlreadyKnown)
      const decoded = decodeRaw(id.raw, id.hash, id.hashHex, this.decodeContext)
      this.checkGasLimit(decoded.tx)
      const sender = recoverSender(decoded)
      const fields: Identified = { tx: decoded.tx, raw: decoded.raw, hash: decoded.hash, hashHex: decoded.hashHex, sender, senderHex: toHex(sender) }
      return await this.admit(fields, false)
    } catch (error) {
      this.rejected(error, hashHex)
      throw error
    }
  }

  /** Validates and adds a signed transaction object. Throws TxPoolError. */
  async add(tx: TypedTransaction): Promise<PooledTransaction> {
    return this.addTransaction(tx, false)
  }

  get(hashHex: string): PooledTransaction | undefined {
    return this.byHash.get(hashHex.toLowerCase())
  }

  /** Next nonce for `address`: the account nonce plus its contiguous pending transactions. */
  async pendingNonce(address: Uint8Array): Promise<bigint> {
    const hex = toHex(address)
    const known = this.senders.get(hex)
    if (known !== undefined && known.epoch === this.epoch) return known.pendingEnd
    const account = await this.account(address, hex)
    const sender = this.senders.get(hex)
    if (sender === undefined) return account.nonce
    if (sender.epoch !== this.epoch) {
      this.resetSender(sender, account)
      this.flush()
    }
    return this.senders.get(hex)?.pendingEnd ?? account.nonce
  }

  status(): TxPoolStatus {
    return { pending: this.pendingTotal, queued: this.queuedTotal }
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

  /**
   * Executable transactions for a block with `baseFee`: best effective tip first across
   * senders, nonce order within a sender; a sender's run stops at its first transaction
   * with maxFeePerGas below `baseFee`. The cursor follows the pool live (a transaction
   * removed meanwhile is not returned).
   */
  executable(baseFee: bigint): TransactionCursor {
    const heads: CursorItem[] = []
    for (const sender of this.senders.values()) {
      if (sender.pendingEnd === sender.nonce) continue
      const entry = sender.txs.get(sender.nonce) as PoolEntry
      if (entry.feeCap < baseFee) continue
      heads.push({ sender, entry, tip: effectiveTip(entry.tipCap, entry.feeCap, baseFee), heapIndex: -1 })
    }
    return new PriceNonceCursor(heads, baseFee)
  }

  /**
   * Moves the pool to a new head: drops mined transactions (nonce below the account nonce)
   * and those the sender can no longer afford or that exceed the block gas limit, demotes
   * pending transactions left behind a gap, promotes queued ones that became contiguous.
   * Calls are applied one after the other.
   */
  onNewHead(state: PoolStateReader, head: HeadContext): Promise<void> {
    const run = this.headUpdate.then(() => this.applyHead(state, head))
    this.headUpdate = run.catch(() => undefined)
    return run
  }

  /** Puts back the transactions of blocks a reorg dropped; failures are ignored. */
  async readd(txs: TypedTransaction[]): Promise<void> {
    await this.headUpdate
    for (const tx of txs) {
      try {
        await this.addTransaction(tx, true)
      } catch {
        // Already known, mined on the new chain, or no longer valid: nothing to put back.
      }
    }
  }

  // ---------------------------------------------------------------------------------------

  private async addTransaction(tx: TypedTransaction, reorg: boolean): Promise<PooledTransaction> {
    let hashHex: string | undefined
    try {
      const id = inspectTransaction(tx, this.decodeContext, reorg || this.options.allowUnprotected)
      hashHex = id.hashHex
      if (this.byHash.has(id.hashHex)) throw new TxPoolError(R.AlreadyKnown)
      this.checkGasLimit(tx)
      const { feeCap, tipCap } = feeCaps(tx)
      if (tipCap > feeCap) throw new TxPoolError(R.TipAboveFeeCap, `maxPriorityFeePerGas: ${tipCap}, maxFeePerGas: ${feeCap}`)
      return await this.admit({ tx, raw: id.raw, hash: id.hash, hashHex: id.hashHex, sender: id.sender, senderHex: toHex(id.sender) }, reorg)
    } catch (error) {
      this.rejected(error, hashHex)
      throw error
    }
  }

  private checkGasLimit(tx: TypedTransaction): void {
    if (tx.gasLimit > this.head.gasLimit) throw new TxPoolError(R.GasLimit, `gas ${tx.gasLimit}, block gas limit ${this.head.gasLimit}`)
  }

  /** The checks after sender recovery that need no state, then the account, then insert. */
  private async admit(fields: Identified, reorg: boolean): Promise<PooledTransaction> {
    const tx = fields.tx
    const intrinsic = tx.getIntrinsicGas()
    if (tx.gasLimit < intrinsic) throw new TxPoolError(R.IntrinsicGas, `gas ${tx.gasLimit}, minimum needed ${intrinsic}`)
    if (this.floorActive) {
      const floor = getCalldataFloorGas(tx)
      if (tx.gasLimit < floor) throw new TxPoolError(R.FloorDataGas, `gas ${tx.gasLimit}, minimum needed ${floor}`)
    }
    const { feeCap, tipCap } = feeCaps(tx)
    if (tipCap < this.options.minTip) throw new TxPoolError(R.MinTip, `gas tip cap ${tipCap}, minimum needed ${this.options.minTip}`)
    // geth parks such transactions until the base fee falls; we refuse them so a dev tool
    // that underestimates the fee gets an error instead of waiting forever. Re-added reorg
    // transactions are kept, as geth does.
    if (!reorg && feeCap < this.head.baseFee) {
      throw new TxPoolError(R.FeeCapBelowBaseFee, `maxFeePerGas ${feeCap}, baseFee ${this.head.baseFee}`)
    }

    const known = this.senders.get(fields.senderHex)
    let account: PoolAccount
    if (known !== undefined && known.epoch === this.epoch) account = known
    else account = this.accounts.get(fields.senderHex) ?? (await this.account(fields.sender, fields.senderHex))
    try {
      return this.insert(fields, feeCap, tipCap, account)
    } finally {
      this.flush()
    }
  }

  /** Validates against the sender's account and pool content, then adds. Synchronous. */
  private insert(fields: Identified, feeCap: bigint, tipCap: bigint, account: PoolAccount): PoolEntry {
    if (this.byHash.has(fields.hashHex)) throw new TxPoolError(R.AlreadyKnown)
    let sender = this.senders.get(fields.senderHex)
    if (sender !== undefined && sender.epoch !== this.epoch) {
      this.resetSender(sender, account)
      sender = this.senders.get(fields.senderHex)
    }
    const stateNonce = sender?.nonce ?? account.nonce
    const balance = sender?.balance ?? account.balance
    const nonce = fields.tx.nonce
    if (nonce < stateNonce) throw new TxPoolError(R.NonceTooLow, `next nonce ${stateNonce}, tx nonce ${nonce}`)
    const old = sender?.txs.get(nonce)
    const pendingEnd = sender?.pendingEnd ?? stateNonce
    const maxGap = BigInt(this.options.maxQueuedPerSender)
    if (old === undefined && nonce - pendingEnd > maxGap) {
      throw new TxPoolError(R.NonceTooHigh, `next nonce ${pendingEnd}, tx nonce ${nonce}, max gap ${maxGap}`)
    }

    const entry = new PoolEntry(fields, this.seq++, feeCap, tipCap, this.head.baseFee)
    const cost = entry.cost
    if (balance < cost) throw new TxPoolError(R.InsufficientFunds, `balance ${balance}, tx cost ${cost}, overshot ${cost - balance}`)
    const spent = sender?.spent ?? 0n
    if (old !== undefined) {
      const bump = cost - old.cost
      const need = spent + bump
      if (balance < need) throw new TxPoolError(R.InsufficientFunds, `balance ${balance}, queued cost ${spent}, tx bumped ${bump}, overshot ${need - balance}`)
      this.checkPriceBump(old, entry)
      this.replace(sender as SenderState, old, entry)
      return entry
    }
    const need = spent + cost
    if (balance < need) throw new TxPoolError(R.InsufficientFunds, `balance ${balance}, queued cost ${spent}, tx cost ${cost}, overshot ${need - balance}`)

    if (nonce === pendingEnd) {
      if (sender !== undefined && sender.pendingCount >= this.options.maxPendingPerSender) {
        throw new TxPoolError(R.AccountLimit, `${sender.pendingCount} pending transactions, limit ${this.options.maxPendingPerSender}`)
      }
      if (this.pendingTotal >= this.options.maxPending) this.makeRoom(this.pendingHeap, entry)
    } else {
      if (sender !== undefined && sender.queued >= this.options.maxQueuedPerSender) {
        throw new TxPoolError(R.AccountLimit, `${sender.queued} queued transactions, limit ${this.options.maxQueuedPerSender}`)
      }
      if (this.queuedTotal >= this.options.maxQueued) this.makeRoom(this.queuedHeap, entry)
    }

    // Making room may have trimmed this sender's queued transactions away entirely.
    sender = this.senders.get(fields.senderHex)
    if (sender === undefined) {
      sender = new SenderState(fields.sender, fields.senderHex, account, this.epoch)
      this.senders.set(sender.hex, sender)
    }
    sender.txs.set(nonce, entry)
    sender.spent += cost
    this.byHash.set(entry.hashHex, entry)
    this.metrics?.added.inc()
    if (nonce === sender.pendingEnd) {
      this.markPending(entry)
      sender.pendingEnd++
      this.promote(sender)
    } else {
      this.markQueued(sender, entry)
    }
    return entry
  }

  private checkPriceBump(old: PoolEntry, entry: PoolEntry): void {
    const factor = 100n + this.options.priceBump
    const feeThreshold = (old.feeCap * factor) / 100n
    const tipThreshold = (old.tipCap * factor) / 100n
    // geth: both caps must rise strictly and reach old * (100 + priceBump) / 100.
    if (entry.feeCap <= old.feeCap || entry.tipCap <= old.tipCap || entry.feeCap < feeThreshold || entry.tipCap < tipThreshold) {
      const needFee = feeThreshold > old.feeCap ? feeThreshold : old.feeCap + 1n
      const needTip = tipThreshold > old.tipCap ? tipThreshold : old.tipCap + 1n
      throw new TxPoolError(R.ReplacementUnderpriced, `need maxFeePerGas >= ${needFee} and maxPriorityFeePerGas >= ${needTip}, have ${entry.feeCap} and ${entry.tipCap}`)
    }
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
   * Frees one slot in `heap` for `entry` by evicting the cheapest transaction of another
   * sender, if `entry` outbids it.
   */
  private makeRoom(heap: IndexedHeap<PoolEntry>, entry: PoolEntry): void {
    let victim = heap.peek()
    if (victim !== undefined && victim.senderHex === entry.senderHex) {
      // Look past the sender's own transactions, then put them back.
      const own: PoolEntry[] = []
      while (victim !== undefined && victim.senderHex === entry.senderHex) {
        own.push(heap.pop() as PoolEntry)
        victim = heap.peek()
      }
      for (const item of own) heap.push(item)
    }
    if (victim === undefined) throw new TxPoolError(R.PoolFull)
    if (!outbids(entry, victim)) {
      throw new TxPoolError(R.Underpriced, `pool is full and the cheapest transaction pays effective tip ${victim.evictTip}, max fee ${victim.feeCap}`)
    }
    this.evict(victim)
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

  private markPending(entry: PoolEntry): void {
    entry.pending = true
    this.pendingTotal++
    this.pendingHeap.push(entry)
    this.outbox.push({ kind: 'pending', entry })
  }

  private markQueued(sender: SenderState, entry: PoolEntry): void {
    entry.pending = false
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
      this.markPending(entry)
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

  /** Applies the sender's account at the current head (geth's demoteUnexecutables + promoteExecutables). */
  private resetSender(sender: SenderState, account: PoolAccount): void {
    sender.epoch = this.epoch
    const gasLimit = this.head.gasLimit
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
        this.markPending(entry)
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

  private async applyHead(state: PoolStateReader, head: HeadContext): Promise<void> {
    const baseFeeChanged = head.baseFee !== this.head.baseFee
    this.state = state
    this.head = { baseFee: head.baseFee, gasLimit: head.gasLimit }
    this.epoch++
    this.accounts.clear()
    this.reads.clear()
    if (baseFeeChanged) {
      for (const heap of [this.pendingHeap, this.queuedHeap]) {
        for (const entry of heap.values()) entry.evictTip = effectiveTip(entry.tipCap, entry.feeCap, head.baseFee)
        heap.heapify()
      }
    }
    const senders = [...this.senders.values()]
    const accounts = await Promise.all(senders.map((sender) => this.account(sender.address, sender.hex)))
    try {
      for (let i = 0; i < senders.length; i++) {
        const sender = senders[i]
        // Gone meanwhile, or already brought up to this head by an add.
        if (this.senders.get(sender.hex) !== sender || sender.epoch === this.epoch) continue
        this.resetSender(sender, accounts[i])
      }
      // Room freed by mined transactions lets runs held back by maxPending move up.
      if (this.queuedTotal > 0) for (const sender of this.senders.values()) if (sender.queued > 0) this.promote(sender)
      this.trimQueue()
    } finally {
      this.flush()
    }
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ pending: this.pendingTotal, queued: this.queuedTotal, senders: this.senders.size }, 'txpool reset to new head')
  }

  /** The account at the current head, read once per head. */
  private async account(address: Uint8Array, hex: string): Promise<PoolAccount> {
    for (;;) {
      const cached = this.accounts.get(hex)
      if (cached !== undefined) return cached
      const epoch = this.epoch
      let read = this.reads.get(hex)
      if (read === undefined) {
        read = this.state.getAccount(address)
        this.reads.set(hex, read)
      }
      let account: PoolAccount
      try {
        account = await read
      } finally {
        if (this.reads.get(hex) === read) this.reads.delete(hex)
      }
      if (epoch !== this.epoch) continue
      if (this.accounts.size >= ACCOUNT_CACHE_LIMIT) this.accounts.clear()
      this.accounts.set(hex, account)
      return account
    }
  }

  /** Emits queued events once the pool is consistent again. */
  private flush(): void {
    if (this.outbox.length === 0) return
    const events = this.outbox
    this.outbox = []
    for (const event of events) {
      try {
        if (event.kind === 'pending') this.events.emit('pending', event.entry)
        else this.events.emit('dropped', event.entry, event.reason)
      } catch (error) {
        this.logger.error({ err: error }, 'txpool event listener threw')
      }
    }
  }

  private rejected(error: unknown, hashHex: string | undefined): void {
    if (error instanceof TxPoolError) {
      this.metrics?.rejected.labels(error.reason).inc()
      if (this.logger.isLevelEnabled('debug')) this.logger.debug({ hash: hashHex, reason: error.reason, err: error.message }, 'transaction rejected')
    } else {
      this.logger.warn({ hash: hashHex, err: error }, 'transaction add failed')
    }
  }
}
