// Four Clique sealers and a non-sealing follower as separate `busan run` processes on
// 127.0.0.1 (period 1, each node with every other as a bootnode), driven over JSON-RPC:
//  1. transactions sent to the follower reach the sealers by gossip and are mined; every node
//     serves the same receipts and balances;
//  2. a sealer is SIGKILLed: the other three keep sealing (its in-turn slots go out of turn);
//     restarted on its data directory it catches up and seals again;
//  3. after a run of BLOCKS blocks, all five nodes agree on the chain (hash and state root),
//     every block's seal recovers to a signer, with the difficulty of its turn, and no
//     signer sealed twice within floor(N/2)+1 consecutive blocks.
// The three tests run on one network in sequence: the kill and restart of test 2 happen
// inside the run that test 3 checks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { metricValue } from './helpers/node.ts'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { blocks, cliqueAuthor, devWallets, receipt, signTransfer, waitFor, waitForAgreementAt, waitForPeers, waitForReceipt, waitForSameHead } from './network-helpers/chain.ts'

/**
 * The issue asks for 100 blocks. At period 1 that is ~100 s, most of this file's time; the
 * other network files together take about as long, so the suite stays within its budget.
 */
const BLOCKS = 100
const SEALERS = 4

/** The node's txpool_senders_recovered_ahead_total. */
async function sendersRecoveredAhead(node: ClusterNode): Promise<number> {
  const value = await metricValue(node.rpcUrl, 'txpool_senders_recovered_ahead_total')
  assert.ok(value !== undefined, `${node.name} exports the counter`)
  return value
}

