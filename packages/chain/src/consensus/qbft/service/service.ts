// The QBFT validator service: runs one HeightManager for the block after the head, feeds it
// the consensus messages that arrive (authenticated and checked first), buffers messages of
// the next few heights, and moves to the next height whenever the head moves (a block this
// validator committed, or one that arrived by gossip or sync).
import type { Block } from '@ethereumjs/block'
import { hexToBytes } from '@ethereumjs/util'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { KeyValueStore } from '@busan/db'
import type { Chain } from '../../../chain.ts'
import type { HeadChange } from '../../../chain-types.ts'
import { DEFAULT_TXS_SELECTION_MAX_TIME_PERCENT, type PendingTransactions } from '../../../executor.ts'
import type { QbftEngine } from '../engine.ts'
import type { QbftVote } from '../extra-data.ts'
import { MessageFactory, decodeMessage, type QbftMessage } from '../messages.ts'
import { addressHex } from '../validators.ts'
import { EquivocationGuard } from './equivocation.ts'
import { HeightManager, MAX_FUTURE_ROUNDS } from './height.ts'
import { InvalidMessage } from './justification.ts'
import { QbftMetrics } from './metrics.ts'
import { SigningRecord } from './signing-record.ts'
import { unwrapMessage, wrapMessage, type ConsensusTransport, type MessageVerdict } from './transport.ts'

/** Messages for heights up to this far past the head are kept for later (Besu: futuremessagesmaxdistance). */
const FUTURE_HEIGHTS = 10
/** At most this many future messages are kept (Besu: futuremessageslimit). */
const FUTURE_LIMIT = 1000

export interface QbftServiceOptions {
  chain: Chain
  engine: QbftEngine
  pool: PendingTransactions
  transport: ConsensusTransport
  /** Where what this validator signed is recorded before it is sent. */
  kv: KeyValueStore
  signer: { address: Uint8Array; privateKey: Uint8Array }
  /** Share of the block period a proposal's transaction selection may take, in percent (default DEFAULT_TXS_SELECTION_MAX_TIME_PERCENT). */
  txsSelectionMaxTimePercent?: number
  logger: Logger
  metrics: Registry | null
}

export class QbftValidatorService {
  private readonly options: QbftServiceOptions
  private readonly logger: Logger
  private readonly metrics: QbftMetrics | null
  private readonly factory: MessageFactory
  private readonly record: SigningRecord
  private readonly self: string
  private readonly future = new Map<bigint, QbftMessage[]>()
  private readonly equivocations = new EquivocationGuard()
  private futureCount = 0
  private manager: HeightManager | undefined
  private queue: Promise<void> = Promise.resolve()
  private stopped = true
  private readonly cleanups: (() => void)[] = []
  /** Header votes this validator puts into the blocks it proposes: address -> add (qbft_proposeValidatorVote). */
  readonly votes = new Map<string, boolean>()

  constructor(options: QbftServiceOptions) {
    this.options = options
    this.logger = options.logger
    this.metrics = options.metrics === null ? null : new QbftMetrics(options.metrics)
    this.factory = new MessageFactory(options.signer.privateKey, options.signer.address)
    this.record = new SigningRecord(options.kv)
    this.self = addressHex(options.signer.address)
  }

  start(): void {
    this.stopped = false
    const onHead = (change: HeadChange) => this.newHeight(change.head.block)
    this.options.chain.on('head', onHead)
    this.cleanups.push(() => this.options.chain.off('head', onHead))
    this.cleanups.push(this.options.transport.onMessage((bytes) => this.receive(bytes)))
    this.newHeight(this.options.chain.head)
    this.logger.info({ validator: this.self }, 'QBFT validator started')
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    this.manager?.stop()
    await this.queue
  }

