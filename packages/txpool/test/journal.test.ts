// The journal of local transactions on a real file: appended as local transactions enter the
// pool, rewritten from the pool (mined and remote ones left out), loaded back into a new pool.
import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

  it('writes geth\'s format: a legacy transaction as its RLP list, a typed one as an RLP string', () => {
    const legacy = txLegacy(1).serialize()
    const typed = tx1559(1).serialize()
    assert.deepEqual(journalItem(legacy), legacy)
    assert.deepEqual(RLP.decode(journalItem(typed)), typed)
    assert.deepEqual(readJournal(new Uint8Array([...journalItem(typed), ...journalItem(legacy)])), { raws: [typed, legacy], damaged: 0 })
  })
})