describe('four sealers and a follower', { timeout: 300_000 }, () => {
  const cluster = Cluster.create({ name: 'sealers', keys: SEALERS, signers: SEALERS, period: 1 })
  let nodes: ClusterNode[] = []
  let sealers: ClusterNode[] = []
  let follower: ClusterNode
  let signers: string[] = []

  before(async () => {
    nodes = await cluster.init('sealer-0', 'sealer-1', 'sealer-2', 'sealer-3', 'follower')
    sealers = nodes.slice(0, SEALERS)
    follower = nodes[SEALERS]
    await Promise.all(nodes.map((node, i) => node.start({ key: cluster.keys[i], bootnodes: cluster.bootnodesFor(node) })))
    await waitForPeers(nodes, nodes.length - 1)
    signers = await follower.signers(0)
  }, { timeout: 120_000 })

  after(async () => {
    await cluster.destroy()
  }, { timeout: 60_000 })

  it('starts with the four genesis signers; transactions sent to the follower are mined by the sealers', async () => {
    assert.deepEqual(signers, cluster.keys.map((key) => key.address.toLowerCase()).sort())
    for (const node of nodes) assert.deepEqual(await node.signers(), signers, `${node.name} signers`)
    // The follower follows the sealers (gossip works both ways) before anything is sent.
    await waitForAgreementAt(nodes, 3)

    const recipients = devWallets.map((_, i) => ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0xb05a0000 + i), 20)))
    const recoveredBefore = await Promise.all(nodes.map(sendersRecoveredAhead))
    // One JSON-RPC batch: the follower recovers its senders together on its recovery thread, and
    // gossips them as one batch, which the sealers recover together too (txpool-batches.test.ts).
    const transfers = await Promise.all(
      devWallets.map(async (wallet, i) => {
        const nonce = await follower.provider!.getTransactionCount(wallet.address, 'pending')
        return signTransfer(wallet, { nonce, to: recipients[i], value: 1_000_000n + BigInt(i) })
      }),
    )
    const sent = await fetch(follower.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(transfers.map(({ raw }, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [raw] }))),
    })
    const hashes = transfers.map(({ hash }) => hash)
    assert.deepEqual(((await sent.json()) as { result: string }[]).map((answer) => answer.result), hashes)
    const first = await Promise.all(hashes.map((hash) => waitForReceipt(follower, hash, 30_000)))
    await waitForAgreementAt(nodes, Math.max(...first.map((r) => Number(r.blockNumber))))
    // Out-of-turn Clique blocks can fork for a moment: once the nodes agree, the follower's
    // receipts are read again, so they name the blocks every node now has at those heights.
    const receipts = await Promise.all(hashes.map((hash) => waitForReceipt(follower, hash, 30_000)))
    const highest = Math.max(...receipts.map((r) => Number(r.blockNumber)))
    await waitForAgreementAt(nodes, highest)
    for (const [i, mined] of receipts.entries()) {
      assert.equal(mined.status, '0x1')
      const block = await follower.block(Number(mined.blockNumber))
      assert.ok(block !== null && block.transactions.includes(hashes[i]))
      assert.ok(signers.includes(cliqueAuthor(block)), `block ${mined.blockNumber} sealed by a signer`)
      for (const node of sealers) assert.equal((await receipt(node, hashes[i]))?.blockHash, mined.blockHash, `${node.name} has the receipt in the same block`)
    }
    for (const node of nodes) {
      const balances = await Promise.all(recipients.map((address) => node.provider!.getBalance(address, highest)))
      assert.deepEqual(balances, recipients.map((_, i) => 1_000_000n + BigInt(i)), `${node.name} balances`)
    }
    assert.equal(Number((await follower.rpc<{ pending: string }>('txpool_status')).pending), 0, 'the follower pool is empty once mined')
    const recovered = (await Promise.all(nodes.map(sendersRecoveredAhead))).map((count, i) => count - recoveredBefore[i])
    assert.equal(recovered[SEALERS], devWallets.length, 'the follower recovered the batch ahead')
    assert.ok(recovered.slice(0, SEALERS).some((count) => count > 0), `the sealers recovered the gossiped batch ahead (${recovered.join(', ')})`)
  })

  it('keeps sealing with a sealer SIGKILLed; the restarted sealer catches up and seals again', async () => {
    const victim = sealers[2]
    const victimAddress = victim.address!
    const others = nodes.filter((node) => node !== victim)
    const killedAt = await victim.blockNumber()
    await victim.kill()

    // Three of four signers go on: every third block each, the victim's slots sealed out of turn.
    const target = killedAt + 2 * SEALERS
    await waitForAgreementAt(others, target, 30_000)
    // The victim may have sealed killedAt + 1 just before it died; later blocks are not its.
    for (const block of await blocks(follower, killedAt + 2, target)) {
      const author = cliqueAuthor(block)
      assert.notEqual(author, victimAddress, `block ${Number(block.number)} sealed by the killed sealer`)
      assert.ok(signers.includes(author))
      const inTurn = signers[Number(block.number) % signers.length]
      if (inTurn === victimAddress) assert.equal(Number(block.difficulty), 1, `block ${Number(block.number)}: the killed sealer's slot is sealed out of turn`)
    }

    await victim.start()
    const restartedAt = await victim.blockNumber()
    assert.ok(restartedAt >= killedAt - 1, `the killed sealer's data survived (head ${restartedAt}, was ${killedAt})`)
    const othersHead = await follower.blockNumber()
    await waitForAgreementAt(nodes, othersHead + 1, 30_000)
    // Back in rotation: a block sealed by it after the restart.
    const sealed = await waitFor(
      'a block sealed by the restarted sealer',
      async () => {
        const head = await follower.blockNumber()
        for (const block of await blocks(follower, othersHead + 1, head)) if (cliqueAuthor(block) === victimAddress) return Number(block.number)
        return undefined
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    )
    await waitForAgreementAt(nodes, sealed, 15_000)
  })

  it(`agrees on the head and state root after ${BLOCKS} blocks, every block sealed by a signer in order`, async (t) => {
    const startedAt = await follower.blockNumber()
    await waitForAgreementAt(nodes, BLOCKS, (BLOCKS - startedAt) * 3_000 + 30_000)
    // The chain moves on every second; at some instant all five report the same head.
    const head = await waitForSameHead(nodes, 30_000, 0)
    assert.ok(head.number >= BLOCKS)

    const chain = await blocks(follower, 1, BLOCKS)
    const genesis = await follower.block(0)
    const counts = new Map(signers.map((signer) => [signer, { blocks: 0, inTurn: 0 }]))
    const authors: string[] = []
    for (const [i, block] of chain.entries()) {
      const number = i + 1
      assert.equal(Number(block.number), number)
      assert.equal(block.parentHash, i === 0 ? genesis!.hash : chain[i - 1].hash, `block ${number} links to its parent`)
      const author = cliqueAuthor(block)
      assert.ok(signers.includes(author), `block ${number} sealed by ${author}, not a signer`)
      const inTurn = signers[number % signers.length] === author
      assert.equal(Number(block.difficulty), inTurn ? 2 : 1, `block ${number}: difficulty of ${inTurn ? 'an in-turn' : 'an out-of-turn'} seal`)
      // A signer may seal once per floor(N/2)+1 consecutive blocks.
      const limit = Math.floor(signers.length / 2) + 1
      assert.ok(!authors.slice(-(limit - 1)).includes(author), `block ${number}: ${author} sealed again within ${limit} blocks`)
      authors.push(author)
      counts.get(author)!.blocks++
      if (inTurn) counts.get(author)!.inTurn++
    }
    for (const [signer, count] of counts) assert.ok(count.blocks > 0, `${signer} sealed no block in ${BLOCKS}`)

    // The node's own view agrees with the seals: recents of the snapshot at BLOCKS.
    const snapshot = await follower.rpc<{ number: number; hash: string; recents: Record<string, string> }>('clique_getSnapshot', [ethers.toQuantity(BLOCKS)])
    assert.equal(snapshot.hash, chain[BLOCKS - 1].hash)
    for (const [number, signer] of Object.entries(snapshot.recents)) assert.equal(signer.toLowerCase(), authors[Number(number) - 1], `snapshot recents at ${number}`)
    const status = await follower.rpc<{ numBlocks: number; sealerActivity: Record<string, number> }>('clique_status')
    assert.equal(status.numBlocks, 64)
    assert.deepEqual(Object.keys(status.sealerActivity).map((a) => a.toLowerCase()).sort(), signers)
    assert.equal(Object.values(status.sealerActivity).reduce((a, b) => a + b, 0), 64)
    t.diagnostic(`blocks 1..${BLOCKS} by signer: ${[...counts].map(([signer, c]) => `${signer.slice(0, 8)} ${c.blocks} (${c.inTurn} in turn)`).join(', ')}`)
  })
})
