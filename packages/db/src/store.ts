import { RocksLevel } from '@nxtedition/rocksdb'

/** Puts and deletes that are written together, atomically, or not at all. */
export class WriteBatch {
  readonly ops: { type: 'put' | 'del'; key: Buffer; value?: Buffer }[] = []

  put(key: Uint8Array, value: Uint8Array): void {
    this.ops.push({ type: 'put', key: toBuffer(key), value: toBuffer(value) })
  }

  del(key: Uint8Array): void {
    this.ops.push({ type: 'del', key: toBuffer(key) })
  }

  get size(): number {
    return this.ops.length
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export interface KeyRange {
  gte?: Uint8Array
  lt?: Uint8Array
  reverse?: boolean
  limit?: number
}

/**
 * The RocksDB key-value controller. Reads on the hot path (trie nodes) are synchronous:
 * the binding answers a cached read in ~3 us synchronously against ~60 us through the
 * thread pool, and state execution does thousands of them per block.
 */
export class KeyValueStore {
  private readonly db: RocksLevel

  private constructor(db: RocksLevel) {
    this.db = db
  }

  static async open(path: string): Promise<KeyValueStore> {
    const db = new RocksLevel(path, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    try {
      await db.open({ createIfMissing: true })
    } catch (error) {
      // abstract-level reports every open failure as "Database is not open"; the reason is
      // in `cause` (LEVEL_LOCKED: RocksDB's LOCK file is held, by another node most likely).
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED') throw new Error(`database ${path} is in use by another process (is a node already running on this data directory?)`, { cause: error })
      throw new Error(`cannot open database ${path}: ${cause?.message ?? (error instanceof Error ? error.message : String(error))}`, { cause: error })
    }
    return new KeyValueStore(db)
  }

  getSync(key: Uint8Array): Uint8Array | undefined {
    return this.db._getManySync([toBuffer(key)], {})[0] ?? undefined
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.getSync(key)
  }

  /** Writes the batch atomically (RocksDB write batch through the WAL). */
  async write(batch: WriteBatch): Promise<void> {
    if (batch.size === 0) return
    await this.db.batch(batch.ops)
  }

  async *entries(range: KeyRange): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const iterator = this.db.iterator({
      gte: range.gte === undefined ? undefined : toBuffer(range.gte),
      lt: range.lt === undefined ? undefined : toBuffer(range.lt),
      reverse: range.reverse ?? false,
      limit: range.limit ?? -1,
    })
    try {
      for await (const [key, value] of iterator) yield [key as Uint8Array, value as Uint8Array]
    } finally {
      await iterator.close()
    }
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}
