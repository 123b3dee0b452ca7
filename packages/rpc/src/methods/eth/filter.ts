// Logs and polling filters: eth_getLogs, eth_newFilter, eth_newBlockFilter,
// eth_newPendingTransactionFilter, eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter.
import { method, type MethodTable } from '../../context.ts'
import { queryLogs } from '../../filters.ts'
import { filterCriteria, required, string } from '../../params.ts'

export const filterMethods: MethodTable = {
  eth_getLogs: method([required('filter', filterCriteria)], (ctx, criteria) => queryLogs(ctx, criteria)),

  eth_newFilter: method([required('filter', filterCriteria)], (ctx, criteria) => ctx.filters.newLogFilter(criteria)),

  eth_newBlockFilter: method([], (ctx) => ctx.filters.newBlockFilter()),

  eth_newPendingTransactionFilter: method([], (ctx) => ctx.filters.newPendingTransactionFilter()),

  eth_getFilterChanges: method([required('id', string)], (ctx, id) => ctx.filters.changes(id)),

  eth_getFilterLogs: method([required('id', string)], (ctx, id) => queryLogs(ctx, ctx.filters.logCriteria(id))),

  eth_uninstallFilter: method([required('id', string)], (ctx, id) => ctx.filters.uninstall(id)),
}
