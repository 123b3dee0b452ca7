// The journal of local transactions on a real file: appended as local transactions enter the
// pool, rewritten from the pool (mined and remote ones left out), loaded back into a new pool.
import assert from 'node:assert/strict'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, describe, it } from 'node:test'
import pino from 'pino'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@ethereumjs/util'
import { keccak256 } from '@busan/chain-config'
import { TransactionJournal, journalItem, readJournal, type TxPool } from '../src/index.ts'
import { MapState, hashOf, head, makePool, tx1559, txLegacy } from './helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'busan-journal-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

function openJournal(pool: TxPool, path = join(dir, `transactions-${files++}.rlp`)): { journal: TransactionJournal; path: string } {
  return { journal: new TransactionJournal({ path, pool, rejournalMs: 60_000, logger: pino({ level: 'silent' }) }), path }
}

/** Hashes of the transactions in a journal file, in file order. */
function journaled(path: string): string[] {
  return readJournal(readFileSync(path)).raws.map((raw) => bytesToHex(keccak256(raw)))
}

describe('transaction journal', () => {
  it('appends local transactions as they enter the pool, and only those', async () => {
    const { pool } = makePool()
    const { journal, path } = openJournal(pool)
    journal.start()
    const local = [tx1559(0, { nonce: 0n }), txLegacy(1), tx1559(0, { nonce: 1n })]
    for (const tx of local) await pool.addRaw(tx.serialize(), { local: true })
    await pool.addRaw(tx1559(2).serialize())
    assert.deepEqual(journaled(path), local.map(hashOf), 'appended at once, remote ones not')
    assert.deepEqual(pool.locals().map((pooled) => pooled.hashHex).sort(), local.map(hashOf).sort())
    journal.stop()
  })

  it('is rewritten from the pool: mined transactions leave it', async () => {
    const { pool, state } = makePool()
    const { journal, path } = openJournal(pool)
    journal.start()
    const local = [0n, 1n, 2n].map((nonce) => tx1559(3, { nonce }))
    for (const tx of local) await pool.addRaw(tx.serialize(), { local: true })
    const mined = new MapState()
    for (const [address, account] of state.accounts) mined.accounts.set(address, { ...account })
    mined.set(3, { nonce: 2n })
    await pool.onNewHead(mined, head())
    journal.rotate()
    assert.deepEqual(journaled(path), [hashOf(local[2])])
    journal.stop()
    assert.deepEqual(journaled(path), [hashOf(local[2])], 'stop rewrites it too')
  })

  it('loads into a new pool as local transactions, skipping invalid ones and a damaged tail', async () => {
    const first = makePool()
    const { journal, path } = openJournal(first.pool)
    journal.start()
    const local = [tx1559(4, { nonce: 0n }), tx1559(4, { nonce: 1n }), txLegacy(5)]
    for (const tx of local) await first.pool.addRaw(tx.serialize(), { local: true })
    journal.stop()
    // A transaction the new state has mined, then half of a record cut short by a crash.
    appendFileSync(path, journalItem(tx1559(6, { nonce: 0n }).serialize()))
    appendFileSync(path, journalItem(tx1559(7).serialize()).subarray(0, 40))

    const state = MapState.funded().set(6, { nonce: 1n })
    const second = makePool({ state })
    const loader = openJournal(second.pool, path)
    assert.deepEqual(await loader.journal.load(), { journaled: 4, added: 3 })
    assert.deepEqual(second.pool.status(), { pending: 3, queued: 0 })
    assert.ok(second.pool.locals().every((pooled) => pooled.local))
    assert.deepEqual(journaled(path), [hashOf(local[0]), hashOf(local[1]), hashOf(local[2])], 'rewritten with what the pool kept, the damaged tail gone')
  })

  it('loads a full pool back whole, however its transactions split into pending and queued', async () => {
    // Pending borrowed queued room (3 + 1 in a pool of 2 + 2); each reload must keep all 4.
    const limits = { maxPending: 2, maxQueued: 2 }
    const first = makePool({ options: limits })
    const { journal, path } = openJournal(first.pool)
    journal.start()
    const local = [tx1559(0, { nonce: 7n }), tx1559(1), tx1559(2), tx1559(3)]
    for (const tx of local) await first.pool.addRaw(tx.serialize(), { local: true })
    journal.stop()
    const second = makePool({ options: limits })
    assert.deepEqual(await openJournal(second.pool, path).journal.load(), { journaled: 4, added: 4 })
    assert.deepEqual(second.pool.status(), { pending: 3, queued: 1 })
  })

  it('stops at the first item that is not a transaction, without adding what follows', () => {
    const typed = tx1559(1).serialize()
    const legacy = txLegacy(2).serialize()
    const item = journalItem(typed)
    // Zero bytes decode as RLP items one byte long, but not as transactions.
    const zeros = new Uint8Array(1 << 20)
    assert.deepEqual(readJournal(new Uint8Array([...item, ...zeros, ...journalItem(legacy)])), { raws: [typed], damaged: zeros.length + legacy.length })
    assert.deepEqual(readJournal(zeros), { raws: [], damaged: zeros.length })
    // An RLP string that is no transaction envelope, and a list that is no legacy transaction.
    assert.deepEqual(readJournal(new Uint8Array([...RLP.encode(new Uint8Array([0x02, 0xc0])), ...item])).raws, [])
    assert.deepEqual(readJournal(new Uint8Array([...RLP.encode([new Uint8Array([1])]), ...item])).raws, [])
    // A length prefix that runs past the end of the file.
    assert.deepEqual(readJournal(new Uint8Array([...item, 0xbb, 0xff, 0xff, 0xff, 0xff])), { raws: [typed], damaged: 5 })
  })

  it('moves a journal over its size limit aside and starts without it', async () => {
    const path = join(dir, `transactions-${files++}.rlp`)
    writeFileSync(path, new Uint8Array(4096))
    const { pool } = makePool()
    const journal = new TransactionJournal({ path, pool, rejournalMs: 60_000, maxBytes: 1024, logger: pino({ level: 'silent' }) })
    assert.deepEqual(await journal.load(), { journaled: 0, added: 0 })
    assert.equal(existsSync(path), false, 'not left where the next rewrite would replace it')
    const aside = readdirSync(dir).filter((name) => name.startsWith(`${basename(path)}.unread-`))
    assert.equal(aside.length, 1)
    assert.equal(statSync(join(dir, aside[0])).size, 4096, 'kept whole for the operator')
  })

  it('writes geth\'s format: a legacy transaction as its RLP list, a typed one as an RLP string', () => {
    const legacy = txLegacy(1).serialize()
    const typed = tx1559(1).serialize()
    assert.deepEqual(journalItem(legacy), legacy)
    assert.deepEqual(RLP.decode(journalItem(typed)), typed)
    assert.deepEqual(readJournal(new Uint8Array([...journalItem(typed), ...journalItem(legacy)])), { raws: [typed, legacy], damaged: 0 })
  })
})
