// A seeded random walk of adds, replacements and new heads under tight limits, checking the
// pool's invariants after every step.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { prng } from '@busan/testkit'
import type { PooledTransaction } from '../src/index.ts'
import { BASE_FEE, ETH, GWEI, MapState, addressHex, head, makePool, tx1559 } from './helpers.ts'

describe('invariants', () => {
  for (const seed of [1, 2, 3]) {
    it(`hold through a random walk (seed ${seed})`, async () => {
      const random = prng(seed)
      const senders = 6
      const limits = { maxPending: 12, maxQueued: 6, maxPendingPerSender: 5, maxQueuedPerSender: 4 }
      const state = new MapState()
      for (let i = 0; i < senders; i++) state.set(i, { nonce: 0n, balance: 10n * ETH })
      const { pool } = makePool({ state, options: limits })
      const live = new Set<string>()
      pool.events.on('pending', (tx) => live.add(tx.hashHex))
      const outcomes = new Map<string, number>()
      const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
      pool.events.on('dropped', (tx, reason) => {
        live.delete(tx.hashHex)
        count(`dropped:${reason}`)
      })
      let accepted = 0
      let current = state

      for (let step = 0; step < 250; step++) {
        if (random() < 0.08) {
          // A block: each sender's nonce moves up by 0-2 (as if mined), balances may shrink.
          const next = new MapState()
          for (let i = 0; i < senders; i++) {
            const account = current.accounts.get(addressHex[i])!
            const mined = BigInt(Math.floor(random() * 3))
            next.set(i, { nonce: account.nonce + mined, balance: random() < 0.1 ? ETH / 1000n : account.balance })
          }
          current = next
          await pool.onNewHead(current, head())
        } else {
          const sender = Math.floor(random() * senders)
          const base = current.accounts.get(addressHex[sender])!.nonce
          const nonce = base + BigInt(Math.floor(random() * 8)) - (base > 0n ? 1n : 0n)
          const tip = BigInt(1 + Math.floor(random() * 20)) * GWEI / 4n
          try {
            await pool.addRaw(tx1559(sender, { nonce, tip, feeCap: BASE_FEE + tip + GWEI, value: BigInt(step) }).serialize())
            accepted++
          } catch (error) {
            assert.equal((error as { code?: number }).code, -32000, String(error))
            count(`rejected:${(error as { reason: string }).reason}`)
          }
        }
        check(pool, current, limits, live)
      }
      assert.ok(accepted > 50, `only ${accepted} adds succeeded`)
      // The walk reaches the interesting paths.
      for (const key of ['dropped:replaced', 'dropped:evicted', 'rejected:nonce-too-low', 'rejected:replacement-underpriced']) {
        assert.ok((outcomes.get(key) ?? 0) > 0, `${key} never happened: ${JSON.stringify([...outcomes])}`)
      }
    })
  }
})

function check(pool: ReturnType<typeof makePool>['pool'], state: MapState, limits: { maxPending: number; maxQueued: number; maxPendingPerSender: number }, announced: Set<string>): void {
  const { pending, queued } = pool.content()
  const status = pool.status()
  let pendingCount = 0
  let queuedCount = 0
  const seen = new Set<string>()
  const cursorOrder = new Map<string, bigint[]>()
  for (const [sender, txs] of pending) {
    const accountNonce = state.accounts.get(sender)!.nonce
    const nonces = [...txs.keys()]
    assert.ok(nonces.length > 0)
    assert.ok(nonces.length <= limits.maxPendingPerSender)
    nonces.forEach((nonce, i) => assert.equal(nonce, accountNonce + BigInt(i), `pending run of ${sender} is contiguous from the account nonce`))
    for (const tx of txs.values()) {
      visit(tx, sender)
      assert.ok(announced.has(tx.hashHex), 'every pending transaction was announced and not dropped')
    }
    pendingCount += nonces.length
    cursorOrder.set(sender, nonces)
  }
  for (const [sender, txs] of queued) {
    const accountNonce = state.accounts.get(sender)!.nonce
    const lastPending = pending.get(sender) === undefined ? accountNonce - 1n : [...pending.get(sender)!.keys()].at(-1)!
    for (const [nonce, tx] of txs) {
      assert.ok(nonce > lastPending, 'queued nonces follow the pending run')
      visit(tx, sender)
    }
    queuedCount += txs.size
  }
  assert.deepEqual(status, { pending: pendingCount, queued: queuedCount })
  // Executable transactions may take the room of unexecutable ones: the total is bounded.
  assert.ok(status.queued <= limits.maxQueued)
  assert.ok(status.pending + status.queued <= limits.maxPending + limits.maxQueued)
  // The cursor yields exactly the pending transactions, in nonce order per sender.
  const cursor = pool.executable(0n)
  const yielded = new Map<string, bigint[]>()
  for (let tx = cursor.next(); tx !== undefined; tx = cursor.next()) yielded.set(tx.senderHex, [...(yielded.get(tx.senderHex) ?? []), tx.nonce])
  assert.deepEqual(yielded, cursorOrder)

  function visit(tx: PooledTransaction, sender: string): void {
    assert.equal(tx.senderHex, sender)
    assert.equal(pool.get(tx.hashHex), tx)
    assert.ok(!seen.has(tx.hashHex))
    seen.add(tx.hashHex)
  }
}
