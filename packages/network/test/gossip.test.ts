// Block and transaction gossip: propagation, validation verdicts, penalties, duplicates.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { accounts, cleanup, counter, gossipReady, openChain, resealed, sameHead, seal, sleep, startNode, transfers, waitFor } from './helpers.ts'

after(cleanup)

test('blocks sealed by one node reach a follower by gossip: same head hash and state root', async () => {
  const sealer = await startNode()
  const follower = await startNode({ bootnodes: [sealer.network.multiaddrs()[0]] })
  await waitFor('peers ready', () => follower.network.peers().some((p) => p.head !== undefined) && sealer.network.peers().some((p) => p.head !== undefined))
  await gossipReady(sealer, follower)
  let nonce = 0
  for (let i = 0; i < 5; i++) {
    await seal(sealer.chain, transfers(20, nonce))
    nonce += 20
  }
  await waitFor('follower at head 5', () => sameHead(sealer.chain, follower.chain))
  assert.equal(follower.chain.chain.head.header.number, 5n)
  assert.equal(bytesToHex(follower.chain.chain.head.header.stateRoot), bytesToHex(sealer.chain.chain.head.header.stateRoot))
  assert.equal(await counter(sealer.registry, 'network_gossip_messages_total', { direction: 'out', topic: 'blocks', outcome: 'published' }), 5)
  assert.equal(await counter(follower.registry, 'network_gossip_messages_total', { direction: 'in', topic: 'blocks', outcome: 'accept' }), 5)
  assert.equal(await counter(follower.registry, 'network_sync_blocks_imported_total'), 0, 'all by gossip, nothing by sync')
  assert.equal(follower.network.peers()[0].head?.number, 5n)
})

test('a block with a bad seal or a bad state root is rejected, its sender penalised and banned, the head stays', async () => {
  const follower = await startNode()
  const rogueChain = await openChain()
  const rogue = await startNode({ chain: rogueChain })
  // Both start with the same first block.
  const first = await seal(rogueChain)
  assert.equal(await follower.chain.chain.importBlock(first), 'canonical')
  await rogue.network.addPeer(follower.network.multiaddrs()[0])
  await waitFor('peers ready', () => follower.network.peers().some((p) => p.head !== undefined))
  await gossipReady(follower, rogue)

  // The tampered blocks are built off-network (a chain no network publishes for).
  const forge = await openChain()
  await forge.chain.importBlock(first)
  const next = await seal(forge, transfers(3, 0))
  const badSeal = resealed(rogueChain, next, {}, hexToBytes(accounts[5].privateKey as `0x${string}`))
  const badState = resealed(rogueChain, next, { stateRoot: new Uint8Array(32).fill(7) })
  const badTxRoot = resealed(rogueChain, next, { transactionsTrie: new Uint8Array(32).fill(1) })
  const head = bytesToHex(follower.chain.chain.head.hash())

  await rogue.network.publishBlock(badSeal)
  await waitFor('bad seal rejected', async () => (await counter(follower.registry, 'network_gossip_messages_total', { topic: 'blocks', outcome: 'reject' })) === 1)
  assert.equal(bytesToHex(follower.chain.chain.head.hash()), head)
  assert.equal(await counter(follower.registry, 'network_penalties_total', { reason: 'invalidBlock' }), 1)
  assert.equal(follower.network.peerCount(), 1, 'one invalid block does not ban')

  await rogue.network.publishBlock(badState)
  await waitFor('bad state root rejected', async () => (await counter(follower.registry, 'network_gossip_messages_total', { topic: 'blocks', outcome: 'reject' })) === 2)
  assert.equal(bytesToHex(follower.chain.chain.head.hash()), head)
  assert.equal(bytesToHex(follower.chain.chain.head.header.stateRoot), bytesToHex(first.header.stateRoot))

  await rogue.network.publishBlock(badTxRoot)
  await waitFor('banned and disconnected', async () => (await counter(follower.registry, 'network_bans_total')) === 1 && follower.network.peerCount() === 0)
  assert.equal(bytesToHex(follower.chain.chain.head.hash()), head)
  assert.equal(await counter(follower.registry, 'network_penalties_total', { reason: 'invalidBlock' }), 3)

  // The ban holds: the rogue cannot come back.
  await rogue.network.addPeer(follower.network.multiaddrs()[0]).catch(() => undefined)
  await sleep(500)
  assert.equal(follower.network.peerCount(), 0)
  // The genuine block still imports.
  assert.equal(await follower.chain.chain.importBlock(next), 'canonical')
})

