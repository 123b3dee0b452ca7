// The transaction pool's public API: geth's legacypool semantics (pending = executable from
// the state nonce without gaps, queued = future nonces). The parts, after reth's layout:
// validation (validate.ts, decode.ts), ordering (ordering.ts, cursor.ts), the pending and
// queued sub-pools (sub-pools.ts), the state at the head (head-state.ts) and maintenance on
// new heads (maintain.ts). Time-driven work (the lifetime sweep) is the caller's: the pool
// has no timers of its own.
//
// Concurrency: the only await in an add is the account read. Everything that checks and
// changes the pool after it runs synchronously, so concurrent adds cannot interleave
// half-way. Events are emitted only once the pool is consistent again.
import { EventEmitter } from 'node:events'
import type { Common } from '@ethereumjs/common'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { priceNonceCursor } from './cursor.ts'
import { createDecodeContext, decodeRaw, identifyRaw, inspectTransaction, recoverSender, toHex, type DecodeContext } from './decode.ts'
import type { Identified } from './entry.ts'
import { BLOB_TX_TYPE, canonicalBlobTx, type BlobVerifier } from './blob.ts'
import { TXPOOL_ERROR_CODE, TxPoolError, TxPoolErrorReason as R } from './errors.ts'
import { HeadState } from './head-state.ts'
import type { HeadContext, PoolAccount, PooledTransaction, PoolStateReader, TransactionCursor, TxPoolContent, TxPoolEventMap, TxPoolStatus } from './interface.ts'
import { resetToHead } from './maintain.ts'
import { PoolMetrics } from './metrics.ts'
import { resolveTxPoolOptions, type TxPoolOptions } from './options.ts'
import { feeCaps } from './ordering.ts'
import { SenderCache, type SenderRecovery } from './sender-cache.ts'
import { SubPools } from './sub-pools.ts'
import { checkGasLimit, checkStateless } from './validate.ts'

export interface TxPoolInit {
  common: Common
  /** State at the current head. */
  state: PoolStateReader
  head: HeadContext
  options?: Partial<TxPoolOptions>
  logger: Logger
  /** Registry for the pool's metrics; null for none. */
  metrics: Registry | null
  /** Checks blob transactions' sidecars (KZG); without one the pool refuses type 3. */
  blobVerifier?: BlobVerifier
  /** Recovers a batch's senders on another thread (`cacheSenders`); without one, every sender is recovered at admission. */
  senderRecovery?: SenderRecovery
}

/** Public keys recovered ahead that may wait for their transactions: five full JSON-RPC batches of 1,000. */
const SENDER_CACHE_CAPACITY = 5_000

export class TxPool {
  /** 'pending' (tx) when a transaction becomes executable; 'dropped' (tx, reason). */
  readonly events = new EventEmitter<TxPoolEventMap>()
  readonly options: Readonly<TxPoolOptions>

  private readonly decodeContext: DecodeContext
  private readonly floorActive: boolean
  /** EIP-7825's per-transaction gas cap (Osaka), undefined before it. */
  private readonly txGasCap: bigint | undefined
  private readonly logger: Logger
  private readonly metrics: PoolMetrics | null
  private readonly head: HeadState
  private readonly pools: SubPools
  private readonly blobVerifier: BlobVerifier | undefined
  private readonly senderRecovery: SenderRecovery | undefined
  private readonly recoveredSenders = new SenderCache(SENDER_CACHE_CAPACITY)
  private headUpdate: Promise<void> = Promise.resolve()

  constructor(init: TxPoolInit) {
    this.options = Object.freeze(resolveTxPoolOptions(init.options))
    this.head = new HeadState(init.state, init.head)
    this.logger = init.logger.child({ module: 'txpool' })
    this.decodeContext = createDecodeContext(init.common, this.options)
    this.floorActive = init.common.isActivatedEIP(7623)
    this.txGasCap = init.common.isActivatedEIP(7825) ? init.common.param('maxTransactionGasLimit') : undefined
    this.metrics = init.metrics === null ? null : new PoolMetrics(init.metrics, () => this.status())
    this.pools = new SubPools(this.options, this.head, this.metrics)
    this.blobVerifier = init.blobVerifier
    this.senderRecovery = init.senderRecovery
  }

  /**
   * Recovers the senders of transactions about to be added with addRaw (a batch's) on the
   * pool's `senderRecovery` thread, so their admission skips the recovery. Only an
   * optimisation: resolves (never rejects) once done, or at once without a recovery thread or
   * for a single transaction (the hand-off would cost more than the recovery).
   */
  async cacheSenders(raws: Uint8Array[]): Promise<void> {
    if (this.senderRecovery === undefined || raws.length < 2) return
    try {
      this.recoveredSenders.add(await this.senderRecovery(raws))
    } catch (err) {
      this.logger.warn({ err }, 'sender recovery thread failed; senders are recovered at admission')
    }
  }

