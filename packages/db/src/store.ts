import { RocksLevel, type RocksChainedBatch } from '@nxtedition/rocksdb'

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

const NO_OPTIONS = {}

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
 * RocksDB's memory, bounded whatever the chain's length (docs/benchmarks.md, ninth session):
 * - write buffers: level-style compaction with a 64 MiB memtable budget (@nxtedition/rocksdb's
 *   `memtableMemoryBudget`: 16 MiB memtables, two merged per flush, at most six), where
 *   RocksDB's defaults (two 64 MB memtables, flushed alone) held up to 170 MiB under load;
 *   levels 0 and 1 are stored uncompressed, the rest with ZSTD;
 * - index and filter blocks in the block cache (32 MiB) rather than held by each open table:
 *   held by the tables they grew with the data, about 8 MiB per 100,000 transactions.
 */
const MEMORY_OPTIONS = { compaction: 'level', memtableMemoryBudget: 64 * 2 ** 20, cacheSize: 32 * 2 ** 20, cacheIndexAndFilterBlocks: true } as const

/** The database directory cannot be opened: held by another process (RocksDB's LOCK), unreadable, or not creatable. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError'
}

/**
 * The RocksDB key-value controller. Reads on the hot path (trie nodes) are synchronous:
 * the binding answers a cached read in ~3 us synchronously against ~60 us through the
 * thread pool, and state execution does thousands of them per block.
 *
 * One process opens the database once; worker threads `attach` to that same native
 * database by its `handle` (RocksDB is safe for concurrent readers and a writer), so they
 * see every committed write the moment it lands.
 */
export class KeyValueStore {
  private readonly db: RocksLevel
  /** False for a store attached to another thread's database: closing is the owner's job. */
  private readonly owner: boolean
  /** The one native write batch every write fills (see `write`); made on first write. */
  private nativeBatch: RocksChainedBatch | undefined

  private constructor(db: RocksLevel, owner: boolean) {
    this.db = db
    this.owner = owner
  }

  static async open(path: string): Promise<KeyValueStore> {
    const db = new RocksLevel(path, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    try {
      await db.open({ createIfMissing: true, ...MEMORY_OPTIONS })
    } catch (error) {
      // abstract-level reports every open failure as "Database is not open"; the reason is
      // in `cause` (LEVEL_LOCKED: RocksDB's LOCK file is held, by another node most likely).
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED') throw new DatabaseOpenError(`database ${path} is in use by another process (is a node already running on this data directory?)`, { cause: error })
      throw new DatabaseOpenError(`cannot open database ${path}: ${cause?.message ?? (error instanceof Error ? error.message : String(error))}`, { cause: error })
    }
    return new KeyValueStore(db, true)
  }

  /**
   * The native database's address, for `attach` in a worker thread. Valid until the owner
   * closes the store: stop every attached worker first.
   */
  get handle(): bigint {
    return this.db.handle
  }

  /** Shares the database that `handle` (another thread's `KeyValueStore.handle`) points at. */
  static async attach(handle: bigint): Promise<KeyValueStore> {
    const db = new RocksLevel(handle, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.open()
    return new KeyValueStore(db, false)
  }

  getSync(key: Uint8Array): Uint8Array | undefined {
    return this.db._getManySync([toBuffer(key)], {})[0] ?? undefined
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.getSync(key)
  }

  /**
   * Writes the batch atomically (RocksDB write batch through the WAL). With `sync` the WAL
   * is fsynced before this returns, so the batch survives a power cut, not just a crash of
   * the process (which an unsynced write already survives: the OS holds the WAL pages).
   */
  async write(batch: WriteBatch, options: { sync?: boolean } = {}): Promise<void> {
    if (batch.size === 0) return
    // One native batch, emptied and refilled for every write. The binding's `db.batch(ops)` makes
    // a new native rocksdb::WriteBatch per call and frees it only when V8 collects its JS
    // handle, which V8 does not hurry (it is not told the batch's size): block after block the
    // batches' buffers piled up in native memory (measured: 1 GB resident after 15,000
    // 150-key batches, 683 MB with one reused batch; docs/benchmarks.md). The binding writes a
    // batch synchronously, so filling and writing here cannot interleave with another write.
    const native = (this.nativeBatch ??= this.db.batch())
    native._clear()
    for (const op of batch.ops) {
      if (op.type === 'put') native._put(op.key, op.value!, NO_OPTIONS)
      else native._del(op.key, NO_OPTIONS)
    }
    native._writeSync({ sync: options.sync === true })
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

  /**
   * WAL writes and fsyncs since the database was opened, from RocksDB's own `rocksdb.dbstats`
   * ("Cumulative WAL: N writes, M syncs"): how an operator (and a test) sees `--db.sync` at work.
   */
  walStats(): { writes: number; syncs: number } {
    const match = /Cumulative WAL: (\d+) writes, (\d+) syncs/.exec(this.db.getProperty('rocksdb.dbstats'))
    return { writes: Number(match?.[1] ?? 0), syncs: Number(match?.[2] ?? 0) }
  }

  /**
   * RocksDB's native memory in bytes, from its own properties: the memtables (writes not yet
   * flushed to SST files), the table readers' index and filter blocks, and the block cache.
   */
  memoryStats(): { memtables: number; tableReaders: number; blockCache: number } {
    const property = (name: string) => Number(this.db.getProperty(name)) || 0
    return { memtables: property('rocksdb.cur-size-all-mem-tables'), tableReaders: property('rocksdb.estimate-table-readers-mem'), blockCache: property('rocksdb.block-cache-usage') }
  }

  /** Closes the database; a no-op on an attached store (its owner closes it). */
  async close(): Promise<void> {
    if (this.owner) await this.db.close()
  }
}
