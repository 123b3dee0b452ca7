// The journal of local transactions (<datadir>/transactions.rlp, as geth's), with a real
// `busan run` process that has no peers and no key, so nothing it accepts is ever mined:
// a transaction submitted over RPC is in the pool again after a SIGKILL and a restart, and
// both it and the sender's next one after a graceful stop and a restart. The same node
// started with a short --txpool.lifetime drops a queued transaction on its own.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { readJournal } from '@busan/txpool'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { devWallets, sendTransfer, waitFor } from './network-helpers/chain.ts'

interface ContentJson {
  pending: Record<string, Record<string, { hash: string }>>
  queued: Record<string, Record<string, { hash: string }>>
}

/** Hashes of the pool's pending transactions of `address`, by nonce. */
async function pendingOf(node: ClusterNode, address: string): Promise<Record<string, string>> {
  const content = await node.rpc<ContentJson>('txpool_content')
  const byNonce = Object.entries(content.pending).find(([sender]) => sender.toLowerCase() === address.toLowerCase())?.[1] ?? {}
  return Object.fromEntries(Object.entries(byNonce).map(([nonce, tx]) => [nonce, tx.hash]))
}

describe('local transactions survive a restart; queued ones expire', { timeout: 120_000 }, () => {
  const cluster = Cluster.create({ name: 'journal', keys: 1, signers: 1, period: 0 })
  let node: ClusterNode

  before(async () => {
    ;[node] = await cluster.init('rpc-node')
    await node.start({})
  }, { timeout: 60_000 })

  after(async () => {
    await cluster.destroy()
  }, { timeout: 30_000 })

  it('come back into the pool after a SIGKILL and after a graceful stop', async () => {
    const wallet = devWallets[2]
    const to = ethers.getAddress(ethers.zeroPadValue('0x10', 20))
    const first = await sendTransfer(node, wallet, { nonce: 0, to, value: 1n })
    assert.deepEqual(await pendingOf(node, wallet.address), { 0: first })

    // The journal is appended before the RPC answers: a kill right after loses nothing.
    await node.kill()
    await node.start()
    assert.deepEqual(await pendingOf(node, wallet.address), { 0: first }, 'back after a SIGKILL')
    assert.equal(await node.provider!.getTransactionCount(wallet.address, 'pending'), 1)

    const second = await sendTransfer(node, wallet, { nonce: 1, to, value: 2n })
    await node.stop()
    // A graceful stop rewrites the journal from the pool: both transactions, in nonce order.
    const journaled = readJournal(readFileSync(join(node.dataDir, 'transactions.rlp')))
    assert.deepEqual(journaled.raws.map((raw) => ethers.keccak256(raw)), [first, second])
    assert.equal(journaled.damaged, 0)
    await node.start()
    assert.deepEqual(await pendingOf(node, wallet.address), { 0: first, 1: second }, 'both back after a graceful stop')
    assert.ok(node.allLogs().some((entry) => entry.msg === 'loaded local transactions from the journal' && entry.added === 2))
  })

  it('drops a queued transaction after --txpool.lifetime', async () => {
    await node.restart({ extraArgs: ['--txpool.lifetime', '1s'] })
    const wallet = devWallets[3]
    // Nonce 5 of a fresh account: queued behind a gap that never fills.
    await sendTransfer(node, wallet, { nonce: 5, to: ethers.getAddress(ethers.zeroPadValue('0x11', 20)), value: 1n })
    assert.equal(Number((await node.rpc<{ queued: string }>('txpool_status')).queued), 1)
    await waitFor('the queued transaction expired', async () => Number((await node.rpc<{ queued: string }>('txpool_status')).queued) === 0, { timeoutMs: 10_000 })
    assert.ok(node.allLogs().some((entry) => entry.msg === 'queued transactions expired' && entry.expired === 1))
    assert.equal(Number((await node.rpc<{ pending: string }>('txpool_status')).pending), 2, 'pending ones stay')
  })
})