  /**
   * Decodes, validates and adds a signed raw transaction (a blob transaction in its network
   * form). `local` marks one submitted through this node (eth_sendRawTransaction): it is
   * announced with a 'local' event (journal, rebroadcast) but has no privileges in the pool.
   * Throws TxPoolError.
   */
  async addRaw(raw: Uint8Array, origin: { local?: boolean } = {}): Promise<PooledTransaction> {
    let hashHex: string | undefined
    try {
      const networkRaw = raw[0] === BLOB_TX_TYPE ? this.blobNetworkForm(raw) : undefined
      const id = identifyRaw(networkRaw === undefined ? raw : canonicalBlobTx(networkRaw), this.decodeContext)
      hashHex = id.hashHex
      if (this.pools.byHash.has(id.hashHex)) throw new TxPoolError(R.AlreadyKnown)
      const decoded = decodeRaw(id.raw, id.hash, id.hashHex, this.decodeContext)
      checkGasLimit(decoded.tx, this.head.head, this.txGasCap)
      const recovered = this.recoveredSenders.take(id.hashHex)
      if (recovered !== undefined) this.metrics?.recoveredAhead.inc()
      const sender = recoverSender(decoded, recovered)
      // The costly KZG check last, once everything cheap has passed.
      if (networkRaw !== undefined) await this.verifySidecar(networkRaw)
      const fields: Identified = { tx: decoded.tx, raw: decoded.raw, networkRaw, hash: decoded.hash, hashHex: decoded.hashHex, sender, senderHex: toHex(sender) }
      return await this.admit(fields, false, origin.local === true)
    } catch (error) {
      this.rejected(error, hashHex)
      throw error
    }
  }

  /** Validates and adds a signed transaction object. Throws TxPoolError. */
  async add(tx: TypedTransaction): Promise<PooledTransaction> {
    return this.addTransaction(tx, false)
  }

  /** The pooled transaction with this 0x hash (any case), pending or queued. */
  get(hashHex: string): PooledTransaction | undefined {
    return this.pools.byHash.get(hashHex.toLowerCase())
  }

  /** Next nonce for `address`: the account nonce plus its contiguous pending transactions. */
  async pendingNonce(address: Uint8Array): Promise<bigint> {
    const hex = toHex(address)
    const known = this.pools.senders.get(hex)
    if (known !== undefined && known.epoch === this.head.epoch) return known.pendingEnd
    const account = await this.head.account(address, hex)
    const sender = this.pools.senders.get(hex)
    if (sender !== undefined && sender.epoch !== this.head.epoch) {
      this.pools.resetSender(sender, account)
      this.flush()
    }
    return this.pools.senders.get(hex)?.pendingEnd ?? account.nonce
  }

  /** Transactions submitted through this node still in the pool, per sender in nonce order. */
  locals(): PooledTransaction[] {
    return this.pools.locals()
  }

  status(): TxPoolStatus {
    return { pending: this.pools.pendingTotal, queued: this.pools.queuedTotal }
  }

  content(): TxPoolContent {
    return this.pools.content()
  }

  /**
   * Executable transactions for a block with `baseFee`: best effective tip first across
   * senders, nonce order within a sender; a sender's run stops at its first transaction
   * with maxFeePerGas below `baseFee`. The cursor follows the pool live (a transaction
   * removed meanwhile is not returned).
   */
  executable(baseFee: bigint): TransactionCursor {
    return priceNonceCursor(this.pools.senders.values(), baseFee)
  }

  /**
   * Moves the pool to a new head: drops mined transactions (nonce below the account nonce)
   * and those the sender can no longer afford or that exceed the block gas limit, demotes
   * pending transactions left behind a gap, promotes queued ones that became contiguous.
   * Calls are applied one after the other.
   */
  onNewHead(state: PoolStateReader, head: HeadContext): Promise<void> {
    const run = this.headUpdate.then(() => this.applyHead(state, head))
    this.headUpdate = run.catch(() => undefined)
    return run
  }

  /** Puts back the transactions of blocks a reorg dropped; failures are ignored. */
  async readd(txs: TypedTransaction[]): Promise<void> {
    await this.headUpdate
    for (const tx of txs) {
      try {
        await this.addTransaction(tx, true)
      } catch {
        // Already known, mined on the new chain, or no longer valid: nothing to put back.
      }
    }
  }

