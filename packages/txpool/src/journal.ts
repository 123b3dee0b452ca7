// The journal of local transactions: geth's `transactions.rlp`. Transactions submitted
// through this node are appended as they enter the pool, so a restart (or a crash: the
// append is a write(2) before the RPC answers) does not lose them; on start they are added
// again as local ones. The file is rewritten from the pool's local transactions every
// `rejournalMs` and at stop (a temporary file renamed over it), which drops the mined and
// dropped ones. Format as geth's: a stream of RLP items, a legacy transaction as its RLP list,
// a typed one as an RLP string holding its EIP-2718 envelope.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs'
import { RLP } from '@ethereumjs/rlp'
import type { Logger } from 'pino'
import { BLOB_TX_TYPE, canonicalBlobTx } from './blob.ts'
import { decodeFields } from './decode.ts'
import type { PooledTransaction } from './interface.ts'
import type { TxPool } from './pool.ts'

/**
 * The largest journal loaded, in bytes. A full pool (14,096 transactions) journals a few MB;
 * a larger file is not this node's journal as it wrote it, and reading it whole would hold
 * the start (and over 2 GiB cannot be read into one buffer at all).
 */
export const MAX_JOURNAL_BYTES = 256 * 1024 * 1024

export interface TransactionJournalInit {
  /** The journal file, e.g. <datadir>/transactions.rlp. */
  path: string
  pool: TxPool
  /** How often the file is rewritten from the pool, in ms (geth's `--txpool.rejournal`). */
  rejournalMs: number
  /** A larger file is not loaded but moved aside (default MAX_JOURNAL_BYTES). */
  maxBytes?: number
  logger: Logger
}

/** One journal item for a raw transaction (geth's tx.EncodeRLP). */
export function journalItem(raw: Uint8Array): Uint8Array {
  return raw[0] >= 0xc0 ? raw : RLP.encode(raw)
}

/**
 * The raw transactions of a journal file's content, in order. Reading stops at the first item
 * that does not decode as a transaction, as geth's journal load does (a write cut short, or
 * a file that is not a journal): `damaged` is then the number of bytes left unread.
 */
export function readJournal(data: Uint8Array): { raws: Uint8Array[]; damaged: number } {
  const raws: Uint8Array[] = []
  let offset = 0
  while (offset < data.length) {
    const rest = data.subarray(offset)
    const length = itemLength(rest)
    const raw = length === undefined ? undefined : transactionOf(rest.subarray(0, length))
    if (length === undefined || raw === undefined) break
    raws.push(raw)
    offset += length
  }
  return { raws, damaged: data.length - offset }
}

/**
 * The length (header and payload) of the RLP item `data` starts with, or undefined when it
 * is cut short. The reader walks the file by views with it: RLP.decode's stream mode copies
 * the whole remainder for every item, quadratic in the file's size.
 */
function itemLength(data: Uint8Array): number | undefined {
  const prefix = data[0]
  let length: number
  if (prefix < 0x80) length = 1
  else if (prefix <= 0xb7) length = 1 + prefix - 0x80
  else if (prefix >= 0xc0 && prefix <= 0xf7) length = 1 + prefix - 0xc0
  else {
    // Long form: the payload's length follows in the next 1-8 bytes, big-endian.
    const lengthOfLength = prefix < 0xc0 ? prefix - 0xb7 : prefix - 0xf7
    if (data.length <= lengthOfLength) return undefined
    let payload = 0
    for (let i = 1; i <= lengthOfLength; i++) payload = payload * 256 + data[i]
    length = 1 + lengthOfLength + payload
  }
  return length <= data.length ? length : undefined
}

/** What the journal keeps of a transaction: its network form for a blob transaction (the pool takes no other), else its canonical form. */
function journaledForm(pooled: PooledTransaction): Uint8Array {
  return pooled.networkRaw ?? pooled.raw
}

/** The raw transaction one journal item holds, or undefined when it is not a transaction. */
function transactionOf(item: Uint8Array): Uint8Array | undefined {
  try {
    const raw = item[0] >= 0xc0 ? item : RLP.decode(item)
    if (!(raw instanceof Uint8Array)) return undefined
    decodeFields(raw[0] === BLOB_TX_TYPE ? canonicalBlobTx(raw) : raw)
    return raw
  } catch {
    return undefined
  }
}

