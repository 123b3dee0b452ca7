import { RLP } from '@ethereumjs/rlp'
import { bigIntToBytes, bytesToBigInt } from '@ethereumjs/util'

/** An EVM log as the VM reports it: [address, topics, data]. */
export type RawLog = [Uint8Array, Uint8Array[], Uint8Array]

/** What is stored per transaction; everything else in a receipt is derived on read. */
export interface StoredReceipt {
  status: 0 | 1
  cumulativeGasUsed: bigint
  logs: RawLog[]
}

export function encodeStoredReceipts(receipts: StoredReceipt[]): Uint8Array {
  return RLP.encode(receipts.map((r) => [r.status === 1 ? Uint8Array.of(1) : new Uint8Array(), bigIntToBytes(r.cumulativeGasUsed), r.logs]))
}

export function decodeStoredReceipts(bytes: Uint8Array): StoredReceipt[] {
  const list = RLP.decode(bytes) as unknown as [Uint8Array, Uint8Array, RawLog[]][]
  return list.map(([status, cumulative, logs]) => ({
    status: status.length === 0 ? 0 : 1,
    cumulativeGasUsed: bytesToBigInt(cumulative),
    logs,
  }))
}
