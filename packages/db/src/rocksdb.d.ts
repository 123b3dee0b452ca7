// The binding ships no type declarations; these cover the part of its API we use.
declare module '@nxtedition/rocksdb' {
  interface RocksIterator extends AsyncIterable<[Buffer, Buffer]> {
    all(): Promise<[Buffer, Buffer][]>
    close(): Promise<void>
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
    iterator(options: { gte?: Buffer; lt?: Buffer; reverse?: boolean; limit?: number }): RocksIterator
    _getManySync(keys: Buffer[], options: object): (Buffer | undefined)[]
    /** A RocksDB property (`rocksdb.dbstats`, `rocksdb.estimate-num-keys`...) as text. */
    getProperty(property: string): string
  }
}
