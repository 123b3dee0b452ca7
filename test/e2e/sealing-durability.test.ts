// What sealing guarantees and reports, over real node processes:
// - a sealer's blocks reach the disk (WAL fsynced) before they are announced, on every node
//   that seals; RPC nodes sync imported blocks only with --db.sync true. RocksDB's own WAL
//   counters (db_wal_writes / db_wal_syncs in /metrics) show it.
// - block building leaves a transaction out only for a reason it logs and counts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { metricValue } from '@busan/testkit'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { devWallets, sendTransfer, waitForReceipt, waitForSameHead } from './network-helpers/chain.ts'
import { startE2ENode, type E2ENode } from './helpers/node.ts'

async function wal(rpcUrl: string): Promise<{ writes: number; syncs: number }> {
  const metrics = await (await fetch(`${rpcUrl}/metrics`)).text()
  return { writes: metricValue(metrics, 'db_wal_writes') ?? NaN, syncs: metricValue(metrics, 'db_wal_syncs') ?? NaN }
}

describe('durability: synced WAL for sealed blocks, --db.sync for imported ones', { timeout: 120_000 }, () => {
  const cluster = Cluster.create({ name: 'durability', keys: 1, signers: 1, period: 0 })
  let sealer: ClusterNode
  let rpcNode: ClusterNode
  let syncedRpcNode: ClusterNode

  before(async () => {
    ;[sealer, rpcNode, syncedRpcNode] = await cluster.init('sealer', 'rpc', 'rpc-synced')
    await sealer.start({ key: cluster.keys[0] })
    await rpcNode.start({ bootnodes: [sealer.enode] })
    await syncedRpcNode.start({ bootnodes: [sealer.enode], extraArgs: ['--db.sync', 'true'] })
  })
  after(() => cluster.destroy())

  it('the sealer fsyncs every block it seals; an RPC node only with --db.sync true', async () => {
    const before = await Promise.all([sealer, rpcNode, syncedRpcNode].map((node) => wal(node.rpcUrl)))
    const BLOCKS = 5
    for (let nonce = 0; nonce < BLOCKS; nonce++) {
      // One at a time: each becomes its own block (period 0 seals at once).
      await waitForReceipt(sealer, await sendTransfer(sealer, devWallets[1], { nonce, to: ethers.ZeroAddress.replace(/0$/, '1'), value: 1n }))
    }
    await waitForSameHead([sealer, rpcNode, syncedRpcNode])
    const [sealerWal, rpcWal, syncedWal] = await Promise.all([sealer, rpcNode, syncedRpcNode].map((node) => wal(node.rpcUrl)))
    assert.ok(sealerWal.syncs - before[0].syncs >= BLOCKS, `sealer: ${sealerWal.syncs - before[0].syncs} syncs for ${BLOCKS} sealed blocks`)
    assert.ok(rpcWal.writes - before[1].writes >= BLOCKS, `RPC node wrote the ${BLOCKS} blocks (${rpcWal.writes - before[1].writes} WAL writes)`)
    assert.equal(rpcWal.syncs - before[1].syncs, 0, 'an RPC node does not fsync imported blocks by default')
    assert.ok(syncedWal.syncs - before[2].syncs >= BLOCKS, `--db.sync true: ${syncedWal.syncs - before[2].syncs} syncs for ${BLOCKS} imported blocks`)
  })
})

describe('block building: every transaction left out is logged and counted by reason', () => {
  let e: E2ENode
  before(async () => {
    e = await startE2ENode({ period: 2 })
  })
  after(() => e?.stop())

  it('counts a transaction that does not fit the block as gas_limit, and mines it in the next block', async () => {
    // Four contract creations that each burn 16M gas (init code 0xfe, INVALID, consumes all the
    // gas it is given; under Osaka's 2^24 cap) from four senders, in one period: three fill 48M
    // of the 60M block, the fourth does not fit the 12M left and waits for the next block.
    const hashes = await Promise.all(
      e.wallets.slice(1, 5).map(async (wallet) => (await wallet.sendTransaction({ data: '0xfe', gasLimit: 16_000_000n, nonce: await wallet.getNonce() })).hash),
    )
    const receipts = await Promise.all(hashes.map((hash) => e.provider.waitForTransaction(hash, 1, 15_000)))
    const blocks = new Set(receipts.map((receipt) => receipt?.blockNumber))
    assert.equal(blocks.size, 2, `two blocks: ${[...blocks].join(', ')}`)
    const metrics = await (await fetch(`${e.node.rpcUrl}/metrics`)).text()
    assert.match(metrics, /^chain_build_skipped_transactions_total\{reason="gas_limit"\} [1-9]/m)
    const skipped = e.node.logs.filter((line) => line.msg === 'block building skipped a transaction')
    assert.equal(skipped.length, 0, 'expected reasons are logged at debug, not at info')
    assert.equal(e.node.logs.filter((line) => typeof line.level === 'number' && line.level >= 50).length, 0, 'no error lines')
  })
})
