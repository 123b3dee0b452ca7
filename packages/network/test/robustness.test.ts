// A hostile peer built from bare libp2p: malformed requests, lying status, broken range
// responses. The node penalises it, never crashes and keeps its head.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bytesToHex } from '@ethereumjs/util'
import { identify } from '@libp2p/identify'
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { createLibp2p, type Libp2p } from 'libp2p'
import { protocols } from '../src/index.ts'
import { encodeHashes, encodeRangeRequest, encodeStatus } from '../src/messages.ts'
import { cleanup, counter, seal, sleep, startNode, transfers, waitFor, type TestNode } from './helpers.ts'

after(cleanup)

const rogues: Libp2p[] = []
after(async () => {
  for (const rogue of rogues) await rogue.stop()
})

async function rogueNode(): Promise<Libp2p> {
  const node = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
  rogues.push(node)
  return node
}

async function readFirst(stream: Stream): Promise<Uint8Array | undefined> {
  for await (const message of lp.decode(stream)) return message.subarray()
  return undefined
}

/** Answers status like a real peer of `target`'s chain, claiming `td`. */
async function answerStatus(rogue: Libp2p, target: TestNode, td: bigint): Promise<void> {
  const ids = protocols(target.chain.access.chainId)
  await rogue.handle(ids.status, async (stream) => {
    await readFirst(stream)
    stream.send(lp.encode.single(encodeStatus({ chainId: target.chain.access.chainId, genesisHash: target.chain.access.genesisHash, headNumber: 1000n, headHash: new Uint8Array(32).fill(9), totalDifficulty: td })))
    await stream.close()
  })
}

test('malformed requests are penalised; the node keeps serving', async () => {
  const node = await startNode()
  await seal(node.chain)
  const ids = protocols(node.chain.access.chainId)
  const rogue = await rogueNode()
  await answerStatus(rogue, node, 0n)
  await rogue.dial(multiaddr(node.network.multiaddrs()[0]))
  await waitFor('rogue ready', () => node.network.peers().some((p) => p.head !== undefined))

  // Not RLP, a wrong shape, a count above the limit, an oversized message.
  for (const payload of [new Uint8Array([0xff, 0xff]), encodeStatus({ chainId: 1n, genesisHash: new Uint8Array(32), headNumber: 0n, headHash: new Uint8Array(32), totalDifficulty: 0n })]) {
    const stream = await rogue.dialProtocol(peerIdFromString(node.network.peerId), ids.blocksByRange)
    stream.send(lp.encode.single(payload))
    await stream.close().catch(() => undefined)
    await readFirst(stream).catch(() => undefined)
  }
  await waitFor('two penalties', async () => (await counter(node.registry, 'network_penalties_total', { reason: 'malformedMessage' })) >= 2)

  // A well-formed request still gets an answer.
  const stream = await rogue.dialProtocol(peerIdFromString(node.network.peerId), ids.blocksByRange)
  stream.send(lp.encode.single(encodeRangeRequest({ start: 0n, count: 2 })))
  await stream.close()
  const blocks: Uint8Array[] = []
  for await (const message of lp.decode(stream)) blocks.push(message.subarray())
  assert.equal(blocks.length, 2)
  assert.equal(bytesToHex(node.chain.access.decodeBlock(blocks[1]).hash()), bytesToHex(node.chain.chain.head.hash()))

  // A range count above the limit.
  const over = await rogue.dialProtocol(peerIdFromString(node.network.peerId), ids.blocksByRange)
  over.send(lp.encode.single(encodeRangeRequest({ start: 0n, count: 1000 })))
  await over.close().catch(() => undefined)
  await readFirst(over).catch(() => undefined)
  await waitFor('count refused', async () => (await counter(node.registry, 'network_penalties_total', { reason: 'malformedMessage' })) >= 3)

  // A status message far above the size limit.
  const big = await rogue.dialProtocol(peerIdFromString(node.network.peerId), ids.status)
  big.send(lp.encode.single(new Uint8Array(100_000)))
  await big.close().catch(() => undefined)
  await readFirst(big).catch(() => undefined)
  await waitFor('oversized refused', async () => (await counter(node.registry, 'network_penalties_total', { reason: 'malformedMessage' })) >= 4)
  assert.equal(node.chain.chain.head.header.number, 1n)
})

