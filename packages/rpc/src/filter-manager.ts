// Polling filters: eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter, polled
// by eth_getFilterChanges, expiring after `timeoutMs` without a poll (geth's 5 minutes).
//
// No event costs more than O(1) however many filters are installed (a thousand filters must
// not slow the block path down): block hashes and pending transaction hashes go into one shared
// journal each, and a filter only keeps its position in it; a log filter keeps the next block it
// owes, and a poll reads those blocks' logs then (on a worker thread, within the request's
// budget). Only a reorg touches log filters one by one, to owe them the removed logs.
import { randomBytes } from 'node:crypto'
import type { LogView } from './backend.ts'
import { FILTER_NOT_FOUND, invalidParams, limitExceeded, serverError } from './errors.ts'
import { inRange, logMatches } from './filters.ts'
import { formatLog, hex, type JsonObject } from './format.ts'
import type { FilterCriteria } from './param-objects.ts'

/** geth's rpc.NewID: 16 random bytes as a quantity (no leading zeros). */
export function newId(): string {
  const digits = randomBytes(16).toString('hex').replace(/^0+/, '')
  return `0x${digits === '' ? '0' : digits}`
}

/** The last `capacity` items appended, each with a sequence number; readers keep their own position. */
class Journal<T> {
  private readonly items: T[] = []
  private readonly capacity: number
  /** Sequence number of items[0]. */
  private first = 0

  constructor(capacity: number) {
    this.capacity = capacity
  }

  /** Sequence number the next item will get. */
  get end(): number {
    return this.first + this.items.length
  }

  append(item: T): void {
    this.items.push(item)
    // Trimmed in chunks, so appending stays O(1) amortised.
    if (this.items.length > this.capacity * 2) {
      const drop = this.items.length - this.capacity
      this.items.splice(0, drop)
      this.first += drop
    }
  }

  /** Items from sequence `from` on (the oldest beyond the capacity are gone), at most `capacity`. */
  since(from: number): T[] {
    const start = Math.max(from, this.end - this.capacity, this.first)
    return this.items.slice(start - this.first)
  }
}

type Filter =
  | { kind: 'logs'; criteria: FilterCriteria; next: bigint; removed: JsonObject[]; lastPoll: number }
  | { kind: 'blocks'; position: number; lastPoll: number }
  | { kind: 'pendingTransactions'; position: number; lastPoll: number }

/** What eth_getFilterChanges owes a log filter: logs removed by reorgs, then the logs of blocks [from, to]. */
export interface LogChanges {
  criteria: FilterCriteria
  removed: JsonObject[]
  from: bigint
  to: bigint
  /** Marks the changes delivered (call once the logs were read). */
  delivered(): void
}

export class FilterManager {
  readonly #filters = new Map<string, Filter>()
  readonly #timeoutMs: number
  readonly #maxBuffered: number
  readonly #maxFilters: number
  readonly #now: () => number
  readonly #blocks: Journal<string>
  readonly #pending: Journal<string>
  #sweeper: NodeJS.Timeout | undefined

  constructor(options: { timeoutMs: number; maxBuffered: number; maxFilters: number; now?: () => number }) {
    this.#timeoutMs = options.timeoutMs
    this.#maxBuffered = options.maxBuffered
    this.#maxFilters = options.maxFilters
    this.#now = options.now ?? Date.now
    this.#blocks = new Journal(options.maxBuffered)
    this.#pending = new Journal(options.maxBuffered)
    // geth sweeps on a ticker of the timeout itself; a finer sweep frees memory sooner.
    this.#sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(this.#timeoutMs, 60_000)))
    this.#sweeper.unref()
  }

  get size(): number {
    return this.#filters.size
  }

  /** A log filter owing the logs of blocks after `head` (the current head number). */
  newLogFilter(criteria: FilterCriteria, head: bigint): string {
    if (criteria.fromBlock?.kind === 'number' && criteria.toBlock?.kind === 'number' && criteria.fromBlock.number > criteria.toBlock.number) {
      throw invalidParams('invalid block range params')
    }
    return this.#add({ kind: 'logs', criteria, next: head + 1n, removed: [], lastPoll: this.#now() })
  }

