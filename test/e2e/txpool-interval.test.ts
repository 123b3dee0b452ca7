// The pool under interval sealing (period 2 s), where executable transactions wait for the
// next block: replacing a pending transaction, and the order the sealer takes transactions
// in (best effective tip first across senders, nonce order within a sender, as geth).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { getAddress } from 'ethers'
import { startDevNode, type DevNode } from '@busan/testkit'
import { GWEI, Rpc, devSigners, nonceOf, sign1559, waitForReceipts, type BlockJson, type RpcReply } from './fixtures-pool/rpc.ts'

const PERIOD = 2

let node: DevNode
let rpc: Rpc

before(async () => {
  // At debug: the dev chain logs its empty blocks (whose times freshHead reads) at debug only.
  node = await startDevNode({ period: PERIOD, logLevel: 'debug' })
  rpc = new Rpc(node.rpcUrl)
})

after(async () => {
  if (node === undefined) return
  await node.stop()
  node.cleanup()
})

/**
 * Returns once a block was sealed at most 300 ms ago, waiting for the next one if needed:
 * most of the period until the following block is then ahead.
 */
async function freshHead(): Promise<void> {
  const deadline = Date.now() + (PERIOD + 5) * 1000
  for (;;) {
    const sealed = node.logs.findLast((entry) => entry.msg === 'sealed block')
    if (sealed !== undefined && Date.now() - Date.parse(sealed.time as string) < 300) return
    if (Date.now() > deadline) throw new Error(`no block within ${PERIOD + 5} s`)
    await sleep(10)
  }
}

function assertRejected(reply: RpcReply, prefix: string): void {
  assert.equal(reply.error?.code, -32000, JSON.stringify(reply))
  assert.ok(reply.error.message.startsWith(prefix), `message "${reply.error.message}" does not start with "${prefix}"`)
}

interface PoolContentJson {
  pending: Record<string, Record<string, { hash: string }>>
  queued: Record<string, Record<string, { hash: string }>>
}

const target = devSigners[9].address

describe('txpool under interval sealing', () => {
  it('replaces a pending transaction before it is sealed', async () => {
    const sender = devSigners[1]
    const key = getAddress(sender.address)
    await freshHead()
    const n = await nonceOf(rpc, sender.address)
    const original = sign1559(sender, { nonce: n, to: target, value: 1n, maxFeePerGas: 50n * GWEI, maxPriorityFeePerGas: GWEI })
    assert.equal((await rpc.sendRaw(original.raw)).result, original.hash)
    let content = await rpc.call<PoolContentJson>('txpool_content')
    assert.equal(content.pending[key]?.[String(n)]?.hash, original.hash)
    assert.equal(await nonceOf(rpc, sender.address), n + 1n, 'the pending nonce counts the pooled transaction')
    const pooled = await rpc.call<{ hash: string; blockHash: string | null }>('eth_getTransactionByHash', [original.hash])
    assert.equal(pooled.blockHash, null)

    assertRejected(await rpc.sendRaw(original.raw), 'already known')
    const cheap = sign1559(sender, { nonce: n, to: target, value: 2n, maxFeePerGas: 54n * GWEI, maxPriorityFeePerGas: 2n * GWEI })
    assertRejected(await rpc.sendRaw(cheap.raw), 'replacement transaction underpriced')
    const bumped = sign1559(sender, { nonce: n, to: target, value: 3n, maxFeePerGas: 55n * GWEI, maxPriorityFeePerGas: 1_100_000_000n })
    assert.equal((await rpc.sendRaw(bumped.raw)).result, bumped.hash)
    content = await rpc.call<PoolContentJson>('txpool_content')
    assert.deepEqual(Object.keys(content.pending[key] ?? {}), [String(n)])
    assert.equal(content.pending[key]?.[String(n)]?.hash, bumped.hash)

    const [receipt] = await waitForReceipts(rpc, [bumped.hash], (PERIOD + 5) * 1000)
    assert.equal(receipt.status, '0x1')
    assert.equal(await rpc.call('eth_getTransactionReceipt', [original.hash]), null)
    assert.equal(await rpc.call('eth_getTransactionByHash', [original.hash]), null)
    const block = await rpc.call<BlockJson>('eth_getBlockByHash', [receipt.blockHash, false])
    assert.ok(!block.transactions.includes(original.hash))
  })

  it('orders a block by effective tip across senders and by nonce within a sender', async () => {
    const [x, y, z] = [devSigners[2], devSigners[3], devSigners[4]]
    await freshHead()
    const [nx, ny, nz] = await Promise.all([x, y, z].map((sender) => nonceOf(rpc, sender.address)))
    // x's second transaction pays the most but must follow x's first, which pays the least.
    const txs = [
      sign1559(x, { nonce: nx + 1n, to: target, maxPriorityFeePerGas: 5n * GWEI }),
      sign1559(x, { nonce: nx, to: target, maxPriorityFeePerGas: GWEI }),
      sign1559(z, { nonce: nz, to: target, maxPriorityFeePerGas: 2n * GWEI }),
      sign1559(y, { nonce: ny, to: target, maxPriorityFeePerGas: 3n * GWEI }),
      sign1559(y, { nonce: ny + 1n, to: target, maxPriorityFeePerGas: 3n * GWEI }),
    ]
    const replies = await rpc.batch<string>(txs.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
    replies.forEach((reply, i) => assert.equal(reply.result, txs[i].hash, JSON.stringify(reply.error)))
    const receipts = await waitForReceipts(rpc, txs.map((tx) => tx.hash), (PERIOD + 5) * 1000)
    assert.equal(new Set(receipts.map((receipt) => receipt.blockHash)).size, 1, 'all in one block')
    const block = await rpc.call<BlockJson>('eth_getBlockByHash', [receipts[0].blockHash, false])
    const [xSecond, xFirst, zOnly, yFirst, ySecond] = txs.map((tx) => tx.hash)
    // y (3 gwei) twice, then z (2 gwei), then x's 1 gwei head and only then its 5 gwei follower.
    assert.deepEqual(
      block.transactions.filter((hash) => txs.some((tx) => tx.hash === hash)),
      [yFirst, ySecond, zOnly, xFirst, xSecond],
    )
  })

  it('seals a block per period, empty or not', async () => {
    const head = Number(await rpc.call<string>('eth_blockNumber'))
    assert.ok(head >= 3, `head ${head}`)
    const numbers = Array.from({ length: head }, (_, i) => `0x${(i + 1).toString(16)}`)
    const blocks = (await rpc.batch<BlockJson & { timestamp: string }>(numbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [n, false] })))).map((reply) => reply.result as BlockJson & { timestamp: string })
    for (let i = 1; i < blocks.length; i++) {
      const gap = BigInt(blocks[i].timestamp) - BigInt(blocks[i - 1].timestamp)
      assert.ok(gap >= BigInt(PERIOD), `block ${i + 1} came ${gap} s after its parent`)
    }
    assert.ok(blocks.some((block) => block.transactions.length === 0), 'no empty block')
    assert.ok(blocks.some((block) => block.transactions.length > 0))
  })
})
