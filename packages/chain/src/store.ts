import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes, equalsBytes } from '@ethereumjs/util'
import { Bucket, bucketKey, decodeNumber, encodeNumber, metaKey, type KeyValueStore, type WriteBatch } from '@busan/db'
import { decodeBlock, type HeaderHashRule } from './block-codec.ts'
import { decodeStoredReceipts, encodeStoredReceipts, type StoredReceipt } from './receipts.ts'
import { addressIndexEntries, decodeBlockCalls, encodeBlockCalls, type TxCalls } from './address-index.ts'

/** A block with what was derived when it was executed: what the store keeps beside it. */
export interface StoredBlock {
  block: Block
  senders: Uint8Array[]
  receipts: StoredReceipt[]
  calls: TxCalls[]
}

export interface TxLocation {
  blockHash: Uint8Array
  index: number
}

/**
 * A least-recently-used map bounded by weight, not by entries: recent blocks are read over and
 * over by RPC clients, but a block of 2,000 transactions weighs as much as 2,000 empty ones. A
 * cache of 512 blocks held 200,000 decoded transactions under sustained load (~400 MB).
 */
class Lru<K, V> {
  private readonly map = new Map<K, { value: V; weight: number }>()
  private readonly capacity: number
  private readonly weigh: (value: V) => number
  private total = 0
  /** `capacity` in the units `weigh` returns (at least 1 per entry). */
  constructor(capacity: number, weigh: (value: V) => number) {
    this.capacity = capacity
    this.weigh = weigh
  }
  get(key: K): V | undefined {
    const entry = this.map.get(key)
    if (entry === undefined) return undefined
    this.map.delete(key)
    this.map.set(key, entry)
    return entry.value
  }
  set(key: K, value: V): void {
    this.delete(key)
    const weight = Math.max(1, this.weigh(value))
    this.map.set(key, { value, weight })
    this.total += weight
    while (this.total > this.capacity && this.map.size > 1) this.delete(this.map.keys().next().value as K)
  }
  private delete(key: K): void {
    const entry = this.map.get(key)
    if (entry === undefined) return
    this.map.delete(key)
    this.total -= entry.weight
  }
}

/** Decoded transactions (and receipts) the block and receipt caches hold at most: about 10-20 MB each. */
const CACHED_TRANSACTIONS = 8_192

/** Typed access to chain data (blocks, canonical index, receipts, lookups, log index). */
export class ChainStore {
  readonly kv: KeyValueStore
  private readonly common: Common
  private readonly hashRule: HeaderHashRule
  // An empty block weighs one transaction's worth: the cache then holds up to 8,192 empty blocks' headers.
  private readonly blocks = new Lru<string, Block>(CACHED_TRANSACTIONS, (block) => block.transactions.length + 1)
  private readonly receiptCache = new Lru<string, StoredReceipt[]>(CACHED_TRANSACTIONS, (receipts) => receipts.length + 1)

  /** `hashRule`: how this chain's headers hash (`headerHashRule(genesis)`). */
  constructor(kv: KeyValueStore, common: Common, hashRule: HeaderHashRule) {
    this.kv = kv
    this.common = common
    this.hashRule = hashRule
  }

  // --- writes (into the block's batch) ---

  /** Stores a block with its senders, receipts and recorded calls (canonical or not). */
  putBlock(batch: WriteBatch, stored: StoredBlock, totalDifficulty: bigint): void {
    const { block, senders, receipts, calls } = stored
    const hash = block.hash()
    batch.put(bucketKey(Bucket.block, hash), block.serialize())
    batch.put(bucketKey(Bucket.totalDifficulty, hash), bigIntToBytes(totalDifficulty))
    batch.put(bucketKey(Bucket.senders, hash), concatBytes(...senders))
    batch.put(bucketKey(Bucket.receipts, hash), encodeStoredReceipts(receipts))
    if (block.transactions.length > 0) batch.put(bucketKey(Bucket.blockCalls, hash), encodeBlockCalls(calls))
    this.blocks.set(bytesToHex(hash), block)
    this.receiptCache.set(bytesToHex(hash), receipts)
  }

