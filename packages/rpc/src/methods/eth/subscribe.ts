// eth_subscribe / eth_unsubscribe, WebSocket only.
import { method, type MethodTable } from '../../context.ts'
import { ErrorCode, invalidParams, RpcError, serverError } from '../../errors.ts'
import { any, bool, optional, ParamError, required, string } from '../../params.ts'
import { filterCriteria } from '../../param-objects.ts'

function decodeOption<T>(decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    if (err instanceof ParamError) throw invalidParams(`invalid argument 1: ${err.message}`)
    throw err
  }
}

export const subscribeMethods: MethodTable = {
  eth_subscribe: method([required('kind', string), optional('options', any)], (ctx, kind, options) => {
    const connection = ctx.connection
    if (connection === undefined) throw new RpcError(ErrorCode.MethodNotFound, 'notifications not supported')
    switch (kind) {
      case 'newHeads':
        return connection.subscribe('newHeads')
      case 'logs': {
        const criteria = options === undefined ? { addresses: [], topics: [] } : decodeOption(() => filterCriteria.decode(options))
        return connection.subscribe('logs', { criteria })
      }
      case 'newPendingTransactions': {
        const fullTransactions = options === undefined ? false : decodeOption(() => bool.decode(options))
        return connection.subscribe('newPendingTransactions', { fullTransactions })
      }
      default:
        throw new RpcError(ErrorCode.MethodNotFound, `no "${kind}" subscription in eth namespace`)
    }
  }),

  eth_unsubscribe: method([required('id', string)], (ctx, id) => {
    const connection = ctx.connection
    if (connection === undefined) throw new RpcError(ErrorCode.MethodNotFound, 'notifications not supported')
    if (!connection.unsubscribe(id)) throw serverError('subscription not found')
    return true
  }),
}
