// QBFT's empty-block period (Besu's xemptyblockperiodseconds) on a real validator process: an
// idle chain commits an empty block only every emptyblockperiodseconds, while a transaction
// still gets a block within blockperiodseconds.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { devWallets, sendTransfer, waitFor, waitForReceipt } from './network-helpers/chain.ts'
import type { HeaderJson } from './helpers/qbft.ts'

const EMPTY_PERIOD_S = 4

describe('QBFT empty-block period', { timeout: 120_000 }, () => {
  const cluster = Cluster.create({ name: 'qbfte', keys: 1, signers: 1, period: 1, consensus: 'qbft', qbft: { emptyblockperiodseconds: EMPTY_PERIOD_S } })
  let validator: ClusterNode

  before(async () => {
    ;[validator] = await cluster.init('validator')
    await validator.start({ key: cluster.keys[0] })
  })
  after(() => cluster.destroy())

  const block = (n: number) => validator.rpc<HeaderJson & { transactions: string[] }>('eth_getBlockByNumber', [ethers.toQuantity(n), false])

  it(`commits empty blocks ${EMPTY_PERIOD_S} s apart, not every second`, async () => {
    const first = Number(await waitFor('block 2', async () => {
      const n = Number(await validator.rpc<string>('eth_blockNumber'))
      return n >= 2 ? n : undefined
    }, { timeoutMs: 30_000 }))
    await waitFor('two more blocks', async () => Number(await validator.rpc<string>('eth_blockNumber')) >= first + 2, { timeoutMs: 30_000 })
    for (let n = first; n < first + 2; n++) {
      const [a, b] = await Promise.all([block(n), block(n + 1)])
      assert.equal(b.transactions.length, 0)
      assert.ok(Number(b.timestamp) - Number(a.timestamp) >= EMPTY_PERIOD_S, `blocks ${n} and ${n + 1}: ${Number(b.timestamp) - Number(a.timestamp)} s apart`)
    }
  })

  it('still commits a transaction within the block period', async () => {
    // Right after an empty block, the next empty one is EMPTY_PERIOD_S away.
    const start = Number(await validator.rpc<string>('eth_blockNumber'))
    await waitFor('a fresh empty block', async () => Number(await validator.rpc<string>('eth_blockNumber')) > start, { timeoutMs: 10_000 })
    await sleep(300)
    const parent = await block(Number(await validator.rpc<string>('eth_blockNumber')))
    const sent = Date.now()
    const receipt = await waitForReceipt(validator, await sendTransfer(validator, devWallets[1], { nonce: 0, to: ethers.getAddress(`0x${'e1'.repeat(20)}`), value: 1n }), 10_000)
    const included = await block(Number(receipt.blockNumber))
    assert.equal(Number(receipt.blockNumber), Number(parent.number) + 1)
    assert.ok(Number(included.timestamp) - Number(parent.timestamp) < EMPTY_PERIOD_S, `the transaction's block came ${Number(included.timestamp) - Number(parent.timestamp)} s after its parent`)
    assert.ok(Date.now() - sent < 2_500, `committed ${Date.now() - sent} ms after it was sent`)
  })
})