  /** Makes a block canonical at its height: number index, tx lookups, log index, address index. */
  putCanonical(batch: WriteBatch, stored: StoredBlock): void {
    const { block, receipts } = stored
    const hash = block.hash()
    const number = encodeNumber(block.header.number)
    batch.put(bucketKey(Bucket.canonical, number), hash)
    block.transactions.forEach((tx, index) => batch.put(bucketKey(Bucket.txLookup, tx.hash()), concatBytes(hash, intToBytes4(index))))
    for (const key of logIndexKeys(number, receipts)) batch.put(key, new Uint8Array())
    for (const [key, value] of addressIndexEntries(block, stored.senders, receipts, stored.calls)) batch.put(key, value)
  }

  /** Undoes `putCanonical` for a block a reorg removes from the canonical chain. */
  deleteCanonical(batch: WriteBatch, stored: StoredBlock): void {
    const { block, receipts } = stored
    batch.del(bucketKey(Bucket.canonical, encodeNumber(block.header.number)))
    for (const tx of block.transactions) batch.del(bucketKey(Bucket.txLookup, tx.hash()))
    for (const key of logIndexKeys(encodeNumber(block.header.number), receipts)) batch.del(key)
    for (const [key] of addressIndexEntries(block, stored.senders, receipts, stored.calls)) batch.del(key)
  }

  /** The calls recorded when the block was executed; empty when it was stored before they were recorded. */
  calls(hash: Uint8Array): TxCalls[] {
    const raw = this.kv.getSync(bucketKey(Bucket.blockCalls, hash))
    return raw === undefined ? [] : decodeBlockCalls(raw)
  }

  setHead(batch: WriteBatch, hash: Uint8Array): void {
    batch.put(metaKey('head'), hash)
  }

  setGenesis(batch: WriteBatch, hash: Uint8Array): void {
    batch.put(metaKey('genesis'), hash)
  }

  // --- reads ---

  headHash(): Uint8Array | undefined {
    return this.kv.getSync(metaKey('head'))
  }

  genesisHash(): Uint8Array | undefined {
    return this.kv.getSync(metaKey('genesis'))
  }

  blockByHash(hash: Uint8Array): Block | undefined {
    const key = bytesToHex(hash)
    const cached = this.blocks.get(key)
    if (cached !== undefined) return cached
    const raw = this.kv.getSync(bucketKey(Bucket.block, hash))
    if (raw === undefined) return undefined
    const block = decodeBlock(raw, this.common, this.hashRule)
    this.blocks.set(key, block)
    return block
  }

  /** BLOCKHASH for a block on top of `parent`: walks `parent`'s branch back to the canonical chain. */
  ancestorHashes(parent: Block): (number: bigint) => Uint8Array | undefined {
    const branch = new Map<bigint, Uint8Array>()
    let cursor: Block | undefined = parent
    while (cursor !== undefined && !this.isCanonical(cursor) && branch.size < 256) {
      branch.set(cursor.header.number, cursor.hash())
      cursor = this.blockByHash(cursor.header.parentHash)
    }
    return (number) => branch.get(number) ?? this.canonicalHash(number)
  }

  isCanonical(block: Block): boolean {
    const canonical = this.canonicalHash(block.header.number)
    return canonical !== undefined && equalsBytes(canonical, block.hash())
  }

  canonicalHash(number: bigint): Uint8Array | undefined {
    if (number < 0n) return undefined
    return this.kv.getSync(bucketKey(Bucket.canonical, encodeNumber(number)))
  }

  blockByNumber(number: bigint): Block | undefined {
    const hash = this.canonicalHash(number)
    return hash === undefined ? undefined : this.blockByHash(hash)
  }

  totalDifficulty(hash: Uint8Array): bigint | undefined {
    const raw = this.kv.getSync(bucketKey(Bucket.totalDifficulty, hash))
    return raw === undefined ? undefined : bytesToBigInt(raw)
  }

  senders(hash: Uint8Array): Uint8Array[] {
    const raw = this.kv.getSync(bucketKey(Bucket.senders, hash))
    if (raw === undefined) return []
    const out: Uint8Array[] = []
    for (let i = 0; i < raw.length; i += 20) out.push(raw.subarray(i, i + 20))
    return out
  }

  receipts(hash: Uint8Array): StoredReceipt[] | undefined {
    const key = bytesToHex(hash)
    const cached = this.receiptCache.get(key)
    if (cached !== undefined) return cached
    const raw = this.kv.getSync(bucketKey(Bucket.receipts, hash))
    if (raw === undefined) return undefined
    const receipts = decodeStoredReceipts(raw)
    this.receiptCache.set(key, receipts)
    return receipts
  }

