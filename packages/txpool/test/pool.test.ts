// Pool behaviour: pending/queued, promotion, replacement, limits and eviction, views, events.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { DropReason, PooledTransaction } from '../src/index.ts'
import { GWEI, MapState, addressHex, addresses, hashOf, makePool, rejects, tx1559, txLegacy } from './helpers.ts'

function record(pool: ReturnType<typeof makePool>['pool']) {
  const pending: PooledTransaction[] = []
  const dropped: [PooledTransaction, DropReason][] = []
  pool.events.on('pending', (tx) => pending.push(tx))
  pool.events.on('dropped', (tx, reason) => dropped.push([tx, reason]))
  return { pending, dropped }
}

describe('pending and queued', () => {
  it('makes a transaction at the account nonce pending and a gapped one queued', async () => {
    const { pool, state } = makePool()
    state.set(0, { nonce: 3n })
    const events = record(pool)
    const first = await pool.addRaw(tx1559(0, { nonce: 3n }).serialize())
    const gapped = await pool.addRaw(tx1559(0, { nonce: 5n }).serialize())
    assert.deepEqual(pool.status(), { pending: 1, queued: 1 })
    assert.deepEqual(events.pending.map((tx) => tx.hashHex), [first.hashHex])
    const content = pool.content()
    assert.deepEqual([...content.pending.get(addressHex[0])!.keys()], [3n])
    assert.deepEqual([...content.queued.get(addressHex[0])!.keys()], [5n])
    assert.equal(content.queued.get(addressHex[0])!.get(5n), gapped)
    assert.equal(await pool.pendingNonce(addresses[0]), 4n)
  })

  it('promotes queued transactions when the gap fills, in nonce order', async () => {
    const { pool } = makePool()
    const events = record(pool)
    const txs = [0n, 1n, 2n, 3n].map((nonce) => tx1559(0, { nonce }))
    await pool.addRaw(txs[3].serialize())
    await pool.addRaw(txs[1].serialize())
    await pool.addRaw(txs[2].serialize())
    assert.deepEqual(pool.status(), { pending: 0, queued: 3 })
    assert.equal(events.pending.length, 0)
    assert.equal(await pool.pendingNonce(addresses[0]), 0n)
    await pool.addRaw(txs[0].serialize())
    assert.deepEqual(pool.status(), { pending: 4, queued: 0 })
    assert.deepEqual(events.pending.map((tx) => tx.nonce), [0n, 1n, 2n, 3n])
    assert.equal(await pool.pendingNonce(addresses[0]), 4n)
    assert.equal(pool.content().queued.size, 0)
  })

  it('answers get() by hash, case-insensitively, for pending and queued', async () => {
    const { pool } = makePool()
    const pendingTx = tx1559(0)
    const queuedTx = tx1559(0, { nonce: 9n })
    await pool.addRaw(pendingTx.serialize())
    await pool.addRaw(queuedTx.serialize())
    assert.equal(pool.get(hashOf(pendingTx))?.nonce, 0n)
    assert.equal(pool.get(hashOf(queuedTx).toUpperCase().replace('0X', '0x'))?.nonce, 9n)
    assert.equal(pool.get(`0x${'00'.repeat(32)}`), undefined)
  })

  it('reports the account nonce as pending nonce for unknown senders', async () => {
    const { pool, state } = makePool()
    state.set(4, { nonce: 17n })
    assert.equal(await pool.pendingNonce(addresses[4]), 17n)
    assert.equal(await pool.pendingNonce(new Uint8Array(20)), 0n)
  })

  it('reads each account once per head, even for concurrent adds', async () => {
    const { pool, state } = makePool()
    const raws = Array.from({ length: 20 }, (_, i) => tx1559(0, { nonce: BigInt(i) }).serialize())
    await Promise.all(raws.map((raw) => pool.addRaw(raw)))
    assert.equal(state.reads, 1)
    assert.deepEqual(pool.status(), { pending: 20, queued: 0 })
    assert.equal(await pool.pendingNonce(addresses[0]), 20n)
    assert.equal(state.reads, 1)
  })

  it('keeps content() keyed by lowercase sender with nonce-ordered inner maps', async () => {
    const { pool } = makePool()
    for (const nonce of [7n, 5n, 6n, 0n, 1n]) await pool.addRaw(tx1559(1, { nonce }).serialize())
    const { pending, queued } = pool.content()
    assert.deepEqual([...pending.keys()], [addressHex[1]])
    assert.match(addressHex[1], /^0x[0-9a-f]{40}$/)
    assert.deepEqual([...pending.get(addressHex[1])!.keys()], [0n, 1n])
    assert.deepEqual([...queued.get(addressHex[1])!.keys()], [5n, 6n, 7n])
  })
})

