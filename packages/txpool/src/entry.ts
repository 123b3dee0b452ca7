// What the pool keeps per transaction and per sender.
import type { TypedTransaction } from '@ethereumjs/tx'
import type { HeapSlot } from './heap.ts'
import type { PoolAccount, PooledTransaction } from './interface.ts'
import { effectiveTip, type Priced } from './ordering.ts'

/** A transaction with its identity, as decoding or inspection produced it. */
export type Identified = Pick<PooledTransaction, 'tx' | 'raw' | 'networkRaw' | 'hash' | 'hashHex' | 'sender' | 'senderHex'>

export class PoolEntry implements PooledTransaction, Priced, HeapSlot {
  readonly tx: TypedTransaction
  readonly raw: Uint8Array
  readonly networkRaw: Uint8Array | undefined
  readonly hash: Uint8Array
  readonly hashHex: string
  readonly sender: Uint8Array
  readonly senderHex: string
  readonly nonce: bigint
  readonly addedAt: number
  /** Arrival order; breaks ties between equal tips (earlier first, as geth's time). */
  readonly seq: number
  readonly gasLimit: bigint
  readonly feeCap: bigint
  readonly tipCap: bigint
  /** gasLimit * feeCap + value (+ blob gas * blob fee cap), geth's tx.Cost(). */
  readonly cost: bigint
  /** Submitted through this node (journaled and rebroadcast; no privileges in the pool). */
  readonly local: boolean
  /** Effective tip at the pool's next base fee: the eviction order. */
  evictTip: bigint
  pending = false
  removed = false
  heapIndex = -1

  constructor(fields: Identified, seq: number, price: { feeCap: bigint; tipCap: bigint; baseFee: bigint; local: boolean }) {
    this.tx = fields.tx
    this.raw = fields.raw
    this.networkRaw = fields.networkRaw
    this.hash = fields.hash
    this.hashHex = fields.hashHex
    this.sender = fields.sender
    this.senderHex = fields.senderHex
    this.nonce = fields.tx.nonce
    this.addedAt = Date.now()
    this.seq = seq
    this.gasLimit = fields.tx.gasLimit
    this.feeCap = price.feeCap
    this.tipCap = price.tipCap
    this.local = price.local
    this.cost = fields.tx.gasLimit * price.feeCap + fields.tx.value + blobCost(fields.tx)
    this.evictTip = effectiveTip(price.tipCap, price.feeCap, price.baseFee)
  }
}

/** What a blob transaction may pay for its blobs at most (EIP-4844: blob gas times its blob fee cap); 0 for other types. */
function blobCost(tx: TypedTransaction): bigint {
  const blob = tx as TypedTransaction & { blobVersionedHashes?: Uint8Array[]; maxFeePerBlobGas?: bigint }
  if (blob.blobVersionedHashes === undefined || blob.maxFeePerBlobGas === undefined) return 0n
  return BigInt(blob.blobVersionedHashes.length) * tx.common.param('blobGasPerBlob') * blob.maxFeePerBlobGas
}

export class SenderState {
  readonly address: Uint8Array
  readonly hex: string
  /** Account nonce at the head of `epoch`; no transaction below it stays in the pool. */
  nonce: bigint
  balance: bigint
  epoch: number
  readonly txs = new Map<bigint, PoolEntry>()
  /** Pending transactions are exactly the nonces in [nonce, pendingEnd). */
  pendingEnd: bigint
  queued = 0
  /** Sum of `cost` over txs (geth's ExistingExpenditure). */
  spent = 0n
  /**
   * geth's heartbeat (`beats`): `Date.now()` when the sender's queue last went from empty to
   * non-empty or one of its transactions last became pending. Its queued transactions expire
   * `lifetime` after it.
   */
  heartbeat = Date.now()

  constructor(address: Uint8Array, hex: string, account: PoolAccount, epoch: number) {
    this.address = address
    this.hex = hex
    this.nonce = account.nonce
    this.balance = account.balance
    this.epoch = epoch
    this.pendingEnd = account.nonce
  }

  get pendingCount(): number {
    return Number(this.pendingEnd - this.nonce)
  }
}
