// Crash consistency: under a steady stream of transactions from many senders (instant
// sealing, JSON-RPC batches), the node is SIGKILLed at random moments and restarted on the
// same data directory each time. Nothing a client saw sealed may be lost: the head is at
// least the highest block a client saw, every receipt a client got is still served from the
// same block, the head state is readable, and sealing goes on.
//
// The kill schedule comes from a seed printed by the test; BUSAN_CRASH_SEED=<seed> replays it.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { bytesToHex } from '@ethereumjs/util'
import { keccak256, privateKeyToAddress } from '@busan/chain-config'
import { prng, startDevNode, type DevNode } from '@busan/testkit'
import { Rpc, devSigners, sign1559, waitForReceipts, type BlockJson, type DevSigner, type Receipt } from './fixtures-pool/rpc.ts'

const KILLS = 4
const EXTRA_SENDERS = 20
const TXS_PER_SENDER_PER_BATCH = 4
const SEED = process.env.BUSAN_CRASH_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.BUSAN_CRASH_SEED)

/** What clients learned from the node before it died: sealed, hence durable, facts. */
interface Seen {
  receipt: Receipt
  sender: DevSigner
  nonce: bigint
}

describe(`crash consistency under load (seed ${SEED})`, () => {
  // Kill times from their own generator, so that the schedule replays from the seed.
  const schedule = prng(SEED)
  const random = prng(SEED ^ 0x5bd1e995)
  const extra: DevSigner[] = Array.from({ length: EXTRA_SENDERS }, (_, i) => {
    const key = keccak256(new TextEncoder().encode(`busan-e2e-crash-sender-${i}`))
    return { key, address: bytesToHex(privateKeyToAddress(key)) }
  })
  const senders = [...devSigners.slice(1), ...extra]
  const seen = new Map<string, Seen>()
  let highestSeenBlock = 0n
  let node: DevNode | undefined
  let dataDir: string | undefined

  after(async () => {
    await node?.kill()
    if (dataDir !== undefined) node?.cleanup()
  })

  /**
   * Sends batches from every sender until `deadline`, collecting receipts as they appear.
   * Stops at the first error once the node is dead (it was killed under the request).
   */
  async function load(rpc: Rpc, group: DevSigner[], deadline: number, dead: () => boolean): Promise<{ sent: number; mined: number }> {
    const nonces = new Map<string, bigint>()
    let sent = 0
    let mined = 0
    try {
      const counts = await rpc.batch<string>(group.map((sender) => ({ method: 'eth_getTransactionCount', params: [sender.address, 'pending'] })))
      group.forEach((sender, i) => nonces.set(sender.address, BigInt(counts[i].result as string)))
      const outstanding = new Map<string, { sender: DevSigner; nonce: bigint }>()
      while (Date.now() < deadline) {
        const batch: { sender: DevSigner; nonce: bigint; raw: string; hash: string }[] = []
        for (const sender of group) {
          for (let k = 0; k < TXS_PER_SENDER_PER_BATCH; k++) {
            const nonce = nonces.get(sender.address) as bigint
            nonces.set(sender.address, nonce + 1n)
            const to = senders[Math.floor(random() * senders.length)].address
            batch.push({ sender, nonce, ...sign1559(sender, { nonce, to, value: 1n + BigInt(Math.floor(random() * 1000)) }) })
          }
        }
        const replies = await rpc.batch<string>(batch.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
        replies.forEach((reply, i) => {
          assert.equal(reply.error, undefined, `send: ${JSON.stringify(reply.error)}`)
          outstanding.set(batch[i].hash, batch[i])
        })
        sent += batch.length
        // Pick up receipts for everything sent so far; leave the rest for the next round.
        const hashes = [...outstanding.keys()]
        const receipts = await rpc.batch<Receipt | null>(hashes.map((hash) => ({ method: 'eth_getTransactionReceipt', params: [hash] })))
        receipts.forEach((reply, i) => {
          const receipt = reply.result
          if (receipt == null) return
          const tx = outstanding.get(hashes[i]) as { sender: DevSigner; nonce: bigint }
          outstanding.delete(hashes[i])
          seen.set(hashes[i], { receipt, ...tx })
          mined++
          if (BigInt(receipt.blockNumber) > highestSeenBlock) highestSeenBlock = BigInt(receipt.blockNumber)
        })
        const head = BigInt(await rpc.call<string>('eth_blockNumber'))
        if (head > highestSeenBlock) highestSeenBlock = head
      }
    } catch (error) {
      // Connection refused or reset, or a reply cut short: fine once the node is gone.
      if (!dead()) throw error
    }
    return { sent, mined }
  }

  /** Every fact a client saw before the kill is still served. */
  async function checkNothingLost(rpc: Rpc): Promise<void> {
    const head = await rpc.call<BlockJson>('eth_getBlockByNumber', ['latest', false])
    assert.ok(BigInt(head.number) >= highestSeenBlock, `head ${BigInt(head.number)} below block ${highestSeenBlock} a client saw sealed`)
    const hashes = [...seen.keys()]
    for (let i = 0; i < hashes.length; i += 500) {
      const slice = hashes.slice(i, i + 500)
      const replies = await rpc.batch<Receipt | null>(slice.map((hash) => ({ method: 'eth_getTransactionReceipt', params: [hash] })))
      replies.forEach((reply, j) => {
        const before = (seen.get(slice[j]) as Seen).receipt
        assert.ok(reply.result != null, `receipt of ${slice[j]} (block ${BigInt(before.blockNumber)}) lost`)
        assert.equal(reply.result.blockHash, before.blockHash)
        assert.equal(reply.result.transactionIndex, before.transactionIndex)
        assert.equal(reply.result.status, '0x1')
      })
    }
    // The head's state is complete: balances, nonces and proofs at latest all read.
    const highestNonce = new Map<string, bigint>()
    for (const { sender, nonce } of seen.values()) if (nonce >= (highestNonce.get(sender.address) ?? -1n)) highestNonce.set(sender.address, nonce)
    const balances = await rpc.batch<string>(senders.map((sender) => ({ method: 'eth_getBalance', params: [sender.address, 'latest'] })))
    const nonces = await rpc.batch<string>(senders.map((sender) => ({ method: 'eth_getTransactionCount', params: [sender.address, 'latest'] })))
    senders.forEach((sender, i) => {
      assert.equal(balances[i].error, undefined, JSON.stringify(balances[i].error))
      assert.ok(BigInt(balances[i].result as string) > 0n)
      assert.equal(nonces[i].error, undefined)
      const minimum = (highestNonce.get(sender.address) ?? -1n) + 1n
      assert.ok(BigInt(nonces[i].result as string) >= minimum, `nonce of ${sender.address} went back`)
    })
    const proof = await rpc.reply<{ accountProof: string[] }>('eth_getProof', [senders[0].address, [], 'latest'])
    assert.equal(proof.error, undefined, JSON.stringify(proof.error))
    assert.ok((proof.result?.accountProof.length ?? 0) > 0)
  }

  it('funds the extra senders', async () => {
    node = await startDevNode({ period: 0 })
    dataDir = node.dataDir
    const rpc = new Rpc(node.rpcUrl)
    const funder = devSigners[0]
    const funding = extra.map((sender, i) => sign1559(funder, { nonce: BigInt(i), to: sender.address, value: 100n * 10n ** 18n }))
    const replies = await rpc.batch<string>(funding.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
    replies.forEach((reply, i) => assert.equal(reply.result, funding[i].hash, JSON.stringify(reply.error)))
    await waitForReceipts(rpc, funding.map((tx) => tx.hash))
  })

  for (let round = 1; round <= KILLS; round++) {
    it(`survives SIGKILL #${round} during sealing`, async (t) => {
      const running = node as DevNode
      const rpc = new Rpc(running.rpcUrl)
      const killAfter = 300 + Math.floor(schedule() * 1200)
      let killed = false
      const killer = sleep(killAfter).then(() => {
        killed = true
        return running.kill()
      })
      // Two client streams over disjoint senders keep the sealer busy all the time.
      const deadline = Date.now() + killAfter + 5_000
      const half = Math.ceil(senders.length / 2)
      const streams = await Promise.all([senders.slice(0, half), senders.slice(half)].map((group) => load(rpc, group, deadline, () => killed)))
      const stats = { sent: streams[0].sent + streams[1].sent, mined: streams[0].mined + streams[1].mined }
      await killer
      assert.equal(running.process.signalCode, 'SIGKILL')
      const sealedBeforeKill = running.logs.filter((entry) => entry.msg === 'sealed block').length

      const restartAt = performance.now()
      node = await startDevNode({ period: 0, dataDir })
      const restarted = new Rpc(node.rpcUrl)
      const headLog = node.logs.find((entry) => entry.msg === 'chain head')
      t.diagnostic(`killed after ${killAfter} ms: ${stats.sent} sent, ${stats.mined} receipts seen, ${sealedBeforeKill} blocks sealed, highest seen ${highestSeenBlock}, restarted at ${String(headLog?.number)} in ${Math.round(performance.now() - restartAt)} ms`)
      assert.ok(!node.logs.some((entry) => entry.msg === 'wrote genesis'), 'genesis written again')
      await checkNothingLost(restarted)
    })
  }

  it('seals on after the last restart, on an intact chain', async () => {
    const rpc = new Rpc((node as DevNode).rpcUrl)
    const headBefore = BigInt(await rpc.call<string>('eth_blockNumber'))
    const sender = senders[0]
    const nonce = BigInt(await rpc.call<string>('eth_getTransactionCount', [sender.address, 'pending']))
    const tx = sign1559(sender, { nonce, to: senders[1].address, value: 1n })
    assert.equal((await rpc.sendRaw(tx.raw)).result, tx.hash)
    const [receipt] = await waitForReceipts(rpc, [tx.hash])
    assert.equal(BigInt(receipt.blockNumber), headBefore + 1n)

    // Parent links, receipts per block and transaction counts over the whole chain.
    const head = Number(receipt.blockNumber)
    const numbers = Array.from({ length: head + 1 }, (_, i) => `0x${i.toString(16)}`)
    const blocks: BlockJson[] = []
    const receiptCounts: number[] = []
    for (let i = 0; i < numbers.length; i += 200) {
      const slice = numbers.slice(i, i + 200)
      for (const reply of await rpc.batch<BlockJson>(slice.map((n) => ({ method: 'eth_getBlockByNumber', params: [n, false] })))) blocks.push(reply.result as BlockJson)
      for (const reply of await rpc.batch<Receipt[]>(slice.map((n) => ({ method: 'eth_getBlockReceipts', params: [n] })))) receiptCounts.push((reply.result as Receipt[]).length)
    }
    let transactions = 0
    for (let n = 1; n <= head; n++) {
      assert.equal(blocks[n].parentHash, blocks[n - 1].hash, `block ${n} does not link to block ${n - 1}`)
      assert.equal(receiptCounts[n], blocks[n].transactions.length, `receipts of block ${n}`)
      transactions += blocks[n].transactions.length
    }
    assert.ok(transactions >= seen.size)
    // The kills did land while transactions were being sealed, not on an idle node.
    assert.ok(seen.size >= 100, `only ${seen.size} transactions seen mined before the kills`)
    const stopped = await (node as DevNode).stop()
    assert.equal(stopped, 0)
  })
})
