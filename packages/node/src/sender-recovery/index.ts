// A thread that recovers transaction senders ahead of their admission (geth's senderCacher):
// the pool's `SenderRecovery`. One thread: the work is a batch's worth at a time, and the
// thread that admits only waits for it when nothing else is to be done.
import type { Worker } from 'node:worker_threads'
import { Piscina } from 'piscina'
import type { Logger } from 'pino'
import type { GenesisFile } from '@busan/chain-config'
import type { RecoveredSender, SenderRecovery } from '@busan/txpool'

/** Batches that may wait for the thread; past them a batch's senders are recovered at admission. */
const MAX_WAITING_BATCHES = 8

/**
 * The node's sender recovery thread: `recover` is the pool's SenderRecovery (TxPoolInit); at
 * most MAX_WAITING_BATCHES batches wait for it, the next ones are recovered at admission.
 */
export class SenderRecoveryThread {
  readonly #piscina: Piscina
  readonly #logger: Logger

  /** `genesis`: the chain's, for the chain id and the signature rules of its forks. */
  constructor(genesis: GenesisFile, logger: Logger) {
    this.#logger = logger
    this.#piscina = new Piscina({
      filename: new URL('./worker.ts', import.meta.url).href,
      workerData: { genesis },
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.MAX_SAFE_INTEGER,
    })
    this.#piscina.on('error', (err: unknown) => logger.error({ err }, 'sender recovery thread failed outside a job'))
  }

  /** The pool's SenderRecovery: the hashes and signers' public keys of `raws`, or none when the thread is saturated. */
  readonly recover: SenderRecovery = async (raws) => {
    if (this.#piscina.queueSize >= MAX_WAITING_BATCHES) return []
    try {
      return (await this.#piscina.run(raws)) as RecoveredSender[]
    } catch (err) {
      this.#logger.warn({ err }, 'sender recovery failed; the batch is recovered at admission')
      return []
    }
  }

  /** The recovery thread (for its heap metrics: thread-heap-metrics.ts). */
  get threads(): readonly Worker[] {
    return this.#piscina.threads
  }

  /** Lets the running batch finish (a thread must not stop inside the native addon), then stops the thread. */
  async close(): Promise<void> {
    await this.#piscina.close()
  }
}
