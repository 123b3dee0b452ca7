// executable(): geth's TransactionsByPriceAndNonce over the pending transactions.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BASE_FEE, GWEI, addressHex, makePool, tx1559, txLegacy } from './helpers.ts'

describe('executable()', () => {
  it('yields the best effective tip first across senders and nonce order within a sender', async () => {
    const { pool } = makePool()
    // Sender 0: a cheap first transaction blocks a rich second one.
    const a0 = await pool.addRaw(tx1559(0, { nonce: 0n, tip: 1n * GWEI }).serialize())
    const a1 = await pool.addRaw(tx1559(0, { nonce: 1n, tip: 9n * GWEI }).serialize())
    const b0 = await pool.addRaw(tx1559(1, { nonce: 0n, tip: 3n * GWEI }).serialize())
    const b1 = await pool.addRaw(tx1559(1, { nonce: 1n, tip: 2n * GWEI }).serialize())
    const c0 = await pool.addRaw(tx1559(2, { nonce: 0n, tip: 5n * GWEI }).serialize())
    const order = drainAll(pool.executable(BASE_FEE))
    assert.deepEqual(order, [c0, b0, b1, a0, a1].map((tx) => tx.hashHex))
  })

  it('ranks by min(tip, fee cap - base fee) and legacy by gas price - base fee', async () => {
    const { pool } = makePool()
    // Tip 1.5 gwei but only 0.5 gwei of headroom over the base fee.
    const capped = await pool.addRaw(tx1559(0, { tip: 3n * GWEI / 2n, feeCap: 3n * GWEI / 2n }).serialize())
    const legacy = await pool.addRaw(txLegacy(1, { gasPrice: 3n * GWEI }).serialize())
    const plain = await pool.addRaw(tx1559(2, { tip: GWEI, feeCap: 10n * GWEI }).serialize())
    // Effective tips 2 (legacy), 1 (plain), 0.5 (capped).
    assert.deepEqual(drainAll(pool.executable(BASE_FEE)), [legacy, plain, capped].map((tx) => tx.hashHex))
    // At a 1.5 gwei base fee the capped one still fits, with nothing left for the sealer.
    assert.deepEqual(drainAll(pool.executable(3n * GWEI / 2n)), [legacy, plain, capped].map((tx) => tx.hashHex))
    // At 2.5 gwei: legacy keeps 0.5, plain 1, and the capped one no longer fits.
    assert.deepEqual(drainAll(pool.executable(5n * GWEI / 2n)), [plain, legacy].map((tx) => tx.hashHex))
  })

  it('breaks tip ties by arrival order', async () => {
    const { pool } = makePool()
    const first = await pool.addRaw(tx1559(3, { tip: 2n * GWEI }).serialize())
    const second = await pool.addRaw(tx1559(1, { tip: 2n * GWEI }).serialize())
    const third = await pool.addRaw(tx1559(2, { tip: 2n * GWEI }).serialize())
    assert.deepEqual(drainAll(pool.executable(BASE_FEE)), [first, second, third].map((tx) => tx.hashHex))
  })

  it('stops a sender at its first transaction whose fee cap is below the base fee', async () => {
    const { pool } = makePool()
    const a0 = await pool.addRaw(tx1559(0, { nonce: 0n, tip: GWEI, feeCap: 5n * GWEI }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 1n, tip: GWEI, feeCap: 2n * GWEI }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 2n, tip: GWEI, feeCap: 5n * GWEI }).serialize())
    await pool.addRaw(tx1559(1, { nonce: 0n, tip: GWEI, feeCap: 2n * GWEI }).serialize())
    assert.equal(drainAll(pool.executable(BASE_FEE)).length, 4)
    assert.deepEqual(drainAll(pool.executable(3n * GWEI)), [a0.hashHex])
  })

  it('never yields queued transactions', async () => {
    const { pool } = makePool()
    const pending = await pool.addRaw(tx1559(0, { nonce: 0n }).serialize())
    await pool.addRaw(tx1559(0, { nonce: 2n, tip: 50n * GWEI, feeCap: 60n * GWEI }).serialize())
    await pool.addRaw(tx1559(1, { nonce: 1n, tip: 50n * GWEI, feeCap: 60n * GWEI }).serialize())
    assert.deepEqual(drainAll(pool.executable(BASE_FEE)), [pending.hashHex])
  })

  it('skipSender drops the rest of the last returned transaction\'s sender', async () => {
    const { pool } = makePool()
    const a = [0n, 1n, 2n].map((nonce) => tx1559(0, { nonce, tip: 3n * GWEI }))
    const b = [0n, 1n].map((nonce) => tx1559(1, { nonce, tip: 2n * GWEI }))
    for (const tx of [...a, ...b]) await pool.addRaw(tx.serialize())
    const cursor = pool.executable(BASE_FEE)
    const first = cursor.next()
    assert.equal(first?.senderHex, addressHex[0])
    assert.equal(first?.nonce, 0n)
    cursor.skipSender()
    const rest: [string, bigint][] = []
    for (let tx = cursor.next(); tx !== undefined; tx = cursor.next()) rest.push([tx.senderHex, tx.nonce])
    assert.deepEqual(rest, [[addressHex[1], 0n], [addressHex[1], 1n]])
    // skipSender after the end, or twice, is harmless.
    cursor.skipSender()
    assert.equal(cursor.next(), undefined)
  })

  it('skipSender in the middle of a sender\'s run keeps the other senders in order', async () => {
    const { pool } = makePool()
    for (const nonce of [0n, 1n, 2n]) await pool.addRaw(tx1559(0, { nonce, tip: 3n * GWEI }).serialize())
    for (const nonce of [0n, 1n]) await pool.addRaw(tx1559(1, { nonce, tip: 1n * GWEI }).serialize())
    const cursor = pool.executable(BASE_FEE)
    const seen: [string, bigint][] = []
    for (let tx = cursor.next(); tx !== undefined; tx = cursor.next()) {
      seen.push([tx.senderHex, tx.nonce])
      if (tx.senderHex === addressHex[0] && tx.nonce === 1n) cursor.skipSender()
    }
    assert.deepEqual(seen, [[addressHex[0], 0n], [addressHex[0], 1n], [addressHex[1], 0n], [addressHex[1], 1n]])
  })

  it('follows the live pool: removed transactions are not returned', async () => {
    const { pool, state } = makePool()
    for (const nonce of [0n, 1n]) await pool.addRaw(tx1559(0, { nonce, tip: 3n * GWEI }).serialize())
    const b0 = await pool.addRaw(tx1559(1, { tip: 1n * GWEI }).serialize())
    const cursor = pool.executable(BASE_FEE)
    assert.equal(cursor.next()?.nonce, 0n)
    // Sender 0's transactions get mined meanwhile.
    state.set(0, { nonce: 2n })
    await pool.onNewHead(state, { baseFee: BASE_FEE, gasLimit: 60_000_000n })
    assert.equal(cursor.next()?.hashHex, b0.hashHex)
    assert.equal(cursor.next(), undefined)
  })

  it('is empty for an empty pool', () => {
    const { pool } = makePool()
    assert.equal(pool.executable(BASE_FEE).next(), undefined)
  })

  it('orders thousands of transactions correctly', async () => {
    const { pool } = makePool({ options: { maxPending: 10_000 } })
    const perSender = 40
    for (let sender = 0; sender < 10; sender++) {
      for (let nonce = 0; nonce < perSender; nonce++) {
        const tip = BigInt(1 + ((sender * 13 + nonce * 7) % 17)) * GWEI / 10n
        await pool.addRaw(tx1559(sender, { nonce: BigInt(nonce), tip, feeCap: 5n * GWEI }).serialize())
      }
    }
    const cursor = pool.executable(BASE_FEE)
    const nextNonce = new Map<string, bigint>()
    let count = 0
    for (let tx = cursor.next(); tx !== undefined; tx = cursor.next()) {
      count++
      assert.equal(tx.nonce, nextNonce.get(tx.senderHex) ?? 0n, 'nonce order within a sender')
      nextNonce.set(tx.senderHex, tx.nonce + 1n)
    }
    assert.equal(count, 10 * perSender)
  })
})

function drainAll(cursor: { next(): { hashHex: string } | undefined }): string[] {
  const out: string[] = []
  for (let tx = cursor.next(); tx !== undefined; tx = cursor.next()) out.push(tx.hashHex)
  return out
}
