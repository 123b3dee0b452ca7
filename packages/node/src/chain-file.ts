// Chain files as geth's `import` and `export` read and write them: RLP-encoded blocks one after
// another, nothing between them, the whole file optionally gzip-compressed. An export
// re-imported into a fresh data directory gives the same chain: the operator's backup and
// restore, and the way to load another chain's blocks (the execution-apis test chain).
import { createReadStream, createWriteStream } from 'node:fs'
import { rename, rm, stat } from 'node:fs/promises'
import { Readable, Transform, pipeline as pipelineCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { Logger } from 'pino'
import type { Chain, ImportOutcome } from '@busan/chain'
import type { GenesisFile } from '@busan/chain-config'
import { createLogger, type LogFormat, type LogLevel } from './logger.ts'
import { systemErrorReason } from './system-errors.ts'
import { openChain } from './node.ts'

/** A chain file that cannot be imported: where (file, position, block) and why. */
export class ChainFileError extends Error {}

const GZIP_MAGIC = [0x1f, 0x8b]

/**
 * The length of the RLP list that starts `data` (prefix included), or undefined when `data`
 * does not hold its whole prefix yet. Throws when `data` does not start with a list: a block
 * is always one.
 */
function listLength(data: Uint8Array): number | undefined {
  if (data.length === 0) return undefined
  const first = data[0]
  if (first < 0xc0) throw new Error(`expected an RLP list (a block), found byte 0x${first.toString(16).padStart(2, '0')}`)
  if (first <= 0xf7) return 1 + first - 0xc0
  const lengthBytes = first - 0xf7
  if (data.length < 1 + lengthBytes) return undefined
  let length = 0
  for (let i = 1; i <= lengthBytes; i++) length = length * 256 + data[i]
  return 1 + lengthBytes + length
}

/** Splits a byte stream into the RLP lists it holds, in order; throws on a truncated last one (importChain names the file and item). */
async function* rlpLists(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buffered: Uint8Array = new Uint8Array()
  for await (const chunk of source) {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    let offset = 0
    for (;;) {
      const length = listLength(buffered.subarray(offset))
      if (length === undefined || offset + length > buffered.length) break
      yield buffered.subarray(offset, offset + length)
      offset += length
    }
    buffered = buffered.subarray(offset)
  }
  if (buffered.length > 0) throw new Error(`the file ends inside a block (${buffered.length} bytes left over)`)
}

/** Whether the file starts with gzip's magic bytes (geth compresses when the name ends in .gz). */
async function isGzip(file: string): Promise<boolean> {
  const stream = createReadStream(file, { start: 0, end: 1 })
  const head: number[] = []
  for await (const chunk of stream as AsyncIterable<Buffer>) head.push(...chunk)
  return head.length === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]
}

/** The file's bytes, decompressed when gzip; `progress` is told how many of its own bytes were read. */
async function openChainFile(file: string, progress: (bytesRead: number) => void): Promise<AsyncIterable<Uint8Array>> {
  const gzip = await isGzip(file)
  async function* counted(): AsyncGenerator<Uint8Array> {
    let read = 0
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      progress((read += chunk.length))
      yield chunk
    }
  }
  // The callback form returns the last stream, which fails when any stage does.
  return gzip ? pipelineCallback(Readable.from(counted()), createGunzip(), () => {}) : counted()
}

export interface ImportProgress {
  /** Blocks imported (known blocks skipped are not counted). */
  imported: number
  /** Blocks already in the data directory, skipped (a resumed import). */
  skipped: number
  transactions: number
  gas: bigint
}

/** How often the import logs its progress, in ms. */
const PROGRESS_INTERVAL_MS = 5000

/**
 * Imports the blocks of `files` (geth's format, optionally gzip) into `chain`, in order:
 * each verified by the consensus engine, executed and committed in its own write batch, as a
 * block from a peer is. Blocks already stored are skipped, so an interrupted import resumes
 * by running it again. Logs a progress line (blocks/s, Mgas/s, ETA from the bytes read) every
 * 5 s. Stops between blocks when `signal` aborts. Throws ChainFileError naming the file, the
 * block and the reason on a malformed file or an invalid block; the blocks before it stay
 * imported.
 */
