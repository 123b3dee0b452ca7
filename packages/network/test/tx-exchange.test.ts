// Pooled transactions outside gossip: announced to a peer when it becomes ready, local ones
// announced again every rebroadcast interval, fetched by the peer that lacks them.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { bytesToHex } from '@ethereumjs/util'
import { cleanup, counter, gossipReady, sleep, startNode, transfers, waitFor } from './helpers.ts'

after(cleanup)

test('a new peer is sent the pending transactions the node accepted while alone', async () => {
  const a = await startNode()
  const txs = transfers(300, 0, 3)
  for (const tx of txs) await a.pool.submit(tx.serialize())
  const b = await startNode({ bootnodes: [a.network.multiaddrs()[0]] })
  await waitFor('b has every transaction', () => b.pool.transactions.size === txs.length)
  assert.deepEqual([...b.pool.transactions.keys()].sort(), txs.map((tx) => bytesToHex(tx.hash())).sort())
  assert.equal(await counter(a.registry, 'network_pooled_transaction_hashes_announced_total', { reason: 'connect' }), txs.length)
  assert.equal(await counter(b.registry, 'network_pooled_transactions_fetched_total', { outcome: 'accept' }), txs.length)
  assert.equal(await counter(a.registry, 'network_requests_served_total', { protocol: 'pooled-transactions' }), 2, '256 hashes per request')
})

test('local transactions still in the pool are announced again; remote ones are not', async () => {
  const a = await startNode({ options: { rebroadcastIntervalMs: 200 } })
  const b = await startNode({ bootnodes: [a.network.multiaddrs()[0]] })
  await waitFor('peers ready', () => a.network.peers().some((p) => p.head !== undefined) && b.network.peers().some((p) => p.head !== undefined))
  await gossipReady(a, b)
  const [local] = transfers(1, 0, 4)
  const [remote] = transfers(1, 0, 5)
  await a.pool.submit(local.serialize())
  await a.pool.addRaw(remote.serialize())
  await waitFor('gossip delivered both', () => b.pool.transactions.size === 2)
  // b loses both (a restart, an eviction): only the local one comes back.
  b.pool.transactions.clear()
  await waitFor('the local transaction again', () => b.pool.transactions.has(bytesToHex(local.hash())))
  await sleep(600)
  assert.deepEqual([...b.pool.transactions.keys()], [bytesToHex(local.hash())])
  assert.ok((await counter(a.registry, 'network_pooled_transaction_hashes_announced_total', { reason: 'rebroadcast' })) >= 2)
  // Announced again while b has it: b asks for nothing.
  const fetched = await counter(b.registry, 'network_pooled_transactions_fetched_total')
  await sleep(600)
  assert.equal(await counter(b.registry, 'network_pooled_transactions_fetched_total'), fetched)
})

test('nodes that know only a bootnode find each other and stay connected without it; the allowlist still applies', async () => {
  const fast = { discoveryIntervalMs: 200 }
  const boot = await startNode({ options: fast })
  const bootAddress = boot.network.multiaddrs()[0]
  const b = await startNode({ bootnodes: [bootAddress], options: fast })
  const c = await startNode({ bootnodes: [bootAddress], options: fast })
  // d admits only the bootnode.
  const d = await startNode({ bootnodes: [bootAddress], allowlist: [boot.network.peerId], options: fast })
  const connected = (x: typeof b, y: typeof b) => x.network.peers().some((peer) => peer.id === y.network.peerId)
  await waitFor('b and c connected through the peer exchange', () => connected(b, c) && connected(c, b))
  assert.ok((await counter(b.registry, 'network_peers_discovered_total')) >= 1)

  await boot.network.stop()
  await waitFor('the bootnode gone', () => !connected(b, boot) && !connected(c, boot))
  await sleep(1_000)
  assert.ok(connected(b, c) && connected(c, b), 'b and c stay connected without the bootnode')
  assert.ok(!connected(d, b) && !connected(d, c) && !connected(b, d) && !connected(c, d), 'd never connects to peers off its allowlist')
})
