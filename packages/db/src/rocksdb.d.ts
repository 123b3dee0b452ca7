// The binding ships no type declarations; these cover the part of its API we use.
declare module '@nxtedition/rocksdb' {
  interface RocksIterator extends AsyncIterable<[Buffer, Buffer]> {
    all(): Promise<[Buffer, Buffer][]>
    close(): Promise<void>
  }
  /**
   * The binding's chained batch: one native rocksdb::WriteBatch. The underscore methods are the
   * binding's implementation of abstract-level's, without its open/closed bookkeeping.
   */
  interface RocksChainedBatch {
    _put(key: Buffer, value: Buffer, options: object): void
    _del(key: Buffer, options: object): void
    /** Empties the native batch (its buffer keeps its capacity). */
    _clear(): void
    /** Writes the native batch, synchronously (the binding's batch_write). */
    _writeSync(options: { sync?: boolean }): void
  }
  export class RocksLevel {
    /** A path opens a database; a handle (`db.handle` of an open one) shares it, e.g. with a worker thread. */
    constructor(locationOrHandle: string | bigint, options?: { keyEncoding?: string; valueEncoding?: string })
    open(options?: { createIfMissing?: boolean }): Promise<void>
    close(): Promise<void>
    /** The native database's address, valid while the opening instance stays open. */
    readonly handle: bigint
    /** `sync` fsyncs the WAL before the write returns. */
    batch(ops: { type: 'put' | 'del'; key: Buffer; value?: Buffer }[], options?: { sync?: boolean }): Promise<void>
    /** A chained batch (no arguments). */
    batch(): RocksChainedBatch
    iterator(options: { gte?: Buffer; lt?: Buffer; reverse?: boolean; limit?: number }): RocksIterator
    _getManySync(keys: Buffer[], options: object): (Buffer | undefined)[]
    /** A RocksDB property (`rocksdb.dbstats`, `rocksdb.estimate-num-keys`...) as text. */
    getProperty(property: string): string
  }
}
