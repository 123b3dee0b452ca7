// Matching logs against filter criteria, and the log query shared by eth_getLogs,
// eth_getFilterLogs and eth_getFilterChanges (the polling filters themselves: filter-manager.ts).
import type { LogView } from './backend.ts'
import type { HandlerContext } from './context.ts'
import { resolveBlockNumber } from './context.ts'
import { requestTimedOut, withinDeadline } from './deadline.ts'
import { invalidParams, limitExceeded, serverError } from './errors.ts'
import { formatLog, type JsonObject } from './format.ts'
import type { FilterCriteria } from './param-objects.ts'

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
export function inRange(log: LogView, criteria: FilterCriteria): boolean {
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
    const filter = { fromBlock: view.block.header.number, toBlock: view.block.header.number, blockHash: view.hash, addresses: criteria.addresses, topics: criteria.topics, limit: logsMaxResults }
    logs = await withinDeadline(ctx, requestTimedOut, (signal) => chain.logs(filter, signal))
  } else {
    const head = chain.latest().block.header.number
    const from = criteria.fromBlock === undefined ? head : await resolveBlockNumber(ctx, criteria.fromBlock)
    const to = criteria.toBlock === undefined ? head : await resolveBlockNumber(ctx, criteria.toBlock)
    if (criteria.toBlock?.kind === 'number' && to > head) throw invalidParams('block range extends beyond current head block')
    if (from > to) throw invalidParams('invalid block range params')
    if (logsBlockRangeCap > 0 && to - from + 1n > BigInt(logsBlockRangeCap)) throw limitExceeded(`exceed maximum block range: ${logsBlockRangeCap}`)
    logs = await logsInRange(ctx, criteria, from, to)
  }
  if (logsMaxResults > 0 && logs.length > logsMaxResults) throw limitExceeded(`query returned more than ${logsMaxResults} results`)
  return logs.map((l) => formatLog(l))
}

/** Logs matching `criteria` in [from, to] on the canonical chain, run within the request's budget (a worker thread's job). */
export async function logsInRange(ctx: HandlerContext, criteria: FilterCriteria, from: bigint, to: bigint): Promise<LogView[]> {
  const filter = { fromBlock: from, toBlock: to, addresses: criteria.addresses, topics: criteria.topics, limit: ctx.options.logsMaxResults }
  return withinDeadline(ctx, requestTimedOut, (signal) => ctx.backend.chain.logs(filter, signal))
}
