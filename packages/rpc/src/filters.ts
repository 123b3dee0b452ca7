// Polling filters (eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter) and the
// log query shared by eth_getLogs and eth_getFilterLogs. Filters buffer what the chain's events
// bring until polled, and expire after `filterTimeoutMs` without a poll, as in geth.
import { randomBytes } from 'node:crypto'
import type { BlockView, LogView } from './backend.ts'
import type { HandlerContext } from './context.ts'
import { resolveBlockNumber } from './context.ts'
import { requestTimedOut, withinDeadline } from './deadline.ts'
import { FILTER_NOT_FOUND, invalidParams, limitExceeded, serverError } from './errors.ts'
import { formatLog, hex, type JsonObject } from './format.ts'
import type { FilterCriteria } from './params.ts'

/** geth's rpc.NewID: 16 random bytes as a quantity (no leading zeros). */
export function newId(): string {
  const digits = randomBytes(16).toString('hex').replace(/^0+/, '')
  return `0x${digits === '' ? '0' : digits}`
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Address in the list (empty list = any) and, per position, one of the listed topics (null = any). */
export function logMatches(log: LogView, addresses: Uint8Array[], topics: (Uint8Array[] | null)[]): boolean {
  if (addresses.length > 0 && !addresses.some((a) => bytesEqual(a, log.address))) return false
  if (topics.length > log.topics.length) return false
  for (let i = 0; i < topics.length; i++) {
    const wanted = topics[i]
    if (wanted === null || wanted.length === 0) continue
    const topic = log.topics[i]
    if (!wanted.some((t) => bytesEqual(t, topic))) return false
  }
  return true
}

/** Explicit block numbers of a filter bound the logs it delivers; tags leave it open (as geth). */
function inRange(log: LogView, criteria: FilterCriteria): boolean {
  if (criteria.fromBlock?.kind === 'number' && log.blockNumber < criteria.fromBlock.number) return false
  if (criteria.toBlock?.kind === 'number' && log.blockNumber > criteria.toBlock.number) return false
  return true
}

/** eth_getLogs semantics over the backend, with the range and result caps. */
export async function queryLogs(ctx: HandlerContext, criteria: FilterCriteria): Promise<JsonObject[]> {
  const { chain } = ctx.backend
  const { logsBlockRangeCap, logsMaxResults } = ctx.options
  let logs: LogView[]
  if (criteria.blockHash !== undefined) {
    // By hash, any block (canonical or not) answers from its receipts, as geth.
    const view = await chain.blockByHash(criteria.blockHash)
    if (view === undefined) throw serverError('unknown block')
    const receipts = await chain.receipts(view)
    logs = []
    for (const receipt of receipts) for (const log of receipt.logs) if (logMatches(log, criteria.addresses, criteria.topics)) logs.push(log)
  } else {
    const head = chain.latest().block.header.number
    const from = criteria.fromBlock === undefined ? head : await resolveBlockNumber(ctx, criteria.fromBlock)
    const to = criteria.toBlock === undefined ? head : await resolveBlockNumber(ctx, criteria.toBlock)
    if (criteria.toBlock?.kind === 'number' && to > head) throw invalidParams('block range extends beyond current head block')
    if (from > to) throw invalidParams('invalid block range params')
    if (logsBlockRangeCap > 0 && to - from + 1n > BigInt(logsBlockRangeCap)) throw limitExceeded(`exceed maximum block range: ${logsBlockRangeCap}`)
    const filter = { fromBlock: from, toBlock: to, addresses: criteria.addresses, topics: criteria.topics, limit: logsMaxResults }
    logs = await withinDeadline(ctx.deadline, requestTimedOut, (signal) => chain.logs(filter, signal))
  }
  if (logsMaxResults > 0 && logs.length > logsMaxResults) throw limitExceeded(`query returned more than ${logsMaxResults} results`)
  return logs.map((l) => formatLog(l))
}

type Filter =
  | { kind: 'logs'; criteria: FilterCriteria; items: JsonObject[]; lastPoll: number }
  | { kind: 'blocks'; items: string[]; lastPoll: number }
  | { kind: 'pendingTransactions'; items: string[]; lastPoll: number }

export type FilterChanges = JsonObject[] | string[]

export class FilterManager {
  readonly #filters = new Map<string, Filter>()
  readonly #timeoutMs: number
  readonly #maxBuffered: number
  readonly #now: () => number
  #sweeper: NodeJS.Timeout | undefined

  constructor(options: { timeoutMs: number; maxBuffered: number; now?: () => number }) {
    this.#timeoutMs = options.timeoutMs
    this.#maxBuffered = options.maxBuffered
    this.#now = options.now ?? Date.now
    // geth sweeps on a ticker of the timeout itself; a finer sweep frees memory sooner.
    this.#sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(this.#timeoutMs, 60_000)))
    this.#sweeper.unref()
  }

  get size(): number {
    return this.#filters.size
  }

  newLogFilter(criteria: FilterCriteria): string {
    if (criteria.fromBlock?.kind === 'number' && criteria.toBlock?.kind === 'number' && criteria.fromBlock.number > criteria.toBlock.number) {
      throw invalidParams('invalid block range params')
    }
    return this.#add({ kind: 'logs', criteria, items: [], lastPoll: this.#now() })
  }

  newBlockFilter(): string {
    return this.#add({ kind: 'blocks', items: [], lastPoll: this.#now() })
  }

  newPendingTransactionFilter(): string {
    return this.#add({ kind: 'pendingTransactions', items: [], lastPoll: this.#now() })
  }

  #add(filter: Filter): string {
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

  /** What arrived since the last poll; throws "filter not found" for unknown or expired ids. */
  changes(id: string): FilterChanges {
    const filter = this.#live(id)
    if (filter === undefined) throw serverError(FILTER_NOT_FOUND)
    filter.lastPoll = this.#now()
    const items = filter.items
    filter.items = []
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

  onNewHead(head: BlockView, logs: LogView[], removedLogs: LogView[]): void {
    if (this.#filters.size === 0) return
    const blockHash = hex(head.hash)
    const formatted = new Map<LogView, JsonObject>()
    const format = (log: LogView, removed: boolean): JsonObject => {
      let out = formatted.get(log)
      if (out === undefined) {
        out = formatLog(log, removed)
        formatted.set(log, out)
      }
      return out
    }
    for (const filter of this.#filters.values()) {
      if (filter.kind === 'blocks') this.#push(filter.items, blockHash)
      else if (filter.kind === 'logs') {
        const { criteria } = filter
        if (criteria.blockHash !== undefined) continue
        // Removed logs first, then the new chain's, as geth delivers them.
        for (const log of removedLogs) {
          if (inRange(log, criteria) && logMatches(log, criteria.addresses, criteria.topics)) this.#push(filter.items, format(log, true))
        }
        for (const log of logs) {
          if (inRange(log, criteria) && logMatches(log, criteria.addresses, criteria.topics)) this.#push(filter.items, format(log, false))
        }
      }
    }
  }

  onPendingTransaction(hash: Uint8Array): void {
    if (this.#filters.size === 0) return
    let text: string | undefined
    for (const filter of this.#filters.values()) {
      if (filter.kind === 'pendingTransactions') this.#push(filter.items, (text ??= hex(hash)))
    }
  }

  #push<T>(items: T[], item: T): void {
    items.push(item)
    if (items.length > this.#maxBuffered) items.splice(0, items.length - this.#maxBuffered)
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