  /**
   * geth's lifetime eviction: drops the queued (future-nonce) transactions of every sender
   * with no transaction promoted to pending for `options.lifetimeMs` before `now` (ms since
   * the epoch). Returns how many were dropped ('dropped' events with reason 'expired').
   */
  expireQueued(now = Date.now()): number {
    let expired: number
    try {
      expired = this.pools.expireQueued(now, this.options.lifetimeMs)
    } finally {
      this.flush()
    }
    if (expired > 0) this.logger.info({ expired, lifetimeSeconds: this.options.lifetimeMs / 1000 }, 'queued transactions expired')
    return expired
  }

  // ---------------------------------------------------------------------------------------

  /** Own copy of a blob transaction's network form, within the size bound; refused when the pool takes no blobs. */
  private blobNetworkForm(raw: Uint8Array): Uint8Array {
    if (this.blobVerifier === undefined) throw new TxPoolError(R.TxTypeNotSupported, 'blob transactions are not accepted')
    if (raw.length > this.options.maxBlobTxSize) throw new TxPoolError(R.OversizedData, `blob transaction size ${raw.length}, limit ${this.options.maxBlobTxSize}`)
    return raw.slice()
  }

  private async verifySidecar(networkRaw: Uint8Array): Promise<void> {
    try {
      await this.blobVerifier!.verify(networkRaw)
    } catch (error) {
      // A busy verifier (the node's -32005) is not the transaction's fault: passed on as it is.
      if (typeof (error as { code?: unknown }).code === 'number' && (error as { code: number }).code !== TXPOOL_ERROR_CODE) throw error
      throw new TxPoolError(R.InvalidBlobSidecar, error instanceof Error ? error.message : String(error))
    }
  }

  private async addTransaction(tx: TypedTransaction, reorg: boolean): Promise<PooledTransaction> {
    let hashHex: string | undefined
    try {
      const id = inspectTransaction(tx, this.decodeContext, reorg || this.options.allowUnprotected)
      hashHex = id.hashHex
      if (this.pools.byHash.has(id.hashHex)) throw new TxPoolError(R.AlreadyKnown)
      checkGasLimit(tx, this.head.head, this.txGasCap)
      const { feeCap, tipCap } = feeCaps(tx)
      if (tipCap > feeCap) throw new TxPoolError(R.TipAboveFeeCap, `maxPriorityFeePerGas: ${tipCap}, maxFeePerGas: ${feeCap}`)
      return await this.admit({ tx, raw: id.raw, hash: id.hash, hashHex: id.hashHex, sender: id.sender, senderHex: toHex(id.sender) }, reorg, false)
    } catch (error) {
      this.rejected(error, hashHex)
      throw error
    }
  }

  /** The checks that need no state, then the account, then the sub-pools. */
  private async admit(fields: Identified, reorg: boolean, local: boolean): Promise<PooledTransaction> {
    const caps = feeCaps(fields.tx)
    checkStateless(fields.tx, caps, { options: this.options, head: this.head.head, floorActive: this.floorActive, reorg })
    const known = this.pools.senders.get(fields.senderHex)
    let account: PoolAccount
    if (known !== undefined && known.epoch === this.head.epoch) account = known
    else account = this.head.cached(fields.senderHex) ?? (await this.head.account(fields.sender, fields.senderHex))
    let entry: PooledTransaction
    try {
      entry = this.pools.insert(fields, caps.feeCap, caps.tipCap, account, local)
    } finally {
      this.flush()
    }
    if (local) this.safely(() => this.events.emit('local', entry))
    return entry
  }

  private async applyHead(state: PoolStateReader, head: HeadContext): Promise<void> {
    try {
      await resetToHead(this.pools, this.head, state, head)
    } finally {
      this.flush()
    }
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ pending: this.pools.pendingTotal, queued: this.pools.queuedTotal, senders: this.pools.senders.size }, 'txpool reset to new head')
  }

  /** Emits queued events once the pool is consistent again. */
  private flush(): void {
    for (const event of this.pools.takeEvents()) {
      if (event.kind === 'pending') this.safely(() => this.events.emit('pending', event.entry))
      else this.safely(() => this.events.emit('dropped', event.entry, event.reason))
    }
  }

  /** A listener's failure is the listener's: the pool stays consistent and goes on. */
  private safely(emit: () => void): void {
    try {
      emit()
    } catch (error) {
      this.logger.error({ err: error }, 'txpool event listener threw')
    }
  }

  private rejected(error: unknown, hashHex: string | undefined): void {
    if (error instanceof TxPoolError) {
      this.metrics?.rejected.labels(error.reason).inc()
      if (this.logger.isLevelEnabled('debug')) this.logger.debug({ hash: hashHex, reason: error.reason, err: error.message }, 'transaction rejected')
    } else {
      this.logger.warn({ hash: hashHex, err: error }, 'transaction add failed')
    }
  }
}
