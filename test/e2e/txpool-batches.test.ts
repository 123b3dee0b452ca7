// A JSON-RPC batch of eth_sendRawTransaction: the senders are recovered together on the sender
// recovery thread before the batch is admitted in order (docs/architecture.md, step 2). What a
// client sees must not change: each transaction answers its hash or geth's error, in order, and
// is mined from the account that signed it (ethers' recovery, an implementation of its own).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { metricValue, startE2ENode, type E2ENode } from './helpers/node.ts'

let e: E2ENode

before(async () => {
  e = await startE2ENode()
})

after(async () => {
  await e?.stop()
})

async function recoveredAhead(): Promise<number> {
  const value = await metricValue(e.node.rpcUrl, 'txpool_senders_recovered_ahead_total')
  assert.ok(value !== undefined, 'the counter is exported')
  return value
}

const TARGET = `0x${'5b'.repeat(20)}`
const CHAIN_ID = 31337n
const fees = { gasLimit: 21_000n, maxFeePerGas: 100n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n }
interface Reply {
  id: number
  result?: string
  error?: { code: number; message: string }
}
const answer = (reply: Reply) => reply.result ?? JSON.stringify(reply.error)

describe('a batch of eth_sendRawTransaction', () => {
  it('admits every transaction in order with the sender that signed it, answers the bad ones with their errors, and recovers the senders ahead', async () => {
    const wallets = e.wallets.slice(1, 6)
    const nonces = await Promise.all(wallets.map((w) => e.provider.getTransactionCount(w.address, 'pending')))
    const counted = await recoveredAhead()

    // Ten transactions per sender, senders interleaved, each sender's nonces in order.
    const items: { raw: string; check: (reply: Reply) => void }[] = []
    const sent: { hash: string; from: string }[] = []
    for (let round = 0; round < 10; round++) {
      for (const [k, w] of wallets.entries()) {
        const raw = await w.signTransaction({ type: 2, chainId: CHAIN_ID, nonce: nonces[k] + round, to: TARGET, value: BigInt(round + 1), ...fees })
        const parsed = ethers.Transaction.from(raw)
        sent.push({ hash: parsed.hash!, from: parsed.from! })
        items.push({ raw, check: (reply) => assert.equal(answer(reply), parsed.hash) })
      }
      if (round === 3) {
        // Bad transactions between good ones: each answers geth's error, the others are not affected.
        const otherChain = await wallets[0].signTransaction({ type: 2, chainId: CHAIN_ID + 1n, nonce: 0, to: TARGET, ...fees })
        items.push({ raw: otherChain, check: (reply) => assert.match(answer(reply), /invalid chain id for signer/) })
        items.push({ raw: '0x02c0', check: (reply) => assert.match(answer(reply), /rlp/) })
        items.push({ raw: '0xzz', check: (reply) => assert.equal(reply.error?.code, -32602) })
      }
    }
    const { body: replies } = await e.post(JSON.stringify(items.map((item, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [item.raw] }))))
    assert.equal(replies.length, items.length)
    replies.forEach((reply: Reply, i: number) => {
      assert.equal(reply.id, i, 'answers keep the batch order')
      items[i].check(reply)
    })

    for (const { hash, from } of sent) {
      const receipt = await e.provider.waitForTransaction(hash, 1, 30_000)
      assert.equal(receipt?.status, 1)
      assert.equal(receipt?.from, from, 'mined from its signer')
    }
    for (const [k, w] of wallets.entries()) assert.equal(await e.provider.getTransactionCount(w.address, 'latest'), nonces[k] + 10)
    // Every good transaction's sender came from the recovery thread; none of the bad ones did.
    assert.equal((await recoveredAhead()) - counted, sent.length)

    // A transaction sent alone is recovered where it is admitted (a hand-off would cost more).
    const alone = await wallets[0].signTransaction({ type: 2, chainId: CHAIN_ID, nonce: nonces[0] + 10, to: TARGET, ...fees })
    const receipt = await (await e.provider.broadcastTransaction(alone)).wait()
    assert.equal(receipt?.from, wallets[0].address)
    assert.equal((await recoveredAhead()) - counted, sent.length)
  })
  it("reports the recovery and RPC worker threads' heaps beside the process's resident memory", async () => {
    // One call, so an RPC thread has run a job (the threads load the EVM at start either way).
    await e.provider.call({ to: TARGET, data: '0x' })
    const value = async (name: string) => {
      const v = await metricValue(e.node.rpcUrl, name)
      assert.ok(v !== undefined && Number.isFinite(v), `${name} is exported`)
      return v
    }
    const rpcUsed = await value('worker_thread_heap_used_bytes{pool="rpc"}')
    const recoveryUsed = await value('worker_thread_heap_used_bytes{pool="sender-recovery"}')
    const mainUsed = await value('nodejs_heap_size_used_bytes')
    // Each thread holds the modules it loaded: EthereumJS alone is over 10 MB of heap (measured
    // with v8.getHeapStatistics() in a bare worker thread importing @ethereumjs/tx).
    assert.ok(rpcUsed > 10 * 2 ** 20, `rpc threads' heap ${rpcUsed}`)
    assert.ok(recoveryUsed > 10 * 2 ** 20, `recovery thread's heap ${recoveryUsed}`)
    assert.ok(rpcUsed <= (await value('worker_thread_heap_size_bytes{pool="rpc"}')), 'used is within reserved')
    assert.ok(recoveryUsed <= (await value('worker_thread_heap_size_bytes{pool="sender-recovery"}')), 'used is within reserved')
    // The heaps are part of the resident memory prom-client reads from /proc.
    assert.ok(mainUsed + rpcUsed + recoveryUsed < (await value('process_resident_memory_bytes')))
  })
})