describe('replacement', () => {
  it('replaces a pending transaction only with a 10% bump of both fee caps', async () => {
    const { pool } = makePool()
    const events = record(pool)
    const original = await pool.addRaw(tx1559(0, { tip: 10n * GWEI, feeCap: 20n * GWEI }).serialize())
    // +5%: refused.
    await rejects(pool.addRaw(tx1559(0, { tip: 10_500_000_000n, feeCap: 21n * GWEI }).serialize()), 'replacement-underpriced', 'replacement transaction underpriced')
    // Fee cap bumped, tip not: refused.
    await rejects(pool.addRaw(tx1559(0, { tip: 10n * GWEI, feeCap: 30n * GWEI }).serialize()), 'replacement-underpriced', 'replacement transaction underpriced')
    // Exactly +10% on both: accepted.
    const replacement = await pool.addRaw(tx1559(0, { tip: 11n * GWEI, feeCap: 22n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 1, queued: 0 })
    assert.equal(pool.get(original.hashHex), undefined)
    assert.equal(pool.get(replacement.hashHex), replacement)
    assert.deepEqual(events.dropped.map(([tx, reason]) => [tx.hashHex, reason]), [[original.hashHex, 'replaced']])
    assert.deepEqual(events.pending.map((tx) => tx.hashHex), [original.hashHex, replacement.hashHex])
    assert.equal(pool.content().pending.get(addressHex[0])!.get(0n), replacement)
  })

  it('requires a strict increase even when 10% rounds to nothing', async () => {
    const { pool } = makePool({ head: { baseFee: 1n }, options: { minTip: 1n } })
    await pool.addRaw(tx1559(0, { tip: 5n, feeCap: 5n }).serialize())
    await rejects(pool.addRaw(tx1559(0, { tip: 5n, feeCap: 5n, value: 2n }).serialize()), 'replacement-underpriced', 'replacement transaction underpriced')
    await pool.addRaw(tx1559(0, { tip: 6n, feeCap: 6n }).serialize())
  })

  it('replaces queued transactions and legacy ones by gas price', async () => {
    const { pool } = makePool()
    await pool.addRaw(tx1559(0, { nonce: 4n, tip: GWEI, feeCap: 3n * GWEI }).serialize())
    const queuedReplacement = await pool.addRaw(tx1559(0, { nonce: 4n, tip: 2n * GWEI, feeCap: 6n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 0, queued: 1 })
    assert.equal(pool.content().queued.get(addressHex[0])!.get(4n), queuedReplacement)

    await pool.addRaw(txLegacy(1, { gasPrice: 10n * GWEI }).serialize())
    await rejects(pool.addRaw(txLegacy(1, { gasPrice: 10n * GWEI + 1n }).serialize()), 'replacement-underpriced', 'replacement transaction underpriced')
    // A typed transaction may replace a legacy one.
    await pool.addRaw(tx1559(1, { tip: 11n * GWEI, feeCap: 11n * GWEI }).serialize())
    assert.equal(pool.content().pending.get(addressHex[1])!.get(0n)!.tx.type, 2)
  })

  it('honours a custom priceBump', async () => {
    const { pool } = makePool({ options: { priceBump: 50n } })
    await pool.addRaw(tx1559(0, { tip: 10n * GWEI, feeCap: 20n * GWEI }).serialize())
    await rejects(pool.addRaw(tx1559(0, { tip: 14n * GWEI, feeCap: 30n * GWEI }).serialize()), 'replacement-underpriced', 'replacement transaction underpriced: need maxFeePerGas >= 30000000000 and maxPriorityFeePerGas >= 15000000000')
    await pool.addRaw(tx1559(0, { tip: 15n * GWEI, feeCap: 30n * GWEI }).serialize())
  })
})

describe('limits', () => {
  it('enforces maxPendingPerSender', async () => {
    const { pool } = makePool({ options: { maxPendingPerSender: 3 } })
    for (let nonce = 0n; nonce < 3n; nonce++) await pool.addRaw(tx1559(0, { nonce }).serialize())
    await rejects(pool.addRaw(tx1559(0, { nonce: 3n }).serialize()), 'account-limit', 'account limit exceeded')
    // Other senders are unaffected.
    await pool.addRaw(tx1559(1).serialize())
    assert.deepEqual(pool.status(), { pending: 4, queued: 0 })
  })

  it('keeps a contiguous run queued beyond maxPendingPerSender until the pending ones are mined', async () => {
    const { pool, state } = makePool({ options: { maxPendingPerSender: 2 } })
    for (const nonce of [1n, 2n, 3n]) await pool.addRaw(tx1559(0, { nonce }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    assert.deepEqual(pool.status(), { pending: 2, queued: 2 })
    assert.equal(await pool.pendingNonce(addresses[0]), 2n)
    state.set(0, { nonce: 2n })
    await pool.onNewHead(state, { baseFee: GWEI, gasLimit: 60_000_000n })
    assert.deepEqual(pool.status(), { pending: 2, queued: 0 })
    assert.equal(await pool.pendingNonce(addresses[0]), 4n)
  })

  it('evicts the cheapest pending transaction of another sender when full', async () => {
    // A capacity of 3: the third executable transaction takes the queued slot.
    const { pool } = makePool({ options: { maxPending: 2, maxQueued: 1 } })
    const events = record(pool)
    const cheap = await pool.addRaw(tx1559(0, { tip: 1n * GWEI }).serialize())
    await pool.addRaw(tx1559(1, { tip: 2n * GWEI }).serialize())
    await pool.addRaw(tx1559(2, { tip: 3n * GWEI }).serialize())
    // Pays no more than the cheapest: refused.
    await rejects(pool.addRaw(tx1559(3, { tip: 1n * GWEI }).serialize()), 'underpriced', 'transaction underpriced')
    const rich = await pool.addRaw(tx1559(3, { tip: 5n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
    assert.equal(pool.get(cheap.hashHex), undefined)
    assert.equal(pool.get(rich.hashHex), rich)
    assert.deepEqual(events.dropped.map(([tx, reason]) => [tx.hashHex, reason]), [[cheap.hashHex, 'evicted']])
    assert.equal(await pool.pendingNonce(addresses[0]), 0n)
  })

  it('compares effective tips at the next base fee when choosing a victim', async () => {
    const { pool } = makePool({ options: { maxPending: 1, maxQueued: 1 } })
    // Tip 1.1 gwei but fee cap barely above the base fee: effective tip 0.1 gwei.
    const capped = await pool.addRaw(tx1559(0, { tip: GWEI + GWEI / 10n, feeCap: GWEI + GWEI / 10n }).serialize())
    const plain = await pool.addRaw(tx1559(1, { tip: GWEI, feeCap: 5n * GWEI }).serialize())
    await pool.addRaw(tx1559(2, { tip: GWEI / 2n, feeCap: 5n * GWEI }).serialize())
    assert.equal(pool.get(capped.hashHex), undefined)
    assert.equal(pool.get(plain.hashHex), plain)
  })

  it('demotes the later nonces of an evicted sender so no pending gap remains', async () => {
    const { pool } = makePool({ options: { maxPending: 2, maxQueued: 2 } })
    const a0 = await pool.addRaw(tx1559(0, { nonce: 0n, tip: GWEI }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 1n, tip: 5n * GWEI }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 2n, tip: 5n * GWEI }).serialize())
    await pool.addRaw(tx1559(1, { tip: 3n * GWEI }).serialize())
    await pool.addRaw(tx1559(2, { tip: 4n * GWEI }).serialize())
    assert.equal(pool.get(a0.hashHex), undefined)
    assert.deepEqual(pool.status(), { pending: 2, queued: 2 })
    assert.equal(pool.content().pending.get(addressHex[0]), undefined)
    assert.deepEqual([...pool.content().queued.get(addressHex[0])!.keys()], [1n, 2n])
    assert.equal(await pool.pendingNonce(addresses[0]), 0n)
    // A new nonce 0 (the pool is full: it takes the place of the cheapest pending one, sender
    // 1's) brings the run back as far as maxPending allows: 0 pending, 1 and 2 wait.
    await pool.addRaw(tx1559(0, { nonce: 0n, tip: 6n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 2, queued: 2 })
    assert.equal(pool.content().pending.get(addressHex[1]), undefined)
    assert.equal(await pool.pendingNonce(addresses[0]), 1n)
  })

  it('evicts the highest nonce first among equally priced transactions', async () => {
    const { pool } = makePool({ options: { maxPending: 2, maxQueued: 1 } })
    for (let nonce = 0n; nonce < 3n; nonce++) await pool.addRaw(tx1559(0, { nonce, tip: GWEI }).serialize())
    await pool.addRaw(tx1559(1, { tip: 2n * GWEI }).serialize())
    assert.deepEqual([...pool.content().pending.get(addressHex[0])!.keys()], [0n, 1n])
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
  })

  it('says the pool is full when only the sender\'s own transactions could make room', async () => {
    const { pool } = makePool({ options: { maxPending: 1, maxQueued: 1 } })
    await pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 1n }).serialize())
    await rejects(pool.addRaw(tx1559(0, { nonce: 2n, tip: 9n * GWEI }).serialize()), 'pool-full', 'txpool is full')
  })

  it('evicts the cheapest queued transaction when the queue is full, never a pending one', async () => {
    const { pool } = makePool({ options: { maxQueued: 2 } })
    const events = record(pool)
    await pool.addRaw(tx1559(0, { nonce: 0n, tip: GWEI / 10n }).serialize())
    const cheapQueued = await pool.addRaw(tx1559(1, { nonce: 3n, tip: GWEI }).serialize())
    await pool.addRaw(tx1559(2, { nonce: 3n, tip: 2n * GWEI }).serialize())
    await rejects(pool.addRaw(tx1559(3, { nonce: 3n, tip: GWEI }).serialize()), 'underpriced', 'transaction underpriced')
    await pool.addRaw(tx1559(3, { nonce: 3n, tip: 3n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 1, queued: 2 })
    assert.deepEqual(events.dropped.map(([tx, reason]) => [tx.hashHex, reason]), [[cheapQueued.hashHex, 'evicted']])
  })

  it('rejects invalid options', () => {
    assert.throws(() => makePool({ options: { maxPending: 0 } }), RangeError)
    assert.throws(() => makePool({ options: { minTip: -1n } }), RangeError)
  })
})

describe('events and metrics', () => {
  it('emits after the pool is consistent, so listeners can read it', async () => {
    const { pool } = makePool()
    const seen: [bigint, number][] = []
    pool.events.on('pending', (tx) => seen.push([tx.nonce, pool.status().pending]))
    await pool.addRaw(tx1559(0, { nonce: 1n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    assert.deepEqual(seen, [[0n, 2], [1n, 2]])
  })

  it('survives a throwing listener', async () => {
    const { pool } = makePool()
    pool.events.on('pending', () => {
      throw new Error('listener bug')
    })
    const pooled = await pool.addRaw(tx1559(0).serialize())
    assert.equal(pool.get(pooled.hashHex), pooled)
  })

  it('exposes pending and queued gauges and drop counters', async () => {
    const { pool, registry } = makePool({ options: { maxPending: 1, maxQueued: 1 } })
    await pool.addRaw(tx1559(0).serialize())
    await pool.addRaw(tx1559(0, { nonce: 2n }).serialize())
    await pool.addRaw(tx1559(1, { tip: 5n * GWEI }).serialize())
    const text = await registry!.metrics()
    assert.match(text, /^txpool_pending 1$/m)
    assert.match(text, /^txpool_queued 1$/m)
    assert.match(text, /^txpool_added_total 3$/m)
    assert.match(text, /^txpool_dropped_total\{reason="evicted"\} 1$/m)
  })

  it('runs without metrics', async () => {
    const { pool } = makePool({ registry: null })
    await pool.addRaw(tx1559(0).serialize())
    await assert.rejects(pool.addRaw(tx1559(0).serialize()), { reason: 'already-known' })
    assert.deepEqual(pool.status(), { pending: 1, queued: 0 })
  })

  it('re-registers metrics when a second pool uses the same registry', async () => {
    const { registry } = makePool()
    const { pool } = makePool({ registry })
    await pool.addRaw(tx1559(0).serialize())
    assert.match(await registry!.metrics(), /^txpool_pending 1$/m)
  })
})

describe('funds', () => {
  it('accepts exactly affordable transactions', async () => {
    const cost = 21_000n * 3n * GWEI + 1n
    const state = new MapState().set(0, { balance: cost })
    const { pool } = makePool({ state })
    await pool.addRaw(tx1559(0, { tip: GWEI, feeCap: 3n * GWEI, value: 1n }).serialize())
    assert.equal(pool.status().pending, 1)
  })
})
