// The transaction pool's settings as the node applies them: the pool's lifetime, the journal
// of local transactions in the data directory, and the network's rebroadcast of them.
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { NetworkOptions } from '@busan/network'
import { TransactionJournal, type TxPool, type TxPoolOptions } from '@busan/txpool'
import type { NodeConfig } from './config.ts'

/** geth's journal file name, in the data directory. */
export const JOURNAL_FILE = 'transactions.rlp'
/**
 * How often the journal is rewritten when --txpool.rejournal is not given. geth waits an
 * hour; here every transaction sent to a public RPC node is a local one, so the append-only
 * file would grow by every transaction of the hour.
 */
export const DEFAULT_REJOURNAL_MS = 60_000

/** The pool options the configuration sets (the pool's defaults for the rest). */
export function poolOptions(config: NodeConfig): Partial<TxPoolOptions> {
  const lifetimeMs = config.txpool?.lifetimeMs
  return lifetimeMs === undefined ? {} : { lifetimeMs }
}

/** The network options the configuration sets: rebroadcast and peer-exchange intervals. */
export function networkOptions(config: NodeConfig): Partial<NetworkOptions> {
  const options: Partial<NetworkOptions> = {}
  if (config.txpool?.rebroadcastMs !== undefined) options.rebroadcastIntervalMs = config.txpool.rebroadcastMs
  if (config.p2p?.discoveryIntervalMs !== undefined) options.discoveryIntervalMs = config.p2p.discoveryIntervalMs
  return options
}

/** Re-adds the journaled local transactions to `pool`, then keeps the journal (<datadir>/transactions.rlp). */
export async function openJournal(pool: TxPool, config: NodeConfig, logger: Logger): Promise<TransactionJournal> {
  const journal = new TransactionJournal({ path: join(config.dataDir, JOURNAL_FILE), pool, rejournalMs: config.txpool?.rejournalMs ?? DEFAULT_REJOURNAL_MS, logger })
  await journal.load()
  journal.start()
  return journal
}
