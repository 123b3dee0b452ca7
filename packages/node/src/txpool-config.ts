// The transaction pool's settings as the node applies them: the pool's lifetime, the journal
// of local transactions in the data directory, the network's rebroadcast of them, and the
// check of blob transactions' sidecars on the RPC worker threads.
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { NetworkOptions } from '@busan/network'
import type { Chain } from '@busan/chain'
import { TransactionJournal, type BlobVerifier, type TxPool, type TxPoolOptions } from '@busan/txpool'
import type { NodeConfig } from './config.ts'
import type { RpcWorkerPool } from './rpc-workers/index.ts'

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
  const { lifetimeMs, allowUnprotected } = config.txpool ?? {}
  return { ...(lifetimeMs === undefined ? {} : { lifetimeMs }), ...(allowUnprotected === undefined ? {} : { allowUnprotected }) }
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

/**
 * The pool's check of blob transactions' sidecars (KZG proofs, EthereumJS's rules) on an RPC
 * worker thread, under the fork of the block after the head at the current time. Rejects with
 * the reason (-32000), or -32005 when every thread is busy.
 */
export function blobVerifier(chain: Chain, workers: RpcWorkerPool): BlobVerifier {
  return {
    async verify(networkRaw) {
      const head = chain.head.header
      const now = BigInt(Math.floor(Date.now() / 1000))
      await workers.run({ kind: 'verifyBlobTx', networkRaw, number: head.number + 1n, timestamp: now > head.timestamp ? now : head.timestamp + 1n })
    },
  }
}
