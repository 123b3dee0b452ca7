// Three Clique sealers on separate chains, connected in a line (gossip must be forwarded),
// taking turns; two of them sealing the same height at once; an RPC node joining late.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { cliqueGenesisExtraData, devGenesis } from '@busan/chain-config'
import { accounts, cleanup, counter, gossipReady, openChain, sameHead, seal, startNode, transfers, waitFor, type TestNode } from './helpers.ts'

after(cleanup)

const SIGNERS = [0, 1, 2]
const genesis = { ...devGenesis({ period: 0 }), extraData: cliqueGenesisExtraData(SIGNERS.map((i) => accounts[i].address)) }

/** The sealer whose turn it is on top of `node`'s head, and one that may seal out of turn. */
async function turns(nodes: TestNode[]): Promise<{ inTurn: number; outOfTurn: number | undefined }> {
  let inTurn = -1
  let outOfTurn: number | undefined
  for (const [index, node] of nodes.entries()) {
    const plan = await node.chain.engine.plan(node.chain.chain.head.header, hexToBytes(accounts[SIGNERS[index]].address as `0x${string}`), Date.now())
    if ('refused' in plan) continue
    if (plan.difficulty === 2n) inTurn = index
    else outOfTurn ??= index
  }
  assert.ok(inTurn >= 0)
  return { inTurn, outOfTurn }
}

test('sealers taking turns converge through a forwarding peer; a concurrent out-of-turn block loses; a late RPC node syncs', async () => {
  const s0 = await startNode({ chain: await openChain({ genesis }) })
  const s1 = await startNode({ chain: await openChain({ genesis }), bootnodes: [s0.network.multiaddrs()[0]] })
  const s2 = await startNode({ chain: await openChain({ genesis }), bootnodes: [s1.network.multiaddrs()[0]] })
  const sealers = [s0, s1, s2]
  await waitFor('line connected', () => s0.network.peerCount() === 1 && s1.network.peerCount() === 2 && s2.network.peerCount() === 1)
  await gossipReady(s0, s1, s2)
  const converged = () => sameHead(s0.chain, s1.chain) && sameHead(s1.chain, s2.chain)

  let nonce = 0
  for (let n = 1; n <= 9; n++) {
    const { inTurn } = await turns(sealers)
    await seal(sealers[inTurn].chain, transfers(3, nonce, 5), SIGNERS[inTurn])
    nonce += 3
    await waitFor(`block ${n} everywhere`, converged)
  }
  assert.equal(s0.chain.chain.head.header.number, 9n)

  // Height 10 sealed twice at once: in turn (difficulty 2) and out of turn (difficulty 1).
  const { inTurn, outOfTurn } = await turns(sealers)
  assert.ok(outOfTurn !== undefined)
  const [winner, loser] = await Promise.all([seal(sealers[inTurn].chain, transfers(1, nonce, 5), SIGNERS[inTurn]), seal(sealers[outOfTurn].chain, transfers(1, nonce, 6), SIGNERS[outOfTurn])])
  await waitFor('fork resolved to the in-turn block', () => sealers.every((node) => bytesToHex(node.chain.chain.head.hash()) === bytesToHex(winner.hash())))
  await waitFor('the losing block kept everywhere as a side block', () => sealers.every((node) => node.chain.chain.store.blockByHash(loser.hash()) !== undefined))
  for (const node of sealers) assert.equal(bytesToHex(node.chain.chain.head.hash()), bytesToHex(winner.hash()))

  // An RPC node (no signer) joins through s2 and catches up, then follows by gossip.
  const rpc = await startNode({ chain: await openChain({ genesis }), bootnodes: [s2.network.multiaddrs()[0]] })
  await waitFor('rpc node synced', () => sameHead(s2.chain, rpc.chain))
  assert.equal(await counter(rpc.registry, 'network_sync_blocks_imported_total'), 10)
  await gossipReady(s2, rpc)
  const next = await turns(sealers)
  const block = await seal(sealers[next.inTurn].chain, [], SIGNERS[next.inTurn])
  await waitFor('rpc node follows by gossip', () => bytesToHex(rpc.chain.chain.head.hash()) === bytesToHex(block.hash()))
  assert.equal(await counter(rpc.registry, 'network_sync_blocks_imported_total'), 10)
})
