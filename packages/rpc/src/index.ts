// @busan/rpc: the JSON-RPC server (HTTP + WebSocket) over the node's RpcBackend.
export { buildRpcServer } from './server.ts'
export type { RpcServerDeps } from './server.ts'
export { DEFAULT_RPC_OPTIONS, resolveOptions } from './options.ts'
export type { GasPriceOracleOptions, ResolvedRpcOptions, RpcOptions } from './options.ts'
export { ErrorCode, RpcError, decodeRevertReason } from './errors.ts'
export type { ErrorObject } from './errors.ts'
export { ExecutionError } from './backend.ts'
export type * from './backend.ts'