test('a peer lying about its head and answering sync with broken blocks is penalised and banned', async () => {
  const node = await startNode({ options: { syncPeerCooldownMs: 50, statusIntervalMs: 300 } })
  await seal(node.chain)
  const ids = protocols(node.chain.access.chainId)
  const rogue = await rogueNode()
  await answerStatus(rogue, node, 10n ** 6n)
  let served = 0
  await rogue.handle(ids.blocksByRange, async (stream) => {
    await readFirst(stream)
    served++
    // A block that is not RLP, then one of the right chain at the wrong number.
    const payload = served % 2 === 0 ? new Uint8Array([0xc0, 0x01, 0x02]) : node.chain.chain.head.serialize()
    stream.send(lp.encode.single(payload))
    await stream.close()
  })
  await rogue.dial(multiaddr(node.network.multiaddrs()[0]))
  await waitFor('banned', async () => (await counter(node.registry, 'network_bans_total')) === 1, 20_000)
  assert.ok((await counter(node.registry, 'network_penalties_total', { reason: 'badResponse' })) >= 1)
  await waitFor('disconnected', () => node.network.peerCount() === 0)
  assert.equal(node.chain.chain.head.header.number, 1n)
  assert.equal(node.network.syncing(), false)
  await sleep(100)
})

test('a peer that never answers status is dropped after the timeout', async () => {
  const node = await startNode({ options: { statusTimeoutMs: 500 } })
  const ids = protocols(node.chain.access.chainId)
  const rogue = await rogueNode()
  await rogue.handle(ids.status, async () => {
    // read nothing, answer nothing
  })
  await rogue.dial(multiaddr(node.network.multiaddrs()[0]))
  await waitFor('connected', () => node.network.peerCount() === 1)
  await waitFor('dropped', () => node.network.peerCount() === 0, 5_000)
})

test('bad transaction announcements and answers are penalised', async () => {
  const node = await startNode()
  const ids = protocols(node.chain.access.chainId)
  const rogue = await rogueNode()
  await answerStatus(rogue, node, 0n)
  // Asked for one transaction, the rogue answers with two.
  const txs = transfers(2, 0, 6)
  await rogue.handle(ids.pooledTransactions, async (stream) => {
    await readFirst(stream)
    for (const tx of txs) stream.send(lp.encode.single(tx.serialize()))
    await stream.close()
  })
  await rogue.dial(multiaddr(node.network.multiaddrs()[0]))
  await waitFor('rogue ready', () => node.network.peers().some((p) => p.head !== undefined))
  const target = peerIdFromString(node.network.peerId)

  // Not a list of 32-byte hashes, and more hashes than one announcement may carry.
  for (const payload of [new Uint8Array([0xc2, 0x01, 0x02]), encodeHashes(Array.from({ length: 4097 }, () => new Uint8Array(32)))]) {
    const stream = await rogue.dialProtocol(target, ids.pooledTransactionHashes)
    stream.send(lp.encode.single(payload))
    await stream.close().catch(() => undefined)
  }
  await waitFor('two malformed announcements', async () => (await counter(node.registry, 'network_penalties_total', { reason: 'malformedMessage' })) >= 2)

  const announce = await rogue.dialProtocol(target, ids.pooledTransactionHashes)
  announce.send(lp.encode.single(encodeHashes([txs[0].hash()])))
  await announce.close()
  await waitFor('too many transactions in the answer', async () => (await counter(node.registry, 'network_penalties_total', { reason: 'badResponse' })) >= 1)
  assert.equal(node.pool.transactions.size, 0, 'nothing from a bad answer is added')
  assert.equal(node.network.peerCount(), 1)
})
