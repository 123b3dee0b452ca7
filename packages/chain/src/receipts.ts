import { RLP } from '@ethereumjs/rlp'
import { bigIntToBytes, bytesToBigInt } from '@ethereumjs/util'

/** An EVM log as the VM reports it: [address, topics, data]. */
export type RawLog = [Uint8Array, Uint8Array[], Uint8Array]

/**
 * What is stored per transaction; everything else in a receipt (gas used, blob gas, addresses)
 * is derived on read from the block. RLP [status, cumulativeGasUsed, logs] or, before Byzantium,
 * [status, cumulativeGasUsed, logs, root].
 */
export interface StoredReceipt {
  /** 1 before Byzantium, where a receipt has no status (EIP-658) but a post-state root. */
  status: 0 | 1
  /** The post-transaction state root of a pre-Byzantium receipt (32 bytes). */
  root?: Uint8Array
  cumulativeGasUsed: bigint
  logs: RawLog[]
}

export function encodeStoredReceipts(receipts: StoredReceipt[]): Uint8Array {
  return RLP.encode(
    receipts.map((r) => {
      const fields = [r.status === 1 ? Uint8Array.of(1) : new Uint8Array(), bigIntToBytes(r.cumulativeGasUsed), r.logs]
      return r.root === undefined ? fields : [...fields, r.root]
    }),
  )
}

export function decodeStoredReceipts(bytes: Uint8Array): StoredReceipt[] {
  const list = RLP.decode(bytes) as unknown as [Uint8Array, Uint8Array, RawLog[], Uint8Array?][]
  return list.map(([status, cumulative, logs, root]) => ({
    status: status.length === 0 ? 0 : 1,
    ...(root === undefined ? {} : { root }),
    cumulativeGasUsed: bytesToBigInt(cumulative),
    logs,
  }))
}
