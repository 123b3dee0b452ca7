// Protocol identifiers and the wire format of every request/response message. All
// messages are RLP; decoders are strict (exact shape, bounded integer sizes) and throw a
// MalformedMessageError that the caller turns into a penalty for the sending peer.
import { RLP } from '@ethereumjs/rlp'
import { bigIntToUnpaddedBytes, bytesToBigInt } from '@ethereumjs/util'

export interface Protocols {
  status: string
  blocksByRange: string
  /** One-way: hashes of pooled transactions the sender has (eth/68 NewPooledTransactionHashes). */
  pooledTransactionHashes: string
  /** Request/response: the raw transactions for hashes (eth/68 GetPooledTransactions). */
  pooledTransactions: string
  blocksTopic: string
  /** Gossip topic of transactions, in batches (encodeTransactionBatch). */
  transactionsTopic: string
  /** Gossip topic of the peer exchange (each node's id and addresses). */
  peersTopic: string
  /** Gossip topic of BFT consensus messages (QBFT: code byte + RLP), joined by validators only. */
  consensusTopic: string
}

export function protocols(chainId: bigint): Protocols {
  return {
    status: `/busan/${chainId}/status/1`,
    blocksByRange: `/busan/${chainId}/blocks-by-range/1`,
    pooledTransactionHashes: `/busan/${chainId}/pooled-transaction-hashes/1`,
    pooledTransactions: `/busan/${chainId}/pooled-transactions/1`,
    blocksTopic: `/busan/${chainId}/blocks/1`,
    // Version 2: a message is a batch of transactions (version 1 carried one).
    transactionsTopic: `/busan/${chainId}/transactions/2`,
    peersTopic: `/busan/${chainId}/peers/1`,
    consensusTopic: `/busan/${chainId}/consensus/1`,
  }
}

/** Largest encoded status message (5 fields, the widest 32 bytes). */
export const MAX_STATUS_BYTES = 256
/** Largest encoded blocks-by-range request. */
export const MAX_RANGE_REQUEST_BYTES = 32
/** Hashes in one announcement (geth's limit for NewPooledTransactionHashes). */
export const MAX_ANNOUNCED_HASHES = 4096
/** Hashes in one pooled-transactions request (geth's maxTxRetrievals). */
export const MAX_REQUESTED_HASHES = 256

/** Largest encoded list of `count` hashes (33 bytes each plus the list header). */
export function maxHashListBytes(count: number): number {
  return count * 33 + 9
}

export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MalformedMessageError'
  }
}

export interface StatusMessage {
  chainId: bigint
  genesisHash: Uint8Array
  headNumber: bigint
  headHash: Uint8Array
  totalDifficulty: bigint
}

/** status: rlp([chainId, genesisHash(32), headNumber, headHash(32), totalDifficulty]) */
export function encodeStatus(status: StatusMessage): Uint8Array {
  return RLP.encode([
    bigIntToUnpaddedBytes(status.chainId),
    status.genesisHash,
    bigIntToUnpaddedBytes(status.headNumber),
    status.headHash,
    bigIntToUnpaddedBytes(status.totalDifficulty),
  ])
}

export function decodeStatus(data: Uint8Array): StatusMessage {
  if (data.length > MAX_STATUS_BYTES) throw new MalformedMessageError(`status of ${data.length} bytes`)
  const fields = decodeList(data, 5, 'status')
  return {
    chainId: decodeUint(fields[0], 8, 'chainId'),
    genesisHash: decodeHash(fields[1], 'genesisHash'),
    headNumber: decodeUint(fields[2], 8, 'headNumber'),
    headHash: decodeHash(fields[3], 'headHash'),
    totalDifficulty: decodeUint(fields[4], 32, 'totalDifficulty'),
  }
}

export interface RangeRequest {
  start: bigint
  count: number
}

/** blocks-by-range request: rlp([startNumber, count]); the response is one length-prefixed block RLP per block. */
export function encodeRangeRequest(request: RangeRequest): Uint8Array {
  return RLP.encode([bigIntToUnpaddedBytes(request.start), bigIntToUnpaddedBytes(BigInt(request.count))])
}