  /** Where consensus stands: height, round, proposer (for logs and RPC). */
  status(): Record<string, unknown> | undefined {
    return this.manager?.describe()
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => this.onFailure(error))
  }

  private onFailure(error: unknown): void {
    if (error instanceof InvalidMessage) {
      this.metrics?.rejected()
      this.logger.warn({ reason: error.message, ...this.manager?.describe() }, 'QBFT message dropped')
    } else this.logger.error({ err: error }, 'QBFT: handling a message or timer failed')
  }

  private newHeight(parent: Block): void {
    if (this.stopped) return
    const height = parent.header.number + 1n
    if (this.manager?.height === height) return
    this.manager?.stop()
    this.manager = undefined
    this.equivocations.prune(height)
    // Before QBFT's first block (a chain that starts on Clique) another engine produces blocks.
    if (height < this.options.engine.schedule.firstBlock) return
    const validators = this.options.engine.validatorsFor(parent.header)
    const isValidator = validators.includes(this.self)
    this.manager = new HeightManager({
      parent,
      validators,
      self: isValidator ? this.factory : undefined,
      engine: this.options.engine,
      chain: this.options.chain,
      pool: this.options.pool,
      txsSelectionMaxTimePercent: this.options.txsSelectionMaxTimePercent ?? DEFAULT_TXS_SELECTION_MAX_TIME_PERCENT,
      record: this.record,
      broadcast: (message) => this.options.transport.broadcast(wrapMessage(message)),
      enqueue: (task) => this.enqueue(task),
      vote: () => this.pendingVote(validators),
      logger: this.logger,
      metrics: this.metrics,
    })
    this.manager.start()
    for (const stale of [...this.future.keys()].filter((h) => h <= height)) {
      const messages = this.future.get(stale)!
      this.future.delete(stale)
      this.futureCount -= messages.length
      if (stale === height) for (const message of messages) this.dispatch(message)
    }
  }

  private dispatch(message: QbftMessage): void {
    const manager = this.manager
    this.enqueue(async () => {
      if (manager !== undefined && manager === this.manager) await manager.handle(message)
    })
  }

  /**
   * Quick checks decide whether a message is relayed: it decodes, every signature in it is
   * valid, it is for the next height (or one of the few after it, then kept for later) and
   * its author is a validator. Its full handling follows in the queue.
   */
  private async receive(bytes: Uint8Array): Promise<MessageVerdict> {
    const unwrapped = unwrapMessage(bytes)
    if (unwrapped === undefined) return this.reject('unknown message code')
    let message: QbftMessage
    try {
      message = decodeMessage(unwrapped.type, unwrapped.rlp)
    } catch (error) {
      return this.reject((error as Error).message)
    }
    const { height, round } = message.signed.payload
    const next = this.options.chain.head.header.number + 1n
    if (height < next) return 'ignore'
    const author = addressHex(message.signed.author)
    if (author === this.self) return 'ignore'
    const validators = this.options.engine.validatorsFor(this.options.chain.head.header)
    if (!validators.includes(author)) return height === next ? this.reject(`from ${author}, not a validator`) : 'ignore'
    if (round > MAX_FUTURE_ROUNDS * 4) return this.reject(`round ${round} is absurdly far ahead`)
    if (height > next + BigInt(FUTURE_HEIGHTS)) return this.reject(`height ${height} is too far ahead of ${next}`)
    const seen = this.equivocations.check(message)
    if (seen === 'repeat') return 'ignore'
    if (seen === 'equivocation') {
      this.logger.warn({ validator: author, height: Number(height), round, type: message.type }, 'QBFT equivocation: a validator signed two different messages for one round; its messages at this height are ignored')
      return this.reject(`equivocation by ${author}`)
    }
    if (height > next) {
      if (this.futureCount >= FUTURE_LIMIT) return 'ignore'
      const kept = this.future.get(height) ?? []
      kept.push(message)
      this.future.set(height, kept)
      this.futureCount++
      return 'accept'
    }
    this.dispatch(message)
    return 'accept'
  }

  private reject(reason: string): MessageVerdict {
    this.metrics?.rejected()
    this.logger.debug({ reason }, 'QBFT message rejected')
    return 'reject'
  }

  /** The first pending vote that would change the validator set (a non-validator to add, a validator to drop). */
  private pendingVote(validators: string[]): QbftVote | undefined {
    for (const [address, add] of this.votes) {
      if (validators.includes(address) !== add) return { recipient: hexToBytes(address as `0x${string}`), add }
    }
    return undefined
  }
}
