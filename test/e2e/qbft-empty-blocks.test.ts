// QBFT's timing settings on a real validator process: the empty-block period (Besu's
// xemptyblockperiodseconds: an idle chain commits an empty block only every
// emptyblockperiodseconds, while a transaction still gets a block within blockperiodseconds),
// and a transition that changes the block period at a given block.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import type { GenesisFile } from '@busan/chain-config'
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

describe('QBFT transitions: the block period changes at a block', { timeout: 120_000 }, () => {
  const cluster = Cluster.create({ name: 'qbftt', keys: 1, signers: 1, period: 1, consensus: 'qbft' })
  const SWITCH = 4
  let validator: ClusterNode

  before(async () => {
    const genesis = JSON.parse(readFileSync(cluster.genesisPath, 'utf8')) as GenesisFile
    genesis.config.transitions = { qbft: [{ block: SWITCH, blockperiodseconds: 3 }] }
    writeFileSync(cluster.genesisPath, JSON.stringify(genesis, null, 2))
    ;[validator] = await cluster.init('validator')
    await validator.start({ key: cluster.keys[0] })
  })
  after(() => cluster.destroy())

  it(`keeps 1 s between blocks before block ${SWITCH} and 3 s from it on`, async () => {
    await waitFor(`block ${SWITCH + 2}`, async () => Number(await validator.rpc<string>('eth_blockNumber')) >= SWITCH + 2, { timeoutMs: 60_000 })
    const time = async (n: number) => Number((await validator.rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(n), false])).timestamp)
    for (let n = 2; n < SWITCH; n++) assert.ok((await time(n)) - (await time(n - 1)) < 3, `block ${n}: the 1 s period`)
    for (let n = SWITCH; n <= SWITCH + 2; n++) assert.ok((await time(n)) - (await time(n - 1)) >= 3, `block ${n}: the 3 s period`)
  })
})
