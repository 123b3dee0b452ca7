import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { Logger } from 'pino'
import { DEFAULT_TXS_SELECTION_MAX_TIME_PERCENT, selectionBudgetMs, timeLimitedSource, type BlockProducer, type Chain, type PendingTransactions } from '@busan/chain'

export interface SealerOptions {
  chain: Chain
  producer: BlockProducer
  pool: PendingTransactions
  signer: Uint8Array
  privateKey: Uint8Array
  /** 0: seal as soon as transactions are pending, never empty blocks (automine). */
  period: number
  /** Share of the period a block's transaction selection may take, in percent (default DEFAULT_TXS_SELECTION_MAX_TIME_PERCENT; none in instant mode). */
  txsSelectionMaxTimePercent?: number
  /** Seals blocks below this number only (a Clique chain moving to QBFT at it). */
  until?: bigint
  /** True while the node catches up with its peers: sealing on a stale head only makes forks. */
  syncing?: () => boolean
  logger: Logger
}

const SYNC_POLL_MS = 500
/**
 * Instant mode seals once transactions stop arriving for this long (at most INSTANT_MAX_WAIT_MS
 * after the first): a client's batch then lands in one block, not one block per transaction.
 */
const INSTANT_QUIET_MS = 3
const INSTANT_MAX_WAIT_MS = 30

/**
 * Decides when to seal; the chain decides how. Interval mode (period > 0) seals a block per
 * period, empty or not, as Clique does; instant mode (period 0) seals as soon as
 * transactions are pending and never seals an empty block.
 */
export class Sealer {
  private readonly options: SealerOptions
  private readonly logger: Logger
  private stopped = false
  private wake: (() => void) | undefined
  private loop: Promise<void> | undefined
  private unsubscribe: (() => void) | undefined

  constructor(options: SealerOptions) {
    this.options = options
    this.logger = options.logger
  }

  start(): void {
    const { chain, pool } = this.options
    const nudge = () => this.wake?.()
    chain.on('head', nudge)
    // Only instant mode reacts to new transactions; interval mode keeps its rhythm.
    const stopPending = this.options.period === 0 ? pool.onPending(nudge) : () => {}
    this.unsubscribe = () => {
      chain.off('head', nudge)
      stopPending()
    }
    this.loop = this.run()
    this.logger.info({ signer: bytesToHex(this.options.signer), period: this.options.period }, 'sealer started')
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.unsubscribe?.()
    this.wake?.()
    await this.loop
  }

  /** Sleeps until `ms` passed or something wakes the sealer (new head, new transaction). */
  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = done
    })
  }

  /** Waits until no transaction arrived for INSTANT_QUIET_MS, or INSTANT_MAX_WAIT_MS passed. */
  private async settle(): Promise<void> {
    const deadline = Date.now() + INSTANT_MAX_WAIT_MS
    let last = Date.now()
    const stop = this.options.pool.onPending(() => {
      last = Date.now()
    })
    try {
      while (!this.stopped && Date.now() < deadline && Date.now() - last < INSTANT_QUIET_MS) {
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    } finally {
      stop()
    }
  }

  private async run(): Promise<void> {
    const { chain, pool, producer, period } = this.options
    while (!this.stopped) {
      try {
        if (this.options.syncing?.() === true) {
          await this.sleep(SYNC_POLL_MS)
          continue
        }
        const parent = chain.head
        if (this.options.until !== undefined && parent.header.number + 1n >= this.options.until) {
          await this.sleep(undefined)
          continue
        }
        await pool.synced(parent)
        if (period === 0 && !pool.hasPending()) {
          await this.sleep(undefined)
          continue
        }
        if (period === 0) await this.settle()
        const plan = await producer.plan(parent.header, this.options.signer, Date.now())
        if ('refused' in plan) {
          this.logger.debug({ reason: plan.refused }, 'not sealing')
          await this.sleep(undefined)
          continue
        }
        if (plan.delayMs > 0) {
          await this.sleep(plan.delayMs)
          // Woken early by a new head (someone else sealed): plan again on it.
          if (this.stopped || chain.head !== parent) continue
          if (Date.now() < Number(plan.timestamp) * 1000) continue
        }
        const sealed = await chain.produceBlock({
          parent,
          plan,
          signer: this.options.signer,
          privateKey: this.options.privateKey,
          producer,
          source: timeLimitedSource(pool.executable(parent.header.calcNextBaseFee()), selectionBudgetMs(period, this.options.txsSelectionMaxTimePercent ?? DEFAULT_TXS_SELECTION_MAX_TIME_PERCENT)),
          requireTransactions: period === 0,
        })
        // Instant mode with nothing includable (e.g. fee caps under the base fee): wait for news.
        if (sealed === undefined && period === 0 && chain.head === parent) await this.sleep(undefined)
      } catch (error) {
        this.logger.error({ err: error }, 'sealing failed')
        await this.sleep(1000)
      }
    }
  }
}
