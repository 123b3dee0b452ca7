// Public types of the transaction pool. The pool's only view of the chain is the narrow
// PoolStateReader/HeadContext seam below, so the composition root can back it with the
// real state and tests with a plain Map.
import type { TypedTransaction } from '@ethereumjs/tx'

/** An account as the pool needs it: a missing account reads as nonce 0, balance 0. */
export interface PoolAccount {
  nonce: bigint
  balance: bigint
}

/** Read access to the state at the current head. */
export interface PoolStateReader {
  getAccount(address: Uint8Array): Promise<PoolAccount>
}

export interface HeadContext {
  /** Base fee of the NEXT block (the one the pool's transactions compete for). */
  baseFee: bigint
  /** Block gas limit. */
  gasLimit: bigint
}

/** A transaction held by the pool. Treat every field as read-only. */
export interface PooledTransaction {
  readonly tx: TypedTransaction
  /** Canonical encoding (EIP-2718 envelope for typed transactions): what blocks carry. */
  readonly raw: Uint8Array
  /**
   * A blob transaction's network form (EIP-4844, EIP-7594): the transaction with its blobs,
   * KZG commitments and proofs, which peers need to check it. Undefined for other types.
   */
  readonly networkRaw?: Uint8Array
  readonly hash: Uint8Array
  /** Lowercase 0x-prefixed hash. */
  readonly hashHex: string
  readonly sender: Uint8Array
  /** Lowercase 0x-prefixed sender address. */
  readonly senderHex: string
  readonly nonce: bigint
  /** `Date.now()` when the pool accepted the transaction. */
  readonly addedAt: number
  /** Submitted through this node (`addRaw(raw, { local: true })`). */
  readonly local: boolean
}

/**
 * Iterates executable transactions for block building: the best effective tip first across
 * senders, nonce order within a sender (geth's TransactionsByPriceAndNonce).
 */
export interface TransactionCursor {
  /** Next transaction, or undefined when none are left. */
  next(): PooledTransaction | undefined
  /**
   * Drops the remaining transactions of the sender of the transaction last returned by
   * `next()` (e.g. it failed to execute, so its later nonces cannot run either).
   */
  skipSender(): void
}

export interface TxPoolStatus {
  pending: number
  queued: number
}

/** Keyed by lowercase 0x sender address, then nonce (each inner map in nonce order). */
export interface TxPoolContent {
  pending: Map<string, Map<bigint, PooledTransaction>>
  queued: Map<string, Map<bigint, PooledTransaction>>
}

/**
 * Why a transaction left the pool without being mined (the second argument of the
 * 'dropped' event). Mined transactions leave silently: the new block announces them.
 * - replaced: a same-nonce transaction paying the price bump took its place
 * - evicted: the pool was full and a better-paying transaction took its slot, or (queued
 *   ones) an executable transaction did
 * - unaffordable: after a new head its cost exceeds the sender's balance
 * - gas-limit: after a new head its gas limit exceeds the block gas limit
 * - queue-overflow: the global queued limit was exceeded after demotions
 * - expired: queued for longer than the pool's lifetime (geth's `--txpool.lifetime`)
 */
export type DropReason = 'replaced' | 'evicted' | 'unaffordable' | 'gas-limit' | 'queue-overflow' | 'expired'

/** Events of `TxPool.events`. */
export interface TxPoolEventMap {
  /** A transaction became executable (added as pending, promoted, or a pending replacement). */
  pending: [tx: PooledTransaction]
  dropped: [tx: PooledTransaction, reason: DropReason]
  /** A transaction submitted through this node (`addRaw(raw, { local: true })`) entered the pool. */
  local: [tx: PooledTransaction]
}