export class TransactionJournal {
  private readonly path: string
  private readonly pool: TxPool
  private readonly rejournalMs: number
  private readonly maxBytes: number
  private readonly logger: Logger
  private fd: number | undefined
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined

  constructor(init: TransactionJournalInit) {
    this.path = init.path
    this.pool = init.pool
    this.rejournalMs = init.rejournalMs
    this.maxBytes = init.maxBytes ?? MAX_JOURNAL_BYTES
    this.logger = init.logger
  }

  /**
   * Adds the journaled transactions to the pool as local ones (those no longer valid, e.g.
   * mined meanwhile, are left out), then rewrites the journal with what the pool kept.
   */
  async load(): Promise<{ journaled: number; added: number }> {
    const data = this.read()
    if (data === undefined) return { journaled: 0, added: 0 }
    const { raws, damaged } = readJournal(data)
    let added = 0
    for (const raw of raws) {
      try {
        await this.pool.addRaw(raw, { local: true })
        added++
      } catch {
        // Mined, replaced or no longer valid: the rewrite below leaves it out.
      }
    }
    if (damaged > 0) {
      // The rewrite below drops the skipped bytes, as geth's does.
      this.logger.warn({ path: this.path, journaled: raws.length, added, skippedBytes: damaged }, 'transaction journal: reading stopped at an item that is not a transaction, the rest is skipped')
    }
    this.rotate()
    this.logger.info({ path: this.path, journaled: raws.length, added }, 'loaded local transactions from the journal')
    return { journaled: raws.length, added }
  }

  /**
   * The journal's content, or undefined when there is none to load. One over `maxBytes`, or
   * one that cannot be read, is moved aside for the operator (`<path>.unread-<time>`) and the
   * node starts without it: left in place, the next rewrite would replace it.
   */
  private read(): Uint8Array | undefined {
    try {
      const { size } = statSync(this.path)
      if (size <= this.maxBytes) return readFileSync(this.path)
      this.setAside({ reason: 'too large', bytes: size, limit: this.maxBytes })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      this.setAside({ reason: 'unreadable', error: error instanceof Error ? error.message : String(error) })
    }
    return undefined
  }

  private setAside(why: Record<string, unknown>): void {
    const aside = `${this.path}.unread-${new Date().toISOString().replace(/[:.]/g, '-')}`
    try {
      renameSync(this.path, aside)
      this.logger.warn({ path: this.path, movedTo: aside, ...why }, 'transaction journal not loaded: moved aside, starting without it')
    } catch (error) {
      this.logger.warn({ path: this.path, ...why, renameError: error instanceof Error ? error.message : String(error) }, 'transaction journal not loaded, and it could not be moved aside')
    }
  }

  /** Appends each local transaction as it enters the pool; rewrites the file every rejournalMs. */
  start(): void {
    this.fd ??= openSync(this.path, 'a', 0o600)
    const onLocal = (pooled: PooledTransaction) => this.append(journaledForm(pooled))
    this.pool.events.on('local', onLocal)
    this.unsubscribe = () => this.pool.events.off('local', onLocal)
    this.timer = setInterval(() => this.rotate(), this.rejournalMs)
    this.timer.unref()
  }

  /** Rewrites the journal one last time and closes it. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.rotate()
    this.close()
  }

  /** Replaces the file with the pool's local transactions (temporary file, fsync, rename). */
  rotate(): void {
    const locals = this.pool.locals()
    const temporary = `${this.path}.new`
    try {
      const fd = openSync(temporary, 'w', 0o600)
      try {
        for (const pooled of locals) writeSync(fd, journalItem(journaledForm(pooled)))
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      const reopen = this.fd !== undefined
      this.close()
      renameSync(temporary, this.path)
      if (reopen) this.fd = openSync(this.path, 'a', 0o600)
      this.logger.debug({ path: this.path, transactions: locals.length }, 'transaction journal rewritten')
    } catch (error) {
      this.logger.warn({ path: this.path, err: error }, 'transaction journal rewrite failed')
    }
  }

  private append(raw: Uint8Array): void {
    if (this.fd === undefined) return
    try {
      writeSync(this.fd, journalItem(raw))
    } catch (error) {
      this.logger.warn({ path: this.path, err: error }, 'transaction journal append failed')
    }
  }

  private close(): void {
    if (this.fd === undefined) return
    closeSync(this.fd)
    this.fd = undefined
  }
}