  txLocation(txHash: Uint8Array): TxLocation | undefined {
    const raw = this.kv.getSync(bucketKey(Bucket.txLookup, txHash))
    if (raw === undefined) return undefined
    return { blockHash: raw.subarray(0, 32), index: new DataView(raw.buffer, raw.byteOffset + 32, 4).getUint32(0) }
  }

  /** Canonical block numbers in [from, to] that hold a log from `address`. */
  async blocksWithAddress(address: Uint8Array, from: bigint, to: bigint): Promise<Set<bigint>> {
    return this.indexedBlocks(Bucket.logAddress, address, from, to)
  }

  /** Canonical block numbers in [from, to] that hold a log carrying `topic` (any position). */
  async blocksWithTopic(topic: Uint8Array, from: bigint, to: bigint): Promise<Set<bigint>> {
    return this.indexedBlocks(Bucket.logTopic, topic, from, to)
  }

  /**
   * Canonical transactions that touched `address` in blocks before `block` (newest first) or
   * after it (oldest first), from the address index: at least `count` of them when there are,
   * plus the rest of the last block reached (Otterscan's paging). `exhausted` when the index
   * has nothing further in that direction.
   */
  async addressHistory(address: Uint8Array, direction: 'before' | 'after', block: bigint, count: number): Promise<{ positions: TxPosition[]; exhausted: boolean }> {
    const prefix = bucketKey(Bucket.addressHistory, address)
    const range =
      direction === 'before'
        ? { gte: prefix, lt: bucketKey(Bucket.addressHistory, address, encodeNumber(block)), reverse: true }
        : { gte: bucketKey(Bucket.addressHistory, address, encodeNumber(block + 1n)), lt: prefixEnd(prefix) }
    const positions: TxPosition[] = []
    for await (const [key] of this.kv.entries(range)) {
      const number = decodeNumber(key, 21)
      if (positions.length >= count && positions[positions.length - 1].number !== number) return { positions, exhausted: false }
      positions.push({ number, index: new DataView(key.buffer, key.byteOffset + 29, 4).getUint32(0) })
    }
    return { positions, exhausted: true }
  }

  /** The canonical transaction `sender` sent with `nonce`. */
  transactionBySenderAndNonce(sender: Uint8Array, nonce: bigint): Uint8Array | undefined {
    return this.kv.getSync(bucketKey(Bucket.senderNonce, sender, encodeNumber(nonce)))
  }

  /** The canonical transaction that created the contract at `address`, and the account or contract that created it. */
  contractCreator(address: Uint8Array): { hash: Uint8Array; creator: Uint8Array } | undefined {
    const raw = this.kv.getSync(bucketKey(Bucket.contractCreator, address))
    return raw === undefined ? undefined : { hash: raw.subarray(0, 32), creator: raw.subarray(32, 52) }
  }

  private async indexedBlocks(bucket: typeof Bucket.logAddress | typeof Bucket.logTopic, subject: Uint8Array, from: bigint, to: bigint): Promise<Set<bigint>> {
    const numbers = new Set<bigint>()
    const range = { gte: bucketKey(bucket, subject, encodeNumber(from)), lt: bucketKey(bucket, subject, encodeNumber(to + 1n)) }
    for await (const [key] of this.kv.entries(range)) numbers.add(decodeNumber(key, 1 + subject.length))
    return numbers
  }
}

/** Where a canonical transaction sits: block number and index in the block. */
export interface TxPosition {
  number: bigint
  index: number
}

/** The upper bound of every key that starts with `prefix` (the prefix plus one, carried). */
function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice()
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++
      return end.subarray(0, i + 1)
    }
  }
  return new Uint8Array([0xff, 0xff])
}

function intToBytes4(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

function logIndexKeys(number: Uint8Array, receipts: StoredReceipt[]): Uint8Array[] {
  const seen = new Set<string>()
  const keys: Uint8Array[] = []
  for (const receipt of receipts) {
    for (const [address, topics] of receipt.logs) {
      const addressKey = bucketKey(Bucket.logAddress, address, number)
      const id = bytesToHex(addressKey)
      if (!seen.has(id)) {
        seen.add(id)
        keys.push(addressKey)
      }
      for (const topic of topics) {
        const topicKey = bucketKey(Bucket.logTopic, topic, number)
        const topicId = bytesToHex(topicKey)
        if (!seen.has(topicId)) {
          seen.add(topicId)
          keys.push(topicKey)
        }
      }
    }
  }
  return keys
}
