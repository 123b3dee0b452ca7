export { Sealer } from './sealer.ts'
export type { PendingTransactions, SealerOptions } from './sealer.ts'
