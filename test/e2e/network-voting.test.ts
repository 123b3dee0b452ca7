// Clique voting (EIP-225) across real node processes (period 1): four genesis signers and a
// fifth node that runs with its own key but is not a signer yet.
//  - clique_propose / clique_proposals / clique_discard are the node's local vote list; a
//    vote by one signer is cast in its blocks (tally 1) and passes nothing; discarded, it is
//    no longer cast.
//  - The three other signers propose the fifth: once a majority (3 of 4) has voted in sealed
//    blocks it is a signer on every node, and its node starts sealing.
//  - A majority of the five (3) votes a signer out: it leaves the list on every node and its
//    node stops sealing.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { blocks, cliqueAuthor, waitFor, waitForAgreementAt, waitForPeers } from './network-helpers/chain.ts'
import type { BlockJson } from './network-helpers/cluster.ts'

const NONCE_AUTH = '0xffffffffffffffff'
const NONCE_DROP = '0x0000000000000000'
const ZERO = ethers.ZeroAddress

describe('clique voting over the network', { timeout: 180_000 }, () => {
  const cluster = Cluster.create({ name: 'voting', keys: 5, signers: 4, period: 1 })
  let nodes: ClusterNode[] = []
  let sealers: ClusterNode[] = []
  let candidate: ClusterNode
  const address = (node: ClusterNode) => node.address!

  before(async () => {
    nodes = await cluster.init('sealer-0', 'sealer-1', 'sealer-2', 'sealer-3', 'candidate')
    sealers = nodes.slice(0, 4)
    candidate = nodes[4]
    await Promise.all(nodes.map((node, i) => node.start({ key: cluster.keys[i], bootnodes: cluster.bootnodesFor(node) })))
    await waitForPeers(nodes, nodes.length - 1)
    await waitForAgreementAt(nodes, 1)
  }, { timeout: 120_000 })

  after(async () => {
    await cluster.destroy()
  }, { timeout: 60_000 })

  /** Blocks after `from` up to the head of `node`, with their recovered authors. */
  async function sealedSince(node: ClusterNode, from: number): Promise<{ block: BlockJson; author: string }[]> {
    const head = await node.blockNumber()
    if (head <= from) return []
    return (await blocks(node, from + 1, head)).map((block) => ({ block, author: cliqueAuthor(block) }))
  }

  it('keeps proposals per node: propose, list, replace, discard; a single vote is cast but passes nothing', async () => {
    const voter = sealers[0]
    const outsider = ethers.getAddress(ethers.zeroPadValue('0x0b5e', 20)).toLowerCase()
    assert.deepEqual(await voter.rpc('clique_proposals'), {})
    await voter.rpc('clique_propose', [outsider, false])
    assert.deepEqual(await voter.rpc('clique_proposals'), { [outsider]: false })
    await voter.rpc('clique_propose', [outsider, true])
    assert.deepEqual(await voter.rpc('clique_proposals'), { [outsider]: true }, 'a new proposal for the same address replaces the old one')
    assert.deepEqual(await sealers[1].rpc('clique_proposals'), {}, 'proposals are local to a node')

    // The voter casts it in its next block: coinbase = the address, nonce = authorize.
    const from = await voter.blockNumber()
    const vote = await waitFor(
      'a block carrying the vote',
      async () => (await sealedSince(voter, from)).find(({ block, author }) => author === address(voter) && block.miner.toLowerCase() === outsider),
      { timeoutMs: 20_000, intervalMs: 300 },
    )
    assert.equal(vote.block.nonce, NONCE_AUTH)
    const number = Number(vote.block.number)
    const snapshot = await voter.rpc<{ tally: Record<string, { authorize: boolean; votes: number }>; votes: { signer: string; address: string }[] }>('clique_getSnapshot', [ethers.toQuantity(number)])
    assert.deepEqual(snapshot.tally[outsider], { authorize: true, votes: 1 })
    assert.ok(!(await voter.signers(number)).includes(outsider), 'one vote of four passes nothing')

    // Discarded: the voter's later blocks carry no vote. (The block after the current head
    // may have been planned, vote included, before the discard.)
    await voter.rpc('clique_discard', [outsider])
    assert.deepEqual(await voter.rpc('clique_proposals'), {})
    const discardedAt = (await voter.blockNumber()) + 1
    const next = await waitFor(
      'the voter sealing again after the discard',
      async () => (await sealedSince(voter, discardedAt)).find(({ author }) => author === address(voter)),
      { timeoutMs: 20_000, intervalMs: 300 },
    )
    assert.equal(next.block.miner.toLowerCase(), ZERO)
    assert.equal(next.block.nonce, NONCE_DROP)
    assert.ok(!(await voter.signers()).includes(outsider))
  })

  it('adds a fifth signer on a majority of votes; its node then seals', async () => {
    const newcomer = address(candidate)
    const voters = sealers.slice(1, 4)
    const before = await candidate.signers()
    assert.equal(before.length, 4)
    assert.ok(!before.includes(newcomer))
    const from = await candidate.blockNumber()
    await Promise.all(voters.map((voter) => voter.rpc('clique_propose', [newcomer, true])))
    for (const voter of voters) assert.deepEqual(await voter.rpc('clique_proposals'), { [newcomer]: true })

    const added = await waitFor(
      'the fifth signer on every node',
      async () => {
        const lists = await Promise.all(nodes.map((node) => node.signers()))
        return lists.every((list) => list.includes(newcomer)) ? lists[0] : undefined
      },
      { timeoutMs: 40_000, intervalMs: 300 },
    )
    assert.equal(added.length, 5)
    // The votes that did it: three different signers' blocks naming the newcomer with nonce 0xff..ff.
    const history = await sealedSince(candidate, from)
    const voteAuthors = new Set(history.filter(({ block }) => block.miner.toLowerCase() === newcomer && block.nonce === NONCE_AUTH).map(({ author }) => author))
    assert.deepEqual([...voteAuthors].sort(), voters.map(address).sort())

    // The newcomer's node (running with its key all along) now seals: a block sealed by it.
    const addedAt = await candidate.blockNumber()
    const sealed = await waitFor(
      'a block sealed by the new signer',
      async () => (await sealedSince(candidate, addedAt)).find(({ author }) => author === newcomer),
      { timeoutMs: 30_000, intervalMs: 300 },
    )
    await waitForAgreementAt(nodes, Number(sealed.block.number))
    // The passed proposal stays listed (as in geth) but is no longer cast: it is satisfied.
    for (const voter of voters) await voter.rpc('clique_discard', [newcomer])
  })

  it('removes a signer on a majority of the five; its node stops sealing', async () => {
    const leaver = sealers[3]
    const gone = address(leaver)
    const voters = [sealers[0], sealers[1], candidate]
    await Promise.all(voters.map((voter) => voter.rpc('clique_propose', [gone, false])))

    const removedAt = await waitFor(
      'the signer removed on every node',
      async () => {
        const lists = await Promise.all(nodes.map((node) => node.signers()))
        if (!lists.every((list) => list.length === 4 && !list.includes(gone))) return undefined
        return candidate.blockNumber()
      },
      { timeoutMs: 40_000, intervalMs: 300 },
    )
    const expected = [sealers[0], sealers[1], sealers[2], candidate].map(address).sort()
    assert.deepEqual(await candidate.signers(), expected)

    // The chain goes on without it: the next blocks are sealed by the remaining four only,
    // and the removed signer's node still follows.
    const target = removedAt + 6
    const head = await waitForAgreementAt(nodes, target, 30_000)
    for (const { block, author } of await sealedSince(candidate, removedAt + 1)) {
      if (Number(block.number) > head.number) break
      assert.notEqual(author, gone, `block ${Number(block.number)} sealed by the removed signer`)
      assert.ok(expected.includes(author))
    }
    for (const voter of voters) await voter.rpc('clique_discard', [gone])
    for (const voter of voters) assert.deepEqual(await voter.rpc('clique_proposals'), {})
  })
})