export function decodeRangeRequest(data: Uint8Array, maxCount: number): RangeRequest {
  if (data.length > MAX_RANGE_REQUEST_BYTES) throw new MalformedMessageError(`range request of ${data.length} bytes`)
  const fields = decodeList(data, 2, 'range request')
  const start = decodeUint(fields[0], 8, 'start')
  const count = decodeUint(fields[1], 4, 'count')
  if (count < 1n || count > BigInt(maxCount)) throw new MalformedMessageError(`range request count ${count} outside 1..${maxCount}`)
  return { start, count: Number(count) }
}

/** A list of transaction hashes (announcement or request): rlp([hash(32), ...]). */
export function encodeHashes(hashes: Uint8Array[]): Uint8Array {
  return RLP.encode(hashes)
}

/** Decodes a list of 1..`max` 32-byte hashes. */
export function decodeHashes(data: Uint8Array, max: number): Uint8Array[] {
  if (data.length > maxHashListBytes(max)) throw new MalformedMessageError(`hash list of ${data.length} bytes`)
  let decoded: Uint8Array | unknown[]
  try {
    decoded = RLP.decode(data) as Uint8Array | unknown[]
  } catch (error) {
    throw new MalformedMessageError(`hash list: ${(error as Error).message}`)
  }
  if (!Array.isArray(decoded) || decoded.length === 0 || decoded.length > max) throw new MalformedMessageError(`hash list: expected 1..${max} hashes`)
  return decoded.map((item) => {
    if (!(item instanceof Uint8Array)) throw new MalformedMessageError('hash list: expected byte strings')
    return decodeHash(item, 'transaction hash')
  })
}

/** Transactions in one gossiped batch, at most (geth's eth/68 Transactions messages are bounded by bytes only). */
export const MAX_BATCH_TRANSACTIONS = 1024

/** A batch of signed transactions for the transactions topic: rlp([envelope, ...]), each EIP-2718 bytes as a byte string. */
export function encodeTransactionBatch(raws: Uint8Array[]): Uint8Array {
  return RLP.encode(raws)
}

/** Decodes a batch of 1..MAX_BATCH_TRANSACTIONS non-empty byte strings (the transactions are checked by the pool). */
export function decodeTransactionBatch(data: Uint8Array): Uint8Array[] {
  let decoded: Uint8Array | unknown[]
  try {
    decoded = RLP.decode(data) as Uint8Array | unknown[]
  } catch (error) {
    throw new MalformedMessageError(`transaction batch: ${(error as Error).message}`)
  }
  if (!Array.isArray(decoded) || decoded.length === 0 || decoded.length > MAX_BATCH_TRANSACTIONS) {
    throw new MalformedMessageError(`transaction batch: expected 1..${MAX_BATCH_TRANSACTIONS} transactions`)
  }
  return decoded.map((item) => {
    if (!(item instanceof Uint8Array) || item.length === 0) throw new MalformedMessageError('transaction batch: expected non-empty byte strings')
    return item
  })
}

function decodeList(data: Uint8Array, length: number, what: string): Uint8Array[] {
  let decoded: Uint8Array | unknown[]
  try {
    decoded = RLP.decode(data) as Uint8Array | unknown[]
  } catch (error) {
    throw new MalformedMessageError(`${what}: ${(error as Error).message}`)
  }
  if (!Array.isArray(decoded) || decoded.length !== length || decoded.some((item) => !(item instanceof Uint8Array))) {
    throw new MalformedMessageError(`${what}: expected a list of ${length} byte strings`)
  }
  return decoded as Uint8Array[]
}

function decodeUint(bytes: Uint8Array, maxBytes: number, what: string): bigint {
  if (bytes.length > maxBytes) throw new MalformedMessageError(`${what}: ${bytes.length} bytes`)
  if (bytes.length > 0 && bytes[0] === 0) throw new MalformedMessageError(`${what}: leading zero`)
  return bytes.length === 0 ? 0n : bytesToBigInt(bytes)
}

function decodeHash(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length !== 32) throw new MalformedMessageError(`${what}: ${bytes.length} bytes, want 32`)
  return bytes
}
