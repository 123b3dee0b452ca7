// A 2|2 partition of four Clique sealers and its healing, with real node processes.
// The halves are made by restarting each pair with --allowlist naming only its partner;
// healing restarts all four with each other as bootnodes and no allowlist.
//
// Period 0 (seal only when a transaction is pending) keeps every fork choice here
// deterministic, which period 1 cannot: a half of two signers out of four can seal at most two
// blocks (a signer may seal once per 3 consecutive blocks), its sealers seal empty blocks the
// moment they start (before a test could hand them a transaction), and two branches of equal
// total difficulty would leave both halves stuck for good (neither syncs the other's branch,
// and no signer may extend its own). So the halves are chosen from the signers' turns at the
// partition point n, where s(n-1) and s(n) may not seal n+1 and in-turn(h) = signers[h % 4]:
//   winning half = { in-turn(n+1), s(n-1) }: in-turn(n+1) seals its transaction at n+1 in
//                  turn (difficulty 2);
//   losing half  = { in-turn(n+2), s(n) }: only in-turn(n+2) may seal n+1, out of turn
//                  (difficulty 1), with its transaction.
// On healing the losing half reorganises to the heavier branch, puts its transaction back in
// its pool, and in-turn(n+2), free to seal n+2 on the winning branch and in turn there,
// re-includes it: the final chain has both transactions.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { devWallets, receipt, sendTransfer, waitForPeers, waitForReceipt, waitForSameHead } from './network-helpers/chain.ts'

const SIGNERS = 4
const recipient = (i: number) => ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0xfa0000 + i), 20))