  newBlockFilter(): string {
    return this.#add({ kind: 'blocks', position: this.#blocks.end, lastPoll: this.#now() })
  }

  newPendingTransactionFilter(): string {
    return this.#add({ kind: 'pendingTransactions', position: this.#pending.end, lastPoll: this.#now() })
  }

  #add(filter: Filter): string {
    if (this.#filters.size >= this.#maxFilters) {
      this.sweep()
      if (this.#filters.size >= this.#maxFilters) throw limitExceeded(`too many filters installed (max ${this.#maxFilters}); uninstall some or let them expire`)
    }
    const id = newId()
    this.#filters.set(id, filter)
    return id
  }

  #live(id: string): Filter | undefined {
    const filter = this.#filters.get(id)
    if (filter === undefined) return undefined
    if (this.#now() - filter.lastPoll > this.#timeoutMs) {
      this.#filters.delete(id)
      return undefined
    }
    return filter
  }

  /**
   * What a block or pending-transaction filter collected since its last poll (hashes), or, for a
   * log filter, the LogChanges to read up to `head`. Throws "filter not found" for unknown or
   * expired ids.
   */
  changes(id: string, head: bigint): string[] | LogChanges {
    const filter = this.#live(id)
    if (filter === undefined) throw serverError(FILTER_NOT_FOUND)
    filter.lastPoll = this.#now()
    if (filter.kind === 'logs') {
      const { criteria } = filter
      const upTo = criteria.toBlock?.kind === 'number' && criteria.toBlock.number < head ? criteria.toBlock.number : head
      const from = criteria.fromBlock?.kind === 'number' && criteria.fromBlock.number > filter.next ? criteria.fromBlock.number : filter.next
      const removed = filter.removed
      const owedFrom = filter.next
      return {
        criteria,
        removed,
        from,
        to: upTo,
        delivered: () => {
          filter.removed = filter.removed === removed ? [] : filter.removed.slice(removed.length)
          // A reorg while the logs were read moved `next` back: those blocks are owed again.
          if (filter.next === owedFrom && head + 1n > filter.next) filter.next = head + 1n
        },
      }
    }
    const journal = filter.kind === 'blocks' ? this.#blocks : this.#pending
    const items = journal.since(filter.position)
    filter.position = journal.end
    return items
  }

  /** The criteria of a log filter (for eth_getFilterLogs); throws for unknown ids and non-log filters. */
  logCriteria(id: string): FilterCriteria {
    const filter = this.#live(id)
    if (filter === undefined || filter.kind !== 'logs') throw serverError(FILTER_NOT_FOUND)
    filter.lastPoll = this.#now()
    return filter.criteria
  }

  uninstall(id: string): boolean {
    return this.#live(id) !== undefined && this.#filters.delete(id)
  }

  /**
   * A new head: its hash joins the block journal. On a reorg, each log filter is owed the removed
   * logs it had been given (removed: true), and the new branch's blocks from the fork on.
   */
  onNewHead(blockHash: Uint8Array, removedLogs: LogView[]): void {
    this.#blocks.append(hex(blockHash))
    if (removedLogs.length === 0) return
    const forkedAt = removedLogs.reduce((lowest, log) => (log.blockNumber < lowest ? log.blockNumber : lowest), removedLogs[0].blockNumber)
    for (const filter of this.#filters.values()) {
      if (filter.kind !== 'logs' || filter.criteria.blockHash !== undefined) continue
      for (const log of removedLogs) {
        if (log.blockNumber >= filter.next || !inRange(log, filter.criteria) || !logMatches(log, filter.criteria.addresses, filter.criteria.topics)) continue
        filter.removed.push(formatLog(log, true))
      }
      if (filter.removed.length > this.#maxBuffered) filter.removed.splice(0, filter.removed.length - this.#maxBuffered)
      if (forkedAt < filter.next) filter.next = forkedAt
    }
  }

  onPendingTransaction(hash: Uint8Array): void {
    this.#pending.append(hex(hash))
  }

  /** Removes filters not polled within the timeout. */
  sweep(): void {
    const now = this.#now()
    for (const [id, filter] of this.#filters) if (now - filter.lastPoll > this.#timeoutMs) this.#filters.delete(id)
  }

  close(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper)
    this.#sweeper = undefined
    this.#filters.clear()
  }
}
