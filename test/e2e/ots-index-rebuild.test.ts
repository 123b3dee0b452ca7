// The address index on a data directory that has none (written by a node from before the
// index existed, simulated by deleting the index from the real RocksDB directory): the node
// rebuilds it at start, re-executing the old blocks for their inner calls, with a progress line
// in the log; a rebuild stopped half way resumes from its recorded progress. Search answers
// after the rebuild equal those of the node that indexed the blocks as it committed them.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { Bucket, KeyValueStore, WriteBatch, metaKey } from '@busan/db'
import { startDevNode, startNodeProcess, tempDataDir, type DevNode } from '@busan/testkit'
import { genesis as inProcessGenesis, openInProcessChain, seal } from '@busan/testkit/in-process-chain'
import { receiptOf, sendPlan, sender, treeAddress, type Rpc } from './helpers/twin.ts'

const leafAddress = ethers.getCreateAddress({ from: treeAddress, nonce: 1 })

function rpcOf(node: DevNode): Rpc {
  let id = 1
  return async (method, params = []) => {
    const response = await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) })
    const body = (await response.json()) as { result?: any; error?: { message: string } }
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`)
    return body.result
  }
}

/** What Otterscan would show of the addresses the plan touched. */
async function searches(rpc: Rpc): Promise<unknown[]> {
  const out: unknown[] = []
  for (const who of [sender.address, treeAddress, leafAddress]) {
    for (const method of ['ots_searchTransactionsBefore', 'ots_searchTransactionsAfter']) out.push(await rpc(method, [who, 0, 25]))
  }
  out.push(await rpc('ots_getContractCreator', [leafAddress]), await rpc('ots_getTransactionBySenderAndNonce', [sender.address, 2]))
  return out
}

/** Deletes the index buckets and its state from a stopped node's database: a data directory from before the index. */
async function dropIndex(dataDir: string, keep?: { rebuiltTo: number; indexedFrom: number }): Promise<void> {
  const kv = await KeyValueStore.open(`${dataDir}/chaindata`)
  try {
    const batch = new WriteBatch()
    for (const bucket of [Bucket.addressHistory, Bucket.senderNonce, Bucket.contractCreator, Bucket.blockCalls]) {
      for await (const [key] of kv.entries({ gte: Uint8Array.of(bucket), lt: Uint8Array.of(bucket + 1) })) batch.del(key)
    }
    batch.del(metaKey('addressIndex'))
    if (keep !== undefined) batch.put(metaKey('addressIndex'), new TextEncoder().encode(JSON.stringify(keep)))
    await kv.write(batch, { sync: true })
  } finally {
    await kv.close()
  }
}

describe('the address index is rebuilt for a data directory that has none', { timeout: 120_000 }, () => {
  const dataDir = tempDataDir()
  let node: DevNode
  let expected: unknown[]
  let head: number

  before(async () => {
    node = await startDevNode({ dataDir })
    const rpc = rpcOf(node)
    await sendPlan(rpc)
    // A few more blocks, so a resumed rebuild has something on both sides of its progress mark.
    const payer = new ethers.Wallet(devAccounts()[2].privateKey)
    const payee = ethers.Wallet.createRandom().address
    for (let nonce = 0; nonce < 3; nonce++) {
      const raw = await payer.signTransaction({ type: 2, chainId: 31337n, nonce, to: payee, value: 1n, gasLimit: 21_000n, maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1n })
      await receiptOf(rpc, await rpc('eth_sendRawTransaction', [raw]))
    }
    head = Number(await rpc('eth_blockNumber'))
    expected = await searches(rpc)
    await node.stop()
  })

  after(async () => {
    await node?.stop().catch(() => {})
    node?.cleanup()
  })

  it('rebuilds every block at start, logging its progress, and answers as before', async () => {
    await dropIndex(dataDir)
    node = await startDevNode({ dataDir })
    const rpc = rpcOf(node)
    await waitForLog(node, 'address index: complete')
    const started = node.logs.find((line: any) => line.msg === 'address index: indexing blocks committed before it existed') as any
    assert.deepEqual([started?.from, started?.to], [1, head])
    assert.deepEqual(await searches(rpc), expected)
    await node.stop()
  })

  it('resumes a rebuild from its recorded progress', async () => {
    await dropIndex(dataDir, { indexedFrom: head + 1, rebuiltTo: 2 })
    // The stopped rebuild had written blocks 1 and 2: without them the plan's deployment is missing.
    node = await startDevNode({ dataDir })
    const rpc = rpcOf(node)
    await waitForLog(node, 'address index: complete')
    const started = node.logs.find((line: any) => line.msg === 'address index: indexing blocks committed before it existed') as any
    assert.deepEqual([started?.from, started?.to], [3, head])
    const after = (await searches(rpc)) as any[]
    // Blocks 1 and 2 (the deployment and the first call) were never indexed on this run.
    const hashesOf = (page: any) => page.txs.map((tx: any) => tx.hash)
    assert.ok(hashesOf(after[0]).length < hashesOf((expected as any[])[0]).length)
    assert.deepEqual(hashesOf(after[0]), hashesOf((expected as any[])[0]).slice(0, hashesOf(after[0]).length))
  })
})

async function waitForLog(node: { logs: Record<string, unknown>[] }, message: string, ms = 15_000): Promise<void> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (node.logs.some((line) => line.msg === message)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.fail(`no "${message}" log line within ${ms / 1000} s`)
}

describe('the rebuild leaves the node answering', { timeout: 120_000 }, () => {
  it('answers JSON-RPC (and writes its log) while it walks a long run of empty blocks', async () => {
    const dataDir = tempDataDir()
    // 6,000 empty blocks (a quiet chain's hours), sealed in process on a real RocksDB directory.
    const chain = await openInProcessChain(join(dataDir, 'chaindata'))
    for (let i = 0; i < 6_000; i++) await seal(chain, [])
    await chain.kv.close()
    writeFileSync(join(dataDir, 'genesis.json'), JSON.stringify(inProcessGenesis))
    await dropIndex(dataDir)
    // Before each block of the rebuild yielded, its log line and the first answer both came only
    // once the whole rebuild was done (a 1,000,000-block chain: 70 s without an answer).
    const node = await startNodeProcess(['run', '--datadir', dataDir, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1'], dataDir)
    try {
      const response = await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }) })
      assert.equal(((await response.json()) as { result: string }).result, '0x1770')
      assert.ok(!node.logs.some((line) => line.msg === 'address index: complete'), 'answered before the rebuild ended')
      await waitForLog(node, 'address index: complete', 60_000)
    } finally {
      await node.stop()
      node.cleanup()
    }
  })
})
