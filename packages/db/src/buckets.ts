// One catalog of key prefixes. Every key in the database starts with one of these bytes.
// A retired prefix is never reused: add new ones at the end with a new byte.
// Numbers in keys are 8-byte big-endian so that lexical order is numeric order.
export const Bucket = {
  /** hash(32) -> block RLP (header, transactions, uncles, withdrawals) */
  block: 0x62, // 'b'
  /** number(8) -> canonical block hash(32) */
  canonical: 0x6e, // 'n'
  /** hash(32) -> total difficulty (big-endian bytes) */
  totalDifficulty: 0x74, // 't'
  /** hash(32) -> receipts of the block: RLP list of [status, cumulativeGasUsed, logs] */
  receipts: 0x72, // 'r'
  /** hash(32) -> transaction senders of the block, 20 bytes each, in order */
  senders: 0x73, // 's'
  /** txHash(32) -> blockHash(32) ++ index(4), canonical chain only */
  txLookup: 0x78, // 'x'
  /** address(20) ++ number(8) -> empty: the block has logs emitted by address (canonical) */
  logAddress: 0x61, // 'a'
  /** topic(32) ++ number(8) -> empty: the block has logs with this topic in any position (canonical) */
  logTopic: 0x70, // 'p'
  /** hash(32) -> consensus snapshot after the block (engine-defined RLP) */
  consensusSnapshot: 0x63, // 'c'
  /** trie node hash or code hash -> node RLP or code (state tries, archive: never pruned) */
  state: 0x53, // 'S'
  /** utf8 name -> value: "head" -> hash(32), "genesis" -> hash(32), "schema" -> version */
  meta: 0x6d, // 'm'
  /** hash(32) -> per transaction, the addresses its call frames touched and the contracts it created (RLP) */
  blockCalls: 0x69, // 'i'
  /** address(20) ++ number(8) ++ index(4) -> empty: the canonical transaction touched address */
  addressHistory: 0x68, // 'h'
  /** sender(20) ++ nonce(8) -> transaction hash(32), canonical */
  senderNonce: 0x71, // 'q'
  /** contract address(20) -> creating transaction hash(32) ++ creator(20), canonical */
  contractCreator: 0x6b, // 'k'
} as const

export type BucketId = (typeof Bucket)[keyof typeof Bucket]

export function encodeNumber(n: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, n)
  return out
}

export function decodeNumber(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0)
}

/** Key = bucket byte followed by the parts, concatenated. */
export function bucketKey(bucket: BucketId, ...parts: Uint8Array[]): Uint8Array {
  let length = 1
  for (const part of parts) length += part.length
  const key = new Uint8Array(length)
  key[0] = bucket
  let offset = 1
  for (const part of parts) {
    key.set(part, offset)
    offset += part.length
  }
  return key
}

export function metaKey(name: string): Uint8Array {
  return bucketKey(Bucket.meta, new TextEncoder().encode(name))
}
