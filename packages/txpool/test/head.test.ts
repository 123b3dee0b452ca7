// onNewHead (mined, unaffordable, gas limit, demotion, promotion) and reorg re-adds.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLegacyTx } from '@ethereumjs/tx'
import { RLP } from '@ethereumjs/rlp'
import type { DropReason, PoolAccount, PooledTransaction, PoolStateReader } from '../src/index.ts'
import { BASE_FEE, ETH, GWEI, MapState, addressHex, addresses, common, head, makePool, rawUnprotectedLegacy, rejects, tx1559 } from './helpers.ts'

function record(pool: ReturnType<typeof makePool>['pool']) {
  const pending: PooledTransaction[] = []
  const dropped: [PooledTransaction, DropReason][] = []
  pool.events.on('pending', (tx) => pending.push(tx))
  pool.events.on('dropped', (tx, reason) => dropped.push([tx, reason]))
  return { pending, dropped }
}

function copyState(state: MapState): MapState {
  const next = new MapState()
  for (const [address, account] of state.accounts) next.accounts.set(address, { ...account })
  return next
}

describe('onNewHead', () => {
  it('removes mined transactions silently and keeps the rest pending', async () => {
    const { pool, state } = makePool()
    const events = record(pool)
    const txs = [0n, 1n, 2n, 3n].map((nonce) => tx1559(0, { nonce }))
    for (const tx of txs) await pool.addRaw(tx.serialize())
    await pool.addRaw(tx1559(1).serialize())
    events.pending.length = 0
    const next = copyState(state).set(0, { nonce: 2n })
    await pool.onNewHead(next, head())
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
    assert.equal(pool.get(`0x${Buffer.from(txs[0].hash()).toString('hex')}`), undefined)
    assert.equal(pool.get(`0x${Buffer.from(txs[1].hash()).toString('hex')}`), undefined)
    assert.deepEqual([...pool.content().pending.get(addressHex[0])!.keys()], [2n, 3n])
    assert.equal(await pool.pendingNonce(addresses[0]), 4n)
    assert.deepEqual(events.dropped, [])
    assert.deepEqual(events.pending, [])
    // Everything of a sender mined: the sender leaves the pool.
    await pool.onNewHead(copyState(next).set(0, { nonce: 4n }).set(1, { nonce: 1n }), head())
    assert.deepEqual(pool.status(), { pending: 0, queued: 0 })
    assert.equal(pool.content().pending.size, 0)
    assert.equal(pool.executable(BASE_FEE).next(), undefined)
  })

  it('uses the new state for later adds', async () => {
    const { pool, state } = makePool()
    await pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    await pool.onNewHead(copyState(state).set(0, { nonce: 1n }), head())
    await rejects(pool.addRaw(tx1559(0, { nonce: 0n, tip: 5n * GWEI }).serialize()), 'nonce-too-low', 'nonce too low: next nonce 1, tx nonce 0')
    await pool.addRaw(tx1559(0, { nonce: 1n }).serialize())
    assert.equal(await pool.pendingNonce(addresses[0]), 2n)
    // An account not in the pool is read again after a head change.
    state.set(5, { nonce: 3n })
    assert.equal(await pool.pendingNonce(addresses[5]), 0n)
    await pool.onNewHead(copyState(state).set(5, { nonce: 3n }), head())
    assert.equal(await pool.pendingNonce(addresses[5]), 3n)
  })

  it('drops transactions the sender can no longer afford and demotes the ones behind them', async () => {
    const { pool, state } = makePool()
    const events = record(pool)
    const cheap = { tip: GWEI, feeCap: 2n * GWEI }
    await pool.addRaw(tx1559(0, { nonce: 0n, ...cheap }).serialize())
    const expensive = await pool.addRaw(tx1559(0, { nonce: 1n, ...cheap, value: 5n * ETH }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 2n, ...cheap }).serialize())
    const next = copyState(state).set(0, { balance: ETH })
    await pool.onNewHead(next, head())
    assert.deepEqual(events.dropped.map(([tx, reason]) => [tx.hashHex, reason]), [[expensive.hashHex, 'unaffordable']])
    assert.deepEqual(pool.status(), { pending: 1, queued: 1 })
    assert.deepEqual([...pool.content().queued.get(addressHex[0])!.keys()], [2n])
    assert.equal(await pool.pendingNonce(addresses[0]), 1n)
    // Filling the gap again promotes nonce 2.
    events.pending.length = 0
    await pool.addRaw(tx1559(0, { nonce: 1n, ...cheap }).serialize())
    assert.deepEqual(events.pending.map((tx) => tx.nonce), [1n, 2n])
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
  })

  it('drops transactions over a lowered block gas limit', async () => {
    const { pool, state } = makePool()
    const events = record(pool)
    await pool.addRaw(tx1559(0, { nonce: 0n, gasLimit: 21_000n }).serialize())
    const big = await pool.addRaw(tx1559(0, { nonce: 1n, gasLimit: 5_000_000n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 2n, gasLimit: 21_000n }).serialize())
    await pool.onNewHead(state, head({ gasLimit: 1_000_000n }))
    assert.deepEqual(events.dropped.map(([tx, reason]) => [tx.hashHex, reason]), [[big.hashHex, 'gas-limit']])
    assert.deepEqual(pool.status(), { pending: 1, queued: 1 })
    await rejects(pool.addRaw(tx1559(1, { gasLimit: 1_000_001n }).serialize()), 'gas-limit', 'exceeds block gas limit')
  })

  it('promotes queued transactions that became contiguous', async () => {
    const { pool, state } = makePool()
    const events = record(pool)
    await pool.addRaw(tx1559(0, { nonce: 3n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 4n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 6n }).serialize())
    assert.deepEqual(pool.status(), { pending: 0, queued: 3 })
    // Nonces 0-2 were sent elsewhere and mined.
    await pool.onNewHead(copyState(state).set(0, { nonce: 3n }), head())
    assert.deepEqual(pool.status(), { pending: 2, queued: 1 })
    assert.deepEqual(events.pending.map((tx) => tx.nonce), [3n, 4n])
    assert.equal(await pool.pendingNonce(addresses[0]), 5n)
  })

  it('demotes pending transactions when the account nonce goes back (reorg)', async () => {
    const { pool, state } = makePool()
    state.set(0, { nonce: 2n })
    await pool.addRaw(tx1559(0, { nonce: 2n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 3n }).serialize())
    const reorged = copyState(state).set(0, { nonce: 1n })
    await pool.onNewHead(reorged, head())
    assert.deepEqual(pool.status(), { pending: 0, queued: 2 })
    assert.equal(pool.executable(BASE_FEE).next(), undefined)
    // The dropped block's transaction comes back and everything is executable again.
    await pool.readd([tx1559(0, { nonce: 1n })])
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
    assert.equal(await pool.pendingNonce(addresses[0]), 4n)
  })

  it('frees room under maxPending for runs that were held back', async () => {
    const { pool, state } = makePool({ options: { maxPending: 2 } })
    await pool.addRaw(tx1559(0, { nonce: 0n, tip: 5n * GWEI }).serialize())
    await pool.addRaw(tx1559(1, { nonce: 1n, tip: 5n * GWEI }).serialize())
    await pool.addRaw(tx1559(1, { nonce: 0n, tip: 5n * GWEI }).serialize())
    assert.deepEqual(pool.status(), { pending: 2, queued: 1 })
    await pool.onNewHead(copyState(state).set(0, { nonce: 1n }), head())
    assert.deepEqual(pool.status(), { pending: 2, queued: 0 })
    assert.equal(await pool.pendingNonce(addresses[1]), 2n)
  })

  it('re-ranks eviction by the new base fee', async () => {
    const { pool, state } = makePool({ options: { maxPending: 1, maxQueued: 1 } })
    // At base fee 1 gwei: A earns 2 gwei (tip-limited), B earns 1.5 gwei.
    const a = await pool.addRaw(tx1559(0, { tip: 2n * GWEI, feeCap: 3n * GWEI }).serialize())
    const b = await pool.addRaw(tx1559(1, { tip: 3n * GWEI / 2n, feeCap: 10n * GWEI }).serialize())
    // At base fee 2 gwei: A earns 1 gwei, B still 1.5: A is now the cheapest.
    await pool.onNewHead(state, head({ baseFee: 2n * GWEI }))
    await pool.addRaw(tx1559(2, { tip: 5n * GWEI / 4n, feeCap: 10n * GWEI }).serialize())
    assert.equal(pool.get(a.hashHex), undefined)
    assert.equal(pool.get(b.hashHex), b)
  })

  it('reads each sender\'s account once per head', async () => {
    const { pool, state } = makePool()
    for (let sender = 0; sender < 5; sender++) for (const nonce of [0n, 1n]) await pool.addRaw(tx1559(sender, { nonce }).serialize())
    const next = copyState(state)
    await pool.onNewHead(next, head())
    assert.equal(next.reads, 5)
    await pool.addRaw(tx1559(0, { nonce: 2n }).serialize())
    assert.equal(next.reads, 5)
  })

  it('applies consecutive heads in order', async () => {
    const { pool, state } = makePool()
    for (const nonce of [0n, 1n, 2n]) await pool.addRaw(tx1559(0, { nonce }).serialize())
    const first = pool.onNewHead(copyState(state).set(0, { nonce: 1n }), head())
    const second = pool.onNewHead(copyState(state).set(0, { nonce: 3n }), head())
    await Promise.all([first, second])
    assert.deepEqual(pool.status(), { pending: 0, queued: 0 })
  })

  it('revalidates an add whose account read straddles a new head', async () => {
    let release: ((account: PoolAccount) => void) | undefined
    const slow: PoolStateReader = {
      getAccount: () => new Promise<PoolAccount>((resolve) => {
        release = resolve
      }),
    }
    const state = new MapState()
    const { pool } = makePool({ state: state })
    await pool.onNewHead(slow, head())
    const adding = pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    await new Promise((resolve) => setImmediate(resolve))
    assert.ok(release !== undefined, 'the add is waiting for its account')
    // A block mining nonce 0 arrives before the old read returns.
    const newer = new MapState().set(0, { nonce: 1n, balance: ETH })
    await pool.onNewHead(newer, head())
    release({ nonce: 0n, balance: ETH })
    await rejects(adding, 'nonce-too-low', 'nonce too low: next nonce 1, tx nonce 0')
    assert.deepEqual(pool.status(), { pending: 0, queued: 0 })
  })
})

