// The journal of local transactions: geth's `transactions.rlp`. Transactions submitted
// through this node are appended as they enter the pool, so a restart (or a crash: the
// append is a write(2) before the RPC answers) does not lose them; on start they are added
// again as local ones. The file is rewritten from the pool's local transactions every
// `rejournalMs` and at stop (a temporary file renamed over it), which drops the mined and
// dropped ones. Format as geth's: a stream of RLP items, a legacy transaction as its RLP list,
// a typed one as an RLP string holding its EIP-2718 envelope.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { RLP } from '@ethereumjs/rlp'
import type { Logger } from 'pino'
import type { PooledTransaction } from './interface.ts'
import type { TxPool } from './pool.ts'

export interface TransactionJournalInit {
  /** The journal file, e.g. <datadir>/transactions.rlp. */
  path: string
  pool: TxPool
  /** How often the file is rewritten from the pool, in ms (geth's `--txpool.rejournal`). */
  rejournalMs: number
  logger: Logger
}

/** One journal item for a raw transaction (geth's tx.EncodeRLP). */
export function journalItem(raw: Uint8Array): Uint8Array {
  return raw[0] >= 0xc0 ? raw : RLP.encode(raw)
}

/**
 * The raw transactions of a journal file's content, in order. A damaged tail (a write cut
 * short) ends the list: `damaged` is then the number of bytes left unread.
 */
export function readJournal(data: Uint8Array): { raws: Uint8Array[]; damaged: number } {
  const raws: Uint8Array[] = []
  let rest = data
  while (rest.length > 0) {
    let decoded: { data: unknown; remainder: Uint8Array }
    try {
      decoded = RLP.decode(rest, true)
    } catch {
      return { raws, damaged: rest.length }
    }
    const consumed = rest.length - decoded.remainder.length
    raws.push(decoded.data instanceof Uint8Array ? decoded.data : rest.subarray(0, consumed))
    rest = decoded.remainder
  }
  return { raws, damaged: 0 }
}

export class TransactionJournal {
  private readonly path: string
  private readonly pool: TxPool
  private readonly rejournalMs: number
  private readonly logger: Logger
  private fd: number | undefined
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined

  constructor(init: TransactionJournalInit) {
    this.path = init.path
    this.pool = init.pool
    this.rejournalMs = init.rejournalMs
    this.logger = init.logger
  }

  /**
   * Adds the journaled transactions to the pool as local ones (those no longer valid, e.g.
   * mined meanwhile, are left out), then rewrites the journal with what the pool kept.
   */
  async load(): Promise<{ journaled: number; added: number }> {
    if (!existsSync(this.path)) return { journaled: 0, added: 0 }
    const { raws, damaged } = readJournal(readFileSync(this.path))
    if (damaged > 0) this.logger.warn({ path: this.path, bytes: damaged }, 'transaction journal has a damaged tail; reading stopped there')
    let added = 0
    for (const raw of raws) {
      try {
        await this.pool.addRaw(raw, { local: true })
        added++
      } catch {
        // Mined, replaced or no longer valid: the rewrite below leaves it out.
      }
    }
    this.rotate()
    this.logger.info({ path: this.path, journaled: raws.length, added }, 'loaded local transactions from the journal')
    return { journaled: raws.length, added }
  }

  /** Appends each local transaction as it enters the pool; rewrites the file every rejournalMs. */
  start(): void {
    this.fd ??= openSync(this.path, 'a', 0o600)
    const onLocal = (pooled: PooledTransaction) => this.append(pooled.raw)
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
        for (const pooled of locals) writeSync(fd, journalItem(pooled.raw))
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
