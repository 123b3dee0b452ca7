// Pool limits and price rules. Defaults follow geth's legacypool where it has an equivalent
// and are sized for a single busy PoA node otherwise.
export interface TxPoolOptions {
  /** Largest encoded transaction accepted, in bytes (geth: txMaxSize, 128 KiB). */
  maxTxSize: number
  /**
   * Largest blob transaction in its network form, in bytes: 1 MiB, room for the 6 blobs
   * EIP-7594 allows a transaction (131,072 bytes each, with a commitment and 128 cell proofs).
   */
  maxBlobTxSize: number
  /**
   * Smallest maxPriorityFeePerGas (gasPrice for legacy) accepted, in wei. Default 1 wei,
   * like geth's `--txpool.pricelimit` default: zero-tip transactions earn the sealer nothing.
   */
  minTip: bigint
  /** Percentage both fee caps must rise by to replace a same-nonce transaction (geth: 10). */
  priceBump: bigint
  /** Executable transactions per sender. */
  maxPendingPerSender: number
  /**
   * Future (gapped) transactions per sender; a nonce more than this far above the sender's
   * pending nonce is rejected as "nonce too high" (geth: AccountQueue 64).
   */
  maxQueuedPerSender: number
  /** Executable transactions in the pool. */
  maxPending: number
  /**
   * Future transactions in the pool (geth: GlobalQueue 1024). Larger here: clients that send
   * several JSON-RPC batches at once have their later nonces arrive first, queued until the
   * earlier batch lands; at 1024 a 4 x 200 batch load overflowed it.
   */
  maxQueued: number
  /**
   * Accept legacy transactions without EIP-155 replay protection through addRaw/add.
   * geth's `--rpc.allow-unprotected-txs`; off by default. Re-added reorg transactions are
   * always accepted.
   */
  allowUnprotected: boolean
  /**
   * How long a sender's queued (future-nonce) transactions stay without any of its
   * transactions becoming pending, in ms (geth's `--txpool.lifetime`, 3 h). `expireQueued`
   * drops them after it, so one burst of gapped transactions cannot fill the queue for good.
   */
  lifetimeMs: number
}

export const defaultTxPoolOptions: Readonly<TxPoolOptions> = Object.freeze({
  maxTxSize: 128 * 1024,
  maxBlobTxSize: 1024 * 1024,
  minTip: 1n,
  priceBump: 10n,
  maxPendingPerSender: 1024,
  maxQueuedPerSender: 64,
  maxPending: 10_000,
  maxQueued: 4096,
  allowUnprotected: false,
  lifetimeMs: 3 * 60 * 60 * 1000,
})

export function resolveTxPoolOptions(options: Partial<TxPoolOptions> | undefined): TxPoolOptions {
  const resolved: TxPoolOptions = { ...defaultTxPoolOptions, ...options }
  const positive = ['maxTxSize', 'maxBlobTxSize', 'maxPendingPerSender', 'maxQueuedPerSender', 'maxPending', 'maxQueued', 'lifetimeMs'] as const
  for (const key of positive) {
    const value = resolved[key]
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`txpool option ${key} must be a positive integer, got ${value}`)
  }
  if (typeof resolved.minTip !== 'bigint' || resolved.minTip < 0n) throw new RangeError('txpool option minTip must be a non-negative bigint')
  if (typeof resolved.priceBump !== 'bigint' || resolved.priceBump < 0n) throw new RangeError('txpool option priceBump must be a non-negative bigint')
  return resolved
}
