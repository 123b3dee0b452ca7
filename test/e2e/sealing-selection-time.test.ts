// The block producer's transaction selection time limit (Besu's
// --poa-block-txs-selection-max-time): a block stops taking transactions once its share of the
// period has passed, so a backlog is spread over several blocks instead of stretching one past
// its slot. With 1% of a 1 s period (10 ms) a few hundred transfers cannot fit one block's
// selection on any machine (each takes a fraction of a millisecond to execute), though their gas
// fits one block many times over. The Clique sealer and the QBFT proposer share the limit.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevNode, type DevNode } from '@busan/testkit'
import { Rpc, devSigners, nonceOf, sign1559, waitForReceipts, type BlockJson } from './fixtures-pool/rpc.ts'

const SENDERS = devSigners.slice(1)
const PER_SENDER = 45

for (const consensus of ['clique', 'qbft']) describe(`transaction selection time limit (${consensus})`, () => {
  let node: DevNode
  let rpc: Rpc

  before(async () => {
    node = await startDevNode({ period: 1, extraArgs: ['--consensus', consensus, '--poa-block-txs-selection-max-time', '1'] })
    rpc = new Rpc(node.rpcUrl)
  })

  after(async () => {
    if (node === undefined) return
    await node.stop()
    node.cleanup()
  })

  it('spreads a backlog over blocks cut by time, not by gas, and mines all of it in nonce order', async () => {
    const target = devSigners[0].address
    const nonces = await Promise.all(SENDERS.map((sender) => nonceOf(rpc, sender.address)))
    const txs = SENDERS.flatMap((sender, s) => Array.from({ length: PER_SENDER }, (_, i) => sign1559(sender, { nonce: nonces[s] + BigInt(i), to: target, value: 1n })))
    const replies = await rpc.batch<string>(txs.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
    replies.forEach((reply, i) => assert.equal(reply.result, txs[i].hash, JSON.stringify(reply.error)))

    const receipts = await waitForReceipts(rpc, txs.map((tx) => tx.hash), 120_000)
    assert.ok(receipts.every((receipt) => receipt.status === '0x1'))
    const numbers = [...new Set(receipts.map((receipt) => receipt.blockNumber))]
    // Sent in one batch, they could straddle one block boundary without the limit (two blocks);
    // at ~60 transfers per 10 ms at the very most, the limit needs at least seven.
    assert.ok(numbers.length >= 4, `${txs.length} transfers in ${numbers.length} block(s): the 10 ms limit did not cut the blocks`)
    for (const number of numbers) {
      const block = await rpc.call<BlockJson & { gasUsed: string; gasLimit: string }>('eth_getBlockByNumber', [number, false])
      // 21,000 gas each: a cut block has room left for thousands more by gas.
      assert.ok(BigInt(block.gasUsed) + 21_000n <= BigInt(block.gasLimit), `block ${number} is full by gas`)
    }
    // Within each sender, nonce order survives the cuts: a later nonce is never in an earlier block.
    for (let s = 0; s < SENDERS.length; s++) {
      const blocks = receipts.slice(s * PER_SENDER, (s + 1) * PER_SENDER).map((receipt) => Number(receipt.blockNumber))
      assert.deepEqual(blocks, [...blocks].sort((a, b) => a - b))
    }
  })

})