describe('readd', () => {
  it('puts back reorged transactions and ignores the ones that no longer fit', async () => {
    // Blocks of 10M gas: a transaction over the block limit stays under Osaka's 2^24 cap.
    const { pool, state } = makePool({ head: { gasLimit: 10_000_000n } })
    const known = tx1559(1)
    await pool.addRaw(known.serialize())
    state.set(2, { nonce: 5n })
    const underBaseFee = tx1559(0, { nonce: 0n, tip: 1n, feeCap: BASE_FEE / 2n })
    await pool.readd([
      underBaseFee, // kept despite the base fee, as geth does for reorged transactions
      known, // already known
      tx1559(2, { nonce: 1n }), // mined on the new chain
      tx1559(3, { gasLimit: 10_000_001n }), // no longer fits a block
    ])
    assert.deepEqual(pool.status(), { pending: 2, queued: 0 })
    assert.equal(pool.content().pending.get(addressHex[0])!.get(0n)!.hashHex, `0x${Buffer.from(underBaseFee.hash()).toString('hex')}`)
    // Such a transaction is not executable until the base fee falls.
    assert.deepEqual([...iterate(pool.executable(BASE_FEE))].map((tx) => tx.senderHex), [addressHex[1]])
    assert.equal([...iterate(pool.executable(BASE_FEE / 2n))].length, 2)
  })

  it('accepts unprotected legacy transactions from blocks', async () => {
    const { pool } = makePool()
    const unprotected = createLegacyTx(
      (() => {
        const [nonce, gasPrice, gasLimit, to, value, data, v, r, s] = RLP.decode(rawUnprotectedLegacy(4)) as Uint8Array[]
        return { nonce, gasPrice, gasLimit, to, value, data, v, r, s }
      })(),
      { common, params: {} },
    )
    await rejects(pool.add(unprotected), 'unprotected', 'only replay-protected (EIP-155) transactions allowed over RPC')
    await pool.readd([unprotected])
    assert.equal(pool.content().pending.get(addressHex[4])?.size, 1)
  })

  it('waits for a head update in progress', async () => {
    const { pool, state } = makePool()
    const tx = tx1559(0, { nonce: 0n })
    await pool.addRaw(tx.serialize())
    // Block with nonce 0 arrives, then is reorged away: the head goes back to nonce 0.
    const mined = pool.onNewHead(copyState(state).set(0, { nonce: 1n }), head())
    const back = pool.onNewHead(copyState(state), head())
    const readding = pool.readd([tx])
    await Promise.all([mined, back, readding])
    assert.deepEqual(pool.status(), { pending: 1, queued: 0 })
  })
})

function* iterate(cursor: { next(): PooledTransaction | undefined }): Generator<PooledTransaction> {
  for (let tx = cursor.next(); tx !== undefined; tx = cursor.next()) yield tx
}
