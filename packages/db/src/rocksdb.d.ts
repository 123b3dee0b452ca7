// The binding ships no type declarations; these cover the part of its API we use.
declare module '@nxtedition/rocksdb' {
  interface RocksIterator extends AsyncIterable<[Buffer, Buffer]> {
    all(): Promise<[Buffer, Buffer][]>
    close(): Promise<void>
  }
  export class RocksLevel {
    constructor(location: string, options?: { keyEncoding?: string; valueEncoding?: string })
    open(options?: { createIfMissing?: boolean }): Promise<void>
    close(): Promise<void>
    batch(ops: { type: 'put' | 'del'; key: Buffer; value?: Buffer }[]): Promise<void>
    iterator(options: { gte?: Buffer; lt?: Buffer; reverse?: boolean; limit?: number }): RocksIterator
    _getManySync(keys: Buffer[], options: object): (Buffer | undefined)[]
  }
}
