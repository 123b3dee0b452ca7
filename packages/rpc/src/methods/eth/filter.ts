// Logs and polling filters: eth_getLogs, eth_newFilter, eth_newBlockFilter,
// eth_newPendingTransactionFilter, eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter.
import { method, type HandlerContext, type MethodTable } from '../../context.ts'
import { limitExceeded } from '../../errors.ts'
import { logsInRange, queryLogs } from '../../filters.ts'
import { formatLog, type JsonObject } from '../../format.ts'
import { required, string } from '../../params.ts'
import { filterCriteria } from '../../param-objects.ts'

export const filterMethods: MethodTable = {
  eth_getLogs: method([required('filter', filterCriteria)], (ctx, criteria) => queryLogs(ctx, criteria)),

  eth_newFilter: method([required('filter', filterCriteria)], (ctx, criteria) => ctx.filters.newLogFilter(criteria, ctx.backend.chain.latest().block.header.number)),

  eth_newBlockFilter: method([], (ctx) => ctx.filters.newBlockFilter()),

  eth_newPendingTransactionFilter: method([], (ctx) => ctx.filters.newPendingTransactionFilter()),

  eth_getFilterChanges: method([required('id', string)], (ctx, id) => filterChanges(ctx, id)),

  eth_getFilterLogs: method([required('id', string)], (ctx, id) => queryLogs(ctx, ctx.filters.logCriteria(id))),

  eth_uninstallFilter: method([required('id', string)], (ctx, id) => ctx.filters.uninstall(id)),
}

/** Hashes for block and pending-transaction filters; for a log filter, the removed logs it is owed and the logs of the blocks since its last poll. */
async function filterChanges(ctx: HandlerContext, id: string): Promise<string[] | JsonObject[]> {
  const changes = ctx.filters.changes(id, ctx.backend.chain.latest().block.header.number)
  if (Array.isArray(changes)) return changes
  const logs = changes.from <= changes.to ? await logsInRange(ctx, changes.criteria, changes.from, changes.to) : []
  const { logsMaxResults } = ctx.options
  if (logsMaxResults > 0 && logs.length > logsMaxResults) throw limitExceeded(`query returned more than ${logsMaxResults} results`)
  changes.delivered()
  return [...changes.removed, ...logs.map((log) => formatLog(log))]
}