test('a local pending transaction and a sealed block are each delivered once; duplicates from other paths are dropped', async () => {
  // A triangle: a-b, b-c, a-c. A transaction submitted at a reaches b directly and via c.
  const a = await startNode()
  const b = await startNode({ bootnodes: [a.network.multiaddrs()[0]] })
  const c = await startNode({ bootnodes: [a.network.multiaddrs()[0], b.network.multiaddrs()[0]] })
  await waitFor('triangle', () => a.network.peerCount() === 2 && b.network.peerCount() === 2 && c.network.peerCount() === 2)
  await gossipReady(a, b, c)
  const txs = transfers(10, 0, 2)
  for (const tx of txs) await a.pool.addRaw(tx.serialize())
  await waitFor('everyone has the transactions', () => b.pool.transactions.size === 10 && c.pool.transactions.size === 10)
  // Admitted within milliseconds of each other, they leave in batches, not one message each.
  const batches = await counter(a.registry, 'network_gossip_messages_total', { direction: 'out', topic: 'transactions', outcome: 'published' })
  assert.ok(batches >= 1 && batches < 10, `10 transactions gossiped in ${batches} messages`)
  await sleep(1500)
  for (const node of [b, c]) {
    const accepted = await counter(node.registry, 'network_gossip_messages_total', { direction: 'in', topic: 'transactions', outcome: 'accept' })
    const seen = await counter(node.registry, 'network_gossip_messages_total', { direction: 'in', topic: 'transactions' })
    assert.equal(accepted, batches)
    assert.equal(seen, batches, 'each batch validated once: duplicates are dropped before validation')
  }
  // b and c do not publish what they received by gossip themselves (gossipsub forwards it).
  assert.equal(await counter(b.registry, 'network_gossip_messages_total', { direction: 'out', topic: 'transactions' }), 0)
  assert.equal(await counter(a.registry, 'network_gossip_messages_total', { direction: 'in', topic: 'transactions' }), 0, 'nothing echoed back to the origin')
  // A transaction everyone holds, sent again, is ignored: not added twice, not relayed, no penalty.
  await a.network.publishTransaction(txs[0].serialize())
  await waitFor('b and c ignore the repeat', async () => {
    for (const node of [b, c]) if ((await counter(node.registry, 'network_gossip_messages_total', { direction: 'in', topic: 'transactions', outcome: 'ignore' })) !== 1) return false
    return true
  })
  for (const node of [b, c]) assert.equal(node.pool.transactions.size, 10)
  assert.equal(await counter(b.registry, 'network_penalties_total', {}), 0)

  // A block sealed at a reaches b directly and through c (and c directly and through b): validated once each.
  await seal(a.chain, txs)
  await waitFor('block everywhere', () => sameHead(a.chain, b.chain) && sameHead(a.chain, c.chain))
  await a.network.publishBlock(a.chain.chain.head)
  await sleep(1000)
  for (const node of [b, c]) assert.equal(await counter(node.registry, 'network_gossip_messages_total', { direction: 'in', topic: 'blocks' }), 1)
  assert.equal(await counter(a.registry, 'network_gossip_messages_total', { direction: 'in', topic: 'blocks' }), 0)
})

test('malformed gossip is rejected and penalised without harm', async () => {
  const a = await startNode()
  const b = await startNode({ bootnodes: [a.network.multiaddrs()[0]] })
  await waitFor('peers ready', () => a.network.peers().some((p) => p.head !== undefined))
  await gossipReady(a, b)
  await b.network.publishTransaction(new Uint8Array([0x02, 0xc1, 0x80]))
  await b.network.publishTransaction(new Uint8Array(100).fill(0xff))
  await waitFor('both rejected', async () => (await counter(a.registry, 'network_gossip_messages_total', { topic: 'transactions', outcome: 'reject' })) === 2)
  assert.equal(await counter(a.registry, 'network_penalties_total', { reason: 'invalidTransaction' }), 2)
  assert.equal(a.pool.transactions.size, 0)
  assert.equal(a.network.peerCount(), 1)
  assert.equal(a.chain.chain.head.header.number, 0n)
})
