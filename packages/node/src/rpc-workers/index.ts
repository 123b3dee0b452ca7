export { RpcWorkerPool, ServerBusyError, defaultRpcWorkerOptions } from './pool.ts'
export type { RpcWorkerOptions } from './pool.ts'
export type { Job, JobKind, JobResults, WorkerInit } from './jobs.ts'
