// Every accepted transaction reaches a sealer, with real `busan run` processes:
//  1. a follower whose only peer (the sealer) is stopped accepts a transaction over RPC; when
//     the sealer returns, the follower announces its pending transactions to it, and that
//     transaction and the sender's next one are mined;
//  2. four sealers and a follower that know only one bootnode (sealer-0) find each other
//     through the peer exchange; under a steady load sent through every node, sealer-0 is
//     SIGKILLed for 10 s and restarted, and every transaction any node accepted is mined
//     (the others stay connected without the bootnode, local transactions are announced
//     again until mined, and sealer-0's accepted ones come back from its journal).
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { devWallets, sendTransfer, waitFor, waitForAgreementAt, waitForPeers, waitForReceipt, type ReceiptJson } from './network-helpers/chain.ts'

const recipient = (i: number) => ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0xde1100 + i), 20))

/** The value of a Prometheus counter line (labels as written) on the node's /metrics, 0 when absent. */
async function metric(node: ClusterNode, line: string): Promise<number> {
  const text = await (await fetch(`${node.rpcUrl}/metrics`)).text()
  const found = text.split('\n').find((entry) => entry.startsWith(`${line} `))
  return found === undefined ? 0 : Number(found.slice(line.length + 1))
}

describe('a transaction accepted while its node has no peers', { timeout: 120_000 }, () => {
  const cluster = Cluster.create({ name: 'isolated', keys: 1, signers: 1, period: 0 })
  let sealer: ClusterNode
  let follower: ClusterNode

  before(async () => {
    ;[sealer, follower] = await cluster.init('sealer', 'follower')
    // Each is the other's bootnode, so whichever restarts dials the other at once.
    await sealer.start({ key: cluster.keys[0], bootnodes: [follower.enode] })
    await follower.start({ bootnodes: [sealer.enode] })
    await waitForPeers([sealer, follower], 1)
  }, { timeout: 60_000 })

  after(async () => {
    await cluster.destroy()
  }, { timeout: 30_000 })

  it('is mined once its only peer returns, and so is the sender\'s next one', async () => {
    const wallet = devWallets[1]
    await sealer.stop()
    await waitFor('the follower without peers', async () => Number(await follower.rpc<string>('net_peerCount')) === 0)
    const first = await sendTransfer(follower, wallet, { nonce: 0, to: recipient(0), value: 1_000n })
    assert.equal(Number((await follower.rpc<{ pending: string }>('txpool_status')).pending), 1, 'accepted into the isolated follower\'s pool')

    await sealer.start()
    const mined = await waitForReceipt(follower, first, 30_000)
    assert.equal(mined.status, '0x1')
    assert.ok((await metric(sealer, 'network_pooled_transactions_fetched_total{outcome="accept"}')) >= 1, 'the sealer fetched it after the follower\'s announcement')
    assert.ok((await metric(follower, 'network_pooled_transaction_hashes_announced_total{reason="connect"}')) >= 1)

    const second = await sendTransfer(follower, wallet, { nonce: 1, to: recipient(0), value: 2_000n })
    const next = await waitForReceipt(follower, second, 30_000)
    assert.equal(next.status, '0x1')
    assert.ok(Number(next.blockNumber) > Number(mined.blockNumber))
    assert.equal(await follower.provider!.getBalance(recipient(0)), 3_000n)
  })
})

describe('killing the bootnode sealer for 10 s under load', { timeout: 240_000 }, () => {
  const SEALERS = 4
  const cluster = Cluster.create({ name: 'bootkill', keys: SEALERS, signers: SEALERS, period: 1 })
  /** Fast peer exchange and rebroadcast, so the test does not wait on the defaults (10 s each). */
  const extraArgs = ['--discovery.interval', '1s', '--txpool.rebroadcast', '2s']
  let nodes: ClusterNode[] = []

  before(async () => {
    nodes = await cluster.init('sealer-0', 'sealer-1', 'sealer-2', 'sealer-3', 'follower')
    const [bootnode, ...others] = nodes
    await bootnode.start({ key: cluster.keys[0], extraArgs })
    await Promise.all(others.map((node, i) => node.start({ key: cluster.keys[i + 1], bootnodes: [bootnode.enode], extraArgs })))
    // Known only the bootnode, every node ends up connected to every other.
    await waitForPeers(nodes, nodes.length - 1, 30_000)
  }, { timeout: 120_000 })

  after(async () => {
    await cluster.destroy()
  }, { timeout: 60_000 })

  it('loses no transaction that any node accepted', async (t) => {
    const [bootnode, , , , follower] = nodes
    // One sender per stream, each sending to one node: a send the killed node never answered
    // ends that sender's stream, so no later nonce of it waits on a transaction we do not know.
    const streams = [follower, follower, follower, nodes[1], nodes[2], nodes[3], bootnode, bootnode].map((node, i) => ({ node, wallet: devWallets[i], nonce: 0 }))
    const sent: { hash: string; node: string; at: number }[] = []
    const errors: string[] = []
    let loading = true
    const load = Promise.all(
      streams.map(async (stream) => {
        while (loading) {
          try {
            const hash = await sendTransfer(stream.node, stream.wallet, { nonce: stream.nonce, to: recipient(1), value: 1n })
            sent.push({ hash, node: stream.node.name, at: Date.now() })
            stream.nonce++
          } catch (error) {
            if (stream.node === bootnode) return // killed: this stream ends here
            errors.push(`${stream.node.name}: ${(error as Error).message}`)
            return
          }
          await sleep(250)
        }
      }),
    )

    await sleep(3_000)
    const killedAt = Date.now()
    await bootnode.kill()
    await sleep(10_000)
    const restartedAt = Date.now()
    await bootnode.start()
    await sleep(3_000)
    loading = false
    await load
    assert.deepEqual(errors, [], 'the nodes that stayed up accepted every transaction')

    const duringOutage = sent.filter((entry) => entry.at > killedAt && entry.at < restartedAt).length
    t.diagnostic(`${sent.length} transactions accepted, ${duringOutage} while the bootnode was down`)
    assert.ok(duringOutage > 0, 'transactions were sent while the bootnode was down')

    const receipts: ReceiptJson[] = []
    for (const entry of sent) receipts.push(await waitForReceipt(follower, entry.hash, 90_000))
    for (const [i, mined] of receipts.entries()) assert.equal(mined.status, '0x1', `${sent[i].hash} (sent to ${sent[i].node}) succeeded`)
    await waitForAgreementAt(nodes, Math.max(...receipts.map((mined) => Number(mined.blockNumber))), 60_000)
  })
})
