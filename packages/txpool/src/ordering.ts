// Price ordering of pooled transactions: the effective tip a transaction pays at a base fee,
// and the order in which the pool gives transactions up when it is full.
import type { TypedTransaction } from '@ethereumjs/tx'

/** What the transaction pays the sealer per gas at `baseFee` (negative when it cannot pay the base fee). */
export function effectiveTip(tipCap: bigint, feeCap: bigint, baseFee: bigint): bigint {
  const headroom = feeCap - baseFee
  return tipCap < headroom ? tipCap : headroom
}

/** maxFeePerGas and maxPriorityFeePerGas; both are the gas price for legacy and EIP-2930 transactions. */
export function feeCaps(tx: TypedTransaction): { feeCap: bigint; tipCap: bigint } {
  if ('maxFeePerGas' in tx) return { feeCap: tx.maxFeePerGas, tipCap: tx.maxPriorityFeePerGas }
  return { feeCap: tx.gasPrice, tipCap: tx.gasPrice }
}

/** The price fields the eviction order compares. */
export interface Priced {
  /** Effective tip at the pool's next base fee. */
  evictTip: bigint
  feeCap: bigint
  tipCap: bigint
  nonce: bigint
  /** Arrival order. */
  seq: number
}

/** Cheaper first: the order in which the pool gives transactions up when full. */
export function cheaper(a: Priced, b: Priced): boolean {
  if (a.evictTip !== b.evictTip) return a.evictTip < b.evictTip
  if (a.feeCap !== b.feeCap) return a.feeCap < b.feeCap
  if (a.tipCap !== b.tipCap) return a.tipCap < b.tipCap
  if (a.nonce !== b.nonce) return a.nonce > b.nonce
  return a.seq > b.seq
}

/** True when `a` outbids `b` (price fields only). */
export function outbids(a: Priced, b: Priced): boolean {
  if (a.evictTip !== b.evictTip) return a.evictTip > b.evictTip
  if (a.feeCap !== b.feeCap) return a.feeCap > b.feeCap
  return a.tipCap > b.tipCap
}
