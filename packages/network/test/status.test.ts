// Connecting: status handshake, genesis mismatch, allowlist, node key persistence, redial.
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { after, test } from 'node:test'
import { bytesToHex } from '@ethereumjs/util'
import { devAccounts, devGenesis } from '@busan/chain-config'
import { nodeKeyPath } from '../src/index.ts'
import { cleanup, openChain, seal, startNode, waitFor } from './helpers.ts'

after(cleanup)

test('status handshake: both sides learn the other head', async () => {
  const a = await startNode()
  await seal(a.chain)
  await seal(a.chain)
  const b = await startNode({ bootnodes: [a.network.multiaddrs()[0]] })
  await waitFor('peers with heads', () => a.network.peers().some((p) => p.head !== undefined) && b.network.peers().some((p) => p.head !== undefined))
  const seenByB = b.network.peers()[0]
  assert.equal(seenByB.id, a.network.peerId)
  assert.equal(seenByB.direction, 'outbound')
  assert.ok(seenByB.head!.number >= 2n)
  const seenByA = a.network.peers()[0]
  assert.equal(seenByA.id, b.network.peerId)
  assert.equal(seenByA.direction, 'inbound')
  const info = a.network.nodeInfo()
  assert.equal(info.id, a.network.peerId)
  assert.equal(info.genesis, bytesToHex(a.chain.chain.genesis.hash()))
  assert.ok(info.listenAddrs[0].endsWith(`/p2p/${a.network.peerId}`))
  assert.equal(a.network.peerCount(), 1)
})

test('a peer on another genesis is disconnected', async () => {
  const a = await startNode()
  // Same chain id, other allocation: a different genesis hash.
  const other = await openChain({ genesis: devGenesis({ period: 0, accounts: devAccounts(3) }) })
  assert.notEqual(bytesToHex(other.chain.genesis.hash()), bytesToHex(a.chain.chain.genesis.hash()))
  const b = await startNode({ chain: other })
  await b.network.addPeer(a.network.multiaddrs()[0]).catch(() => undefined)
  await waitFor('disconnect', () => a.network.peerCount() === 0 && b.network.peerCount() === 0)
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(a.network.peerCount(), 0, 'no reconnection')
  assert.equal(b.network.peers().length, 0)
})

test('allowlist: a listed peer connects, another is refused both ways', async () => {
  const listed = await startNode({ start: false })
  const stranger = await startNode()
  const guarded = await startNode({ allowlist: [listed.network.peerId] })
  await listed.network.start()
  await listed.network.addPeer(guarded.network.multiaddrs()[0])
  await waitFor('listed peer ready', () => guarded.network.peers().some((p) => p.id === listed.network.peerId && p.head !== undefined))
  // Dialling the stranger is refused before any connection...
  await assert.rejects(guarded.network.addPeer(stranger.network.multiaddrs()[0]), /denied|gater|refused/i)
  // ...and its inbound connection is dropped during the upgrade (the dialer may see it open briefly).
  await stranger.network.addPeer(guarded.network.multiaddrs()[0]).catch(() => undefined)
  await waitFor('stranger dropped', () => stranger.network.peerCount() === 0)
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.deepEqual(guarded.network.peers().map((p) => p.id), [listed.network.peerId])
  assert.equal(stranger.network.peerCount(), 0)
  assert.equal(stranger.network.peers().some((p) => p.head !== undefined), false, 'no status was ever exchanged')
})

test('addPeer refuses an address without a peer id; create refuses a bad bootnode', async () => {
  const a = await startNode()
  await assert.rejects(a.network.addPeer('/ip4/127.0.0.1/tcp/1'), /no \/p2p\//)
  await assert.rejects(a.network.addPeer('not a multiaddr'), /invalid peer address/)
  await assert.rejects(startNode({ bootnodes: ['/ip4/127.0.0.1/tcp/1'] }), /no \/p2p\//)
})

test('the node key persists across restarts: same peer id', async () => {
  const first = await startNode()
  const id = first.network.peerId
  const path = nodeKeyPath(first.dataDir)
  assert.equal(statSync(path).mode & 0o777, 0o600)
  await first.network.stop()
  const second = await startNode({ dataDir: first.dataDir })
  assert.equal(second.network.peerId, id)
  const third = await startNode()
  assert.notEqual(third.network.peerId, id)
})

test('a static peer is redialled after it goes away and comes back', async () => {
  const a = await startNode()
  const address = a.network.multiaddrs()[0]
  const b = await startNode({ bootnodes: [address] })
  await waitFor('connected', () => b.network.peerCount() === 1)
  await a.network.stop()
  await waitFor('disconnected', () => b.network.peerCount() === 0)
  // The same identity comes back on the same port.
  const port = address.split('/')[4]
  await startNode({ dataDir: a.dataDir, chain: a.chain, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
  await waitFor('redialled', () => b.network.peers().some((p) => p.id === a.network.peerId && p.head !== undefined), 10_000)
})