export async function importChain(chain: Chain, files: string[], logger: Logger, signal?: AbortSignal): Promise<ImportProgress> {
  const progress: ImportProgress = { imported: 0, skipped: 0, transactions: 0, gas: 0n }
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size))
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0)
  let bytesBefore = 0
  let bytesRead = 0
  const started = performance.now()
  let lastReport = started
  const report = (last: Block, final: boolean) => {
    const now = performance.now()
    if (!final && now - lastReport < PROGRESS_INTERVAL_MS) return
    lastReport = now
    const seconds = (now - started) / 1000
    const share = totalBytes === 0 ? 1 : (bytesBefore + bytesRead) / totalBytes
    logger.info(
      {
        number: Number(last.header.number),
        hash: bytesToHex(last.hash()),
        blocks: progress.imported,
        skipped: progress.skipped,
        txs: progress.transactions,
        blocksPerSecond: Math.round((progress.imported / seconds) * 10) / 10,
        mgasPerSecond: Math.round((Number(progress.gas) / 1e6 / seconds) * 10) / 10,
        elapsed: `${Math.round(seconds)}s`,
        eta: final ? '0s' : share > 0 ? `${Math.round((seconds / share) * (1 - share))}s` : 'unknown',
      },
      final ? 'imported chain' : 'importing chain',
    )
  }
  for (const [fileIndex, file] of files.entries()) {
    let position = 0
    let last: Block | undefined
    // One block imports while the next is decoded and its senders recovered (the chain
    // prefetches senders when a block is handed to it); the chain runs them one at a time.
    let inFlight: Promise<{ block: Block; outcome?: ImportOutcome; error?: unknown }> | undefined
    const settle = async () => {
      if (inFlight === undefined) return
      const done = await inFlight
      inFlight = undefined
      if (done.error !== undefined) {
        throw new ChainFileError(`${file}: block ${done.block.header.number} (${bytesToHex(done.block.hash())}): ${(done.error as Error).message}`)
      }
      progress.imported++
      progress.transactions += done.block.transactions.length
      progress.gas += done.block.header.gasUsed
      last = done.block
      report(done.block, false)
    }
    try {
      for await (const bytes of rlpLists(await openChainFile(file, (read) => (bytesRead = read)))) {
        position++
        if (signal?.aborted) break
        let block: Block
        try {
          block = chain.decodeBlock(bytes)
        } catch (error) {
          await settle()
          throw new ChainFileError(`${file}: item ${position} (after block ${last?.header.number ?? 'none'}) is not a valid block: ${(error as Error).message}`)
        }
        if (chain.store.blockByHash(block.hash()) !== undefined) {
          progress.skipped++
          continue
        }
        if (block.header.number === 0n) {
          throw new ChainFileError(`${file}: its genesis block is ${bytesToHex(block.hash())}, this data directory's is ${bytesToHex(chain.genesis.hash())}: the file holds another chain (or --genesis names another genesis)`)
        }
        const next = chain.importBlock(block).then(
          (outcome) => ({ block, outcome }),
          (error: unknown) => ({ block, error }),
        )
        await settle()
        inFlight = next
      }
      await settle()
    } catch (error) {
      await inFlight?.catch(() => {})
      if (error instanceof ChainFileError) throw error
      throw new ChainFileError(`${file}: item ${position + 1}: ${(error as Error).message}`)
    }
    bytesBefore += sizes[fileIndex]
    bytesRead = 0
  }
  report(chain.head, true)
  return progress
}

/**
 * Writes canonical blocks `first`..`last` (inclusive; the head when `last` is absent) to
 * `file` in geth's format, gzip-compressed when the name ends in `.gz`. The file appears only
 * once complete (written beside it, then renamed). Returns how many blocks were written.
 * Throws when `first` is past `last` or `last` is past the head.
 */
export async function exportChain(chain: Chain, file: string, first: bigint, last: bigint = chain.head.header.number): Promise<number> {
  const head = chain.head.header.number
  if (last > head) throw new ChainFileError(`last block ${last} is past the head (${head})`)
  if (first > last) throw new ChainFileError(`first block ${first} is past the last (${last})`)
  const partial = `${file}.partial`
  function* blocks(): Generator<Uint8Array> {
    for (let number = first; number <= last; number++) {
      const block = chain.store.blockByNumber(number)
      if (block === undefined) throw new ChainFileError(`canonical block ${number} is missing from the data directory`)
      yield block.serialize()
    }
  }
  const stages: (NodeJS.ReadableStream | Transform | NodeJS.WritableStream)[] = [Readable.from(blocks()), ...(file.endsWith('.gz') ? [createGzip()] : []), createWriteStream(partial)]
  try {
    await pipeline(stages)
    await rename(partial, file)
  } catch (error) {
    await rm(partial, { force: true })
    if (error instanceof ChainFileError) throw error
    // The output file's problem (a read-only directory, a name that is a directory), not the data directory's.
    throw new ChainFileError(`cannot write ${file}: ${systemErrorReason(error)}`)
  }
  return Number(last - first + 1n)
}

/** What `busan import` and `busan export` are given (checked by the command line). */
export interface ChainFileCommand {
  dataDir: string
  genesis: GenesisFile
  logLevel: LogLevel
  logFormat: LogFormat
}

/**
 * `busan import`: opens (or initialises) the data directory and imports `files`; SIGINT or
 * SIGTERM stops it between blocks, with everything imported so far kept.
 */
export async function runImport(command: ChainFileCommand, files: string[]): Promise<ImportProgress> {
  const logger = createLogger(command.logLevel, command.logFormat)
  const { kv, chain } = await openChain(command.dataDir, command.genesis, { logger })
  const stop = new AbortController()
  const onSignal = () => {
    logger.info('stopping the import after the current block')
    stop.abort()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    return await importChain(chain, files, logger, stop.signal)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await kv.close()
  }
}

/** `busan export`: canonical blocks `first`..`last` of an existing data directory to `file`. */
export async function runExport(command: Omit<ChainFileCommand, 'logLevel' | 'logFormat'>, file: string, first: bigint, last: bigint | undefined): Promise<number> {
  // Only warnings: the result is the line the command prints.
  const { kv, chain } = await openChain(command.dataDir, command.genesis, { logger: createLogger('warn') })
  try {
    return await exportChain(chain, file, first, last)
  } finally {
    await kv.close()
  }
}
