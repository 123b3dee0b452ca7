export { TxPool } from './pool.ts'
export { createDecodeContext } from './decode.ts'
export { recoverSenders } from './sender-cache.ts'
export type { RecoveredSender, SenderRecovery } from './sender-cache.ts'
export { blobSidecar } from './blob.ts'
export type { BlobVerifier } from './blob.ts'
export type { TxPoolInit } from './pool.ts'
export { TransactionJournal, journalItem, readJournal } from './journal.ts'
export type { TransactionJournalInit } from './journal.ts'
export { TxPoolError, TxPoolErrorReason, TXPOOL_ERROR_CODE, gethErrorText } from './errors.ts'
export { defaultTxPoolOptions } from './options.ts'
export type { TxPoolOptions } from './options.ts'
export type {
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
