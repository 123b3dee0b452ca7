import type { BatchDBOp, DB } from '@ethereumjs/util'
import { hexToBytes } from '@ethereumjs/util'
import { Bucket, bucketKey } from './buckets.ts'
import type { KeyValueStore, WriteBatch } from './store.ts'

/**
 * The EthereumJS `DB` the state tries read and write through.
 *
 * Writes are staged in memory until the block that made them is committed: `stageInto`
 * moves them into that block's write batch, so a block's state and its chain data land in
 * RocksDB together or not at all. Reads see staged nodes first. Nodes are addressed by
 * their hash, so a staged node from a block that is later abandoned is harmless to readers.
 * Deletes are ignored: the node keeps every state (archive), and the trie only deletes
 * when pruning is on.
 */
export class TrieNodeStore implements DB<string, Uint8Array> {
  private readonly kv: KeyValueStore
  private staged = new Map<string, Uint8Array>()

  constructor(kv: KeyValueStore) {
    this.kv = kv
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.staged.get(key) ?? this.kv.getSync(bucketKey(Bucket.state, hexToBytes(`0x${key}`)))
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.staged.set(key, value)
  }

  async del(): Promise<void> {}

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === 'put') this.staged.set(op.key, op.value)
  }

  /** All instances share the staging area: copies are views of the same database. */
  shallowCopy(): DB<string, Uint8Array> {
    return this
  }

  async open(): Promise<void> {}

  get stagedCount(): number {
    return this.staged.size
  }

  /** Moves every staged node into `batch`; the caller writes the batch. */
  stageInto(batch: WriteBatch): void {
    for (const [key, value] of this.staged) batch.put(bucketKey(Bucket.state, hexToBytes(`0x${key}`)), value)
    this.staged = new Map()
  }

  /** Forgets staged nodes of a block that will not be committed. */
  discardStaged(): void {
    this.staged = new Map()
  }
}

/**
 * A throw-away layer over the trie store for calls that execute but must never persist
 * (eth_call, eth_estimateGas): writes stay in this object and vanish with it.
 */
export class EphemeralTrieStore implements DB<string, Uint8Array> {
  private readonly base: DB<string, Uint8Array>
  private readonly writes = new Map<string, Uint8Array>()

  constructor(base: DB<string, Uint8Array>) {
    this.base = base
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.writes.get(key) ?? this.base.get(key)
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.writes.set(key, value)
  }

  async del(): Promise<void> {}

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === 'put') this.writes.set(op.key, op.value)
  }

  shallowCopy(): DB<string, Uint8Array> {
    return this
  }

  async open(): Promise<void> {}
}
