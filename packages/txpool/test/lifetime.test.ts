// The pool's lifetime (geth's --txpool.lifetime) and who gives way when the pool is full.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GWEI, addressHex, makePool, recordEvents, rejects, tx1559 } from './helpers.ts'

const HOUR = 60 * 60 * 1000

describe('lifetime of queued transactions', () => {
  it('drops a sender\'s queued transactions once its heartbeat is older than the lifetime, never pending ones', async () => {
    const { pool, registry } = makePool({ options: { lifetimeMs: HOUR } })
    const events = recordEvents(pool)
    const pending = await pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    const gapped = [await pool.addRaw(tx1559(0, { nonce: 5n }).serialize()), await pool.addRaw(tx1559(0, { nonce: 6n }).serialize())]
    const burst = await pool.addRaw(tx1559(1, { nonce: 9n }).serialize())
    assert.deepEqual(pool.status(), { pending: 1, queued: 3 })

    assert.equal(pool.expireQueued(Date.now() + HOUR - 1_000), 0, 'nothing before the lifetime')
    assert.deepEqual(pool.status(), { pending: 1, queued: 3 })

    assert.equal(pool.expireQueued(Date.now() + HOUR + 1_000), 3)
    assert.deepEqual(pool.status(), { pending: 1, queued: 0 })
    assert.equal(pool.get(pending.hashHex), pending)
    assert.deepEqual(events.dropped.map(([tx, reason]) => [tx.hashHex, reason]).sort(), [...gapped, burst].map((tx) => [tx.hashHex, 'expired']).sort())
    assert.equal(pool.content().queued.size, 0)
    assert.deepEqual([...pool.content().pending.keys()], [addressHex[0]])
    assert.match(await registry!.metrics(), /^txpool_dropped_total\{reason="expired"\} 3$/m)
  })

  it('counts the lifetime from the sender\'s last promotion', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    const { pool } = makePool({ options: { lifetimeMs: HOUR } })
    await pool.addRaw(tx1559(0, { nonce: 1n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 3n }).serialize())
    // Two hours on, nonce 0 arrives and promotes nonce 1: the sender is alive again.
    t.mock.timers.tick(2 * HOUR)
    await pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    assert.deepEqual(pool.status(), { pending: 2, queued: 1 })
    assert.equal(pool.expireQueued(Date.now() + HOUR - 1), 0, 'nonce 3 waits a lifetime from the promotion')
    assert.equal(pool.expireQueued(Date.now() + HOUR + 1), 1)
    assert.deepEqual(pool.status(), { pending: 2, queued: 0 })
  })

  it('rejects a lifetime that is not a positive integer of ms', () => {
    assert.throws(() => makePool({ options: { lifetimeMs: 0 } }), RangeError)
  })
})

describe('a full pool', () => {
  it('evicts nothing while the pool as a whole has room, the pending part at maxPending or not', async () => {
    const { pool } = makePool({ options: { maxPending: 2, maxQueued: 2 } })
    const events = recordEvents(pool)
    const future = await pool.addRaw(tx1559(0, { nonce: 7n }).serialize())
    await pool.addRaw(tx1559(1).serialize())
    await pool.addRaw(tx1559(2).serialize())
    // Pending at maxPending, 3 of 4 in all: the executable newcomer takes the free queued room.
    const third = await pool.addRaw(tx1559(3, { tip: 9n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 3, queued: 1 })
    assert.deepEqual(events.dropped, [])
    assert.equal(pool.get(future.hashHex), future)
    assert.equal(pool.get(third.hashHex), third)
  })

  it('lets an executable transaction in by evicting an unexecutable one of another sender, whatever both pay', async () => {
    const { pool } = makePool({ options: { maxPending: 2, maxQueued: 2 } })
    const events = recordEvents(pool)
    await pool.addRaw(tx1559(0, { tip: 9n * GWEI }).serialize())
    await pool.addRaw(tx1559(1, { tip: 9n * GWEI }).serialize())
    // A burst of future transactions paying far more than anyone.
    const cheaperJunk = await pool.addRaw(tx1559(2, { nonce: 7n, tip: 40n * GWEI }).serialize())
    await pool.addRaw(tx1559(3, { nonce: 7n, tip: 50n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 2, queued: 2 })

    // An honest transfer paying less than every pending one: not refused, the cheapest junk goes.
    const honest = await pool.addRaw(tx1559(4, { tip: GWEI }).serialize())
    assert.equal(pool.get(honest.hashHex), honest)
    assert.deepEqual(pool.status(), { pending: 3, queued: 1 })
    assert.deepEqual(events.dropped.map(([tx, reason]) => [tx.hashHex, reason]), [[cheaperJunk.hashHex, 'evicted']])
    assert.deepEqual(events.pending.at(-1)?.hashHex, honest.hashHex)
  })

  it('still evicts a cheaper pending transaction first when the newcomer outbids it', async () => {
    const { pool } = makePool({ options: { maxPending: 2, maxQueued: 2 } })
    const events = recordEvents(pool)
    const cheap = await pool.addRaw(tx1559(0, { tip: GWEI }).serialize())
    await pool.addRaw(tx1559(1, { tip: 2n * GWEI }).serialize())
    await pool.addRaw(tx1559(2, { nonce: 7n, tip: 40n * GWEI }).serialize())
    await pool.addRaw(tx1559(4, { nonce: 7n, tip: 40n * GWEI }).serialize())
    await pool.addRaw(tx1559(3, { tip: 5n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 2, queued: 2 })
    assert.deepEqual(events.dropped.map(([tx, reason]) => [tx.hashHex, reason]), [[cheap.hashHex, 'evicted']])
  })

  it('never lets a future transaction take the room of an executable one', async () => {
    const { pool } = makePool({ options: { maxPending: 2, maxQueued: 1 } })
    await pool.addRaw(tx1559(0, { tip: 9n * GWEI }).serialize())
    await pool.addRaw(tx1559(1, { tip: 9n * GWEI }).serialize())
    await pool.addRaw(tx1559(2, { nonce: 7n }).serialize())
    // The executable newcomer takes the queued slot: the pool is at its capacity of 3.
    await pool.addRaw(tx1559(3, { tip: GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
    await rejects(pool.addRaw(tx1559(4, { nonce: 7n, tip: 90n * GWEI }).serialize()), 'pool-full', 'txpool is full')
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
  })

  it('refuses an executable transaction only when nothing of another sender can give way', async () => {
    const { pool } = makePool({ options: { maxPending: 2, maxQueued: 2 } })
    await pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 1n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 5n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 6n }).serialize())
    await rejects(pool.addRaw(tx1559(0, { nonce: 2n, tip: 9n * GWEI }).serialize()), 'pool-full', 'txpool is full')
    // Other senders' pending transactions that pay at least as much: underpriced, as geth.
    const other = makePool({ options: { maxPending: 1, maxQueued: 1 } }).pool
    await other.addRaw(tx1559(0, { tip: 5n * GWEI }).serialize())
    await other.addRaw(tx1559(2, { tip: 5n * GWEI }).serialize())
    await rejects(other.addRaw(tx1559(1, { tip: 5n * GWEI }).serialize()), 'underpriced', 'transaction underpriced: pool is full')
  })
})
