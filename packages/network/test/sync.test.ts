// Full sync by range: an empty node catches up, a restarted node resumes, a lighter branch reorganises.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { bytesToHex } from '@ethereumjs/util'
import { cleanup, counter, gossipReady, openChain, sameHead, seal, startNode, transfers, waitFor, type TestChain, type TestNode } from './helpers.ts'

after(cleanup)

const BLOCKS = 300
let source: TestNode

before(async () => {
  // 300 blocks (more than two range requests' worth) with transactions, sealed before anyone connects.
  source = await startNode()
  let nonce = 0
  for (let i = 0; i < BLOCKS; i++) {
    const count = i % 3 === 0 ? 10 : 0
    await seal(source.chain, transfers(count, nonce))
    nonce += count
  }
})

test('a node started empty syncs every block by range from a peer', async () => {
  const follower = await startNode({ bootnodes: [source.network.multiaddrs()[0]], options: { syncBatchBlocks: 64 } })
  const progress: bigint[] = []
  const started = performance.now()
  await waitFor('synced', () => {
    const status = follower.network.syncing()
    if (status !== false) {
      assert.equal(status.highestBlock, BigInt(BLOCKS))
      progress.push(status.currentBlock)
    }
    return sameHead(source.chain, follower.chain)
  }, 60_000)
  const seconds = (performance.now() - started) / 1000
  assert.equal(follower.chain.chain.head.header.number, BigInt(BLOCKS))
  assert.equal(bytesToHex(follower.chain.chain.head.header.stateRoot), bytesToHex(source.chain.chain.head.header.stateRoot))
  assert.equal(await counter(follower.registry, 'network_sync_blocks_imported_total'), BLOCKS)
  assert.ok(progress.length > 0, 'syncing() reported progress')
  await waitFor('sync over', () => follower.network.syncing() === false)
  console.log(`# synced ${BLOCKS} blocks in ${seconds.toFixed(2)} s (${Math.round(BLOCKS / seconds)} blocks/s)`)
})

test('a node that was down resumes from where it stopped; new blocks then arrive by gossip', async () => {
  const dataDir = (await startNode({ start: false })).dataDir
  let chain: TestChain = await openChain()
  for (let n = 1n; n <= 100n; n++) await chain.chain.importBlock(source.chain.chain.store.blockByNumber(n)!)
  await chain.close()
  chain = await openChain({ dir: chain.dir })
  assert.equal(chain.chain.head.header.number, 100n)
  const follower = await startNode({ chain, dataDir, bootnodes: [source.network.multiaddrs()[0]] })
  await waitFor('caught up', () => sameHead(source.chain, follower.chain), 60_000)
  assert.equal(await counter(follower.registry, 'network_sync_blocks_imported_total'), BLOCKS - 100, 'only the missing blocks were imported')

  await waitFor('sync over', () => follower.network.syncing() === false)
  await gossipReady(source, follower)
  await seal(source.chain, transfers(5, 1000))
  await waitFor('new block by gossip', () => sameHead(source.chain, follower.chain))
  assert.equal(await counter(follower.registry, 'network_sync_blocks_imported_total'), BLOCKS - 100)
})

test('a node on a lighter branch finds the common ancestor and reorganises to the heavier one', async () => {
  // Two chains share 10 blocks, then diverge: 3 local blocks against 8 of the peer.
  const heavy = await openChain()
  const light = await openChain()
  for (let n = 1n; n <= 10n; n++) {
    const block = source.chain.chain.store.blockByNumber(n)!
    await heavy.chain.importBlock(block)
    await light.chain.importBlock(block)
  }
  for (let i = 0; i < 3; i++) await seal(light, transfers(1, 2000 + i, 3))
  for (let i = 0; i < 8; i++) await seal(heavy, transfers(2, 3000 + 2 * i, 4))
  const lightTip = light.chain.head.hash()
  const peer = await startNode({ chain: heavy })
  const node = await startNode({ chain: light, bootnodes: [peer.network.multiaddrs()[0]] })
  await waitFor('reorganised', () => sameHead(heavy, node.chain), 30_000)
  assert.equal(node.chain.chain.head.header.number, 18n)
  assert.equal(bytesToHex(node.chain.chain.head.header.stateRoot), bytesToHex(heavy.chain.head.header.stateRoot))
  assert.ok(node.chain.chain.store.blockByHash(lightTip) !== undefined, 'the old branch stays stored')
  assert.equal(bytesToHex(node.chain.chain.store.canonicalHash(13n)!), bytesToHex(heavy.chain.store.canonicalHash(13n)!))
  // The peer does not take the lighter branch.
  assert.equal(bytesToHex(peer.chain.chain.head.hash()), bytesToHex(heavy.chain.head.hash()))
})