describe('a 2|2 partition of four sealers heals onto one chain', { timeout: 180_000 }, () => {
  const cluster = Cluster.create({ name: 'partition', keys: SIGNERS, signers: SIGNERS, period: 0 })
  let nodes: ClusterNode[] = []
  const nonces = new Map<string, number>()

  /** A transfer from dev account `account`, its nonce counted here. */
  async function transfer(node: ClusterNode, account: number, to: string, value: bigint): Promise<string> {
    const wallet = devWallets[account]
    const nonce = nonces.get(wallet.address) ?? 0
    nonces.set(wallet.address, nonce + 1)
    return sendTransfer(node, wallet, { nonce, to, value })
  }

  before(async () => {
    nodes = await cluster.init('sealer-0', 'sealer-1', 'sealer-2', 'sealer-3')
    await Promise.all(nodes.map((node, i) => node.start({ key: cluster.keys[i], bootnodes: cluster.bootnodesFor(node) })))
    await waitForPeers(nodes, SIGNERS - 1)
  }, { timeout: 120_000 })

  after(async () => {
    await cluster.destroy()
  }, { timeout: 60_000 })

  it('the heavier half wins; the losing half reorganises and re-includes its transaction', async (t) => {
    const signers = await nodes[0].signers()
    const byAddress = new Map(nodes.map((node) => [node.address!, node]))
    const inTurn = (number: number) => signers[number % SIGNERS]

    // A common prefix, one block per transaction, until the turns fit the plan (with in-turn
    // sealing from genesis that is block 2). Each transaction goes to the sealer whose turn
    // is next, which seals at once: an out-of-turn block of another sealer holding it by
    // gossip would be lighter and lose, so no two branches of equal weight arise.
    let head = await waitForSameHead(nodes)
    let plan: { n: number; x: string; y: string } | undefined
    for (let round = 0; plan === undefined; round++) {
      assert.ok(round < 8, 'no suitable partition point in 8 blocks')
      const hash = await transfer(byAddress.get(inTurn(head.number + 1))!, 0, recipient(0), 1n)
      await waitForReceipt(nodes[0], hash)
      head = await waitForSameHead(nodes)
      const n = head.number
      if (n < 2) continue
      const recents = (await nodes[0].rpc<{ recents: Record<string, string> }>('clique_getSnapshot', [ethers.toQuantity(n)])).recents
      const x = recents[String(n - 1)].toLowerCase()
      const y = recents[String(n)].toLowerCase()
      if (![x, y].includes(inTurn(n + 1)) && ![x, y].includes(inTurn(n + 2))) plan = { n, x, y }
    }
    const { n, x, y } = plan
    const winners = [byAddress.get(inTurn(n + 1))!, byAddress.get(x)!]
    const losers = [byAddress.get(inTurn(n + 2))!, byAddress.get(y)!]
    t.diagnostic(`partition at block ${n}: ${winners.map((node) => node.name).join('+')} | ${losers.map((node) => node.name).join('+')}`)

    // Partition: every node restarts allowing only its partner.
    await Promise.all(nodes.map((node) => node.stop()))
    await Promise.all(
      [winners, losers].flatMap((half) => half.map((node) => {
        const partner = half.find((other) => other !== node)!
        return node.start({ key: node.options.key, bootnodes: [partner.enode], allowlist: [partner.peerId] })
      })),
    )
    await waitForPeers(nodes, 1)
    for (const half of [winners, losers]) {
      for (const node of half) {
        const peers = await node.rpc<{ id: string }[]>('admin_peers')
        assert.deepEqual(peers.map((peer) => peer.id), [half.find((other) => other !== node)!.peerId], `${node.name} sees only its partner`)
      }
    }

    // One transaction per half, each sent to the sealer that may seal it.
    const winnerTx = await transfer(winners[0], 1, recipient(1), 1_000n)
    const loserTx = await transfer(losers[0], 2, recipient(2), 2_000n)
    const [wonReceipt, lostReceipt] = await Promise.all([waitForReceipt(winners[1], winnerTx), waitForReceipt(losers[1], loserTx)])
    const [winningHead, losingHead] = await Promise.all([waitForSameHead(winners), waitForSameHead(losers)])
    assert.equal(winningHead.number, n + 1)
    assert.equal(losingHead.number, n + 1)
    assert.equal(wonReceipt.blockHash, winningHead.hash)
    assert.equal(lostReceipt.blockHash, losingHead.hash)
    assert.equal(winningHead.difficulty, 2, 'the winning half seals n+1 in turn')
    assert.equal(losingHead.difficulty, 1, 'the losing half seals n+1 out of turn')
    for (const node of winners) assert.equal(await receipt(node, loserTx), null, `${node.name} never saw the other half's transaction`)
    for (const node of losers) assert.equal(await receipt(node, winnerTx), null, `${node.name} never saw the other half's transaction`)

    // Heal: everyone restarts with everyone as a bootnode.
    await Promise.all(nodes.map((node) => node.stop()))
    await Promise.all(nodes.map((node) => node.start({ key: node.options.key, bootnodes: cluster.bootnodesFor(node) })))
    await waitForPeers(nodes, SIGNERS - 1)
    const final = await waitForSameHead(nodes, 60_000, 500)
    assert.equal(final.number, n + 2, 'the winning branch plus one block re-including the lost transaction')

    for (const node of nodes) {
      const canonical = await node.block(n + 1)
      assert.equal(canonical?.hash, winningHead.hash, `${node.name}: block ${n + 1} is the winning half's`)
      const won = await receipt(node, winnerTx)
      const lost = await receipt(node, loserTx)
      assert.equal(won?.blockHash, winningHead.hash, `${node.name}: the winning half's transaction stays where it was`)
      assert.equal(lost?.blockHash, final.hash, `${node.name}: the losing half's transaction is re-included at the head`)
      assert.notEqual(lost?.blockHash, losingHead.hash)
      assert.equal(lost?.status, '0x1')
      assert.equal(await node.provider!.getBalance(recipient(1)), 1_000n)
      assert.equal(await node.provider!.getBalance(recipient(2)), 2_000n)
    }
    const reorganised = losers.filter((node) => node.allLogs().some((entry) => entry.msg === 'chain reorganised'))
    assert.deepEqual(reorganised.map((node) => node.name), losers.map((node) => node.name), 'both losing nodes reorganised')
  })
})
