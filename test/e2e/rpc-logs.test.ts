// End to end: events in receipts, eth_getLogs with every filter shape, polling filters, and
// WebSocket subscriptions, on a real automining node.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { deploy } from './helpers/artifacts.ts'
import { mined, rpcError, sendRawAndWait, signed, startE2ENode, waitFor, waitForGauge, withTimeout, type E2ENode } from './helpers/node.ts'
import { WsClient } from './helpers/ws.ts'

let e: E2ENode
let emitterA: ethers.Contract
let emitterB: ethers.Contract
let A: string
let B: string
let iface: ethers.Interface
let PING: string
let PONG: string
const TAG_X = ethers.id('x')
const TAG_Y = ethers.id('y')
const topicOf = (n: bigint | number) => ethers.zeroPadValue(ethers.toBeHex(n), 32)
const addressTopic = (a: string) => ethers.zeroPadValue(a.toLowerCase(), 32)

/** geth's bloom membership: 3 bits from the keccak of the value. */
function bloomHas(bloomHex: string, value: string): boolean {
  const bloom = ethers.getBytes(bloomHex)
  const hash = ethers.getBytes(ethers.keccak256(value))
  for (let i = 0; i < 6; i += 2) {
    const bit = ((hash[i] << 8) | hash[i + 1]) & 2047
    if ((bloom[256 - 1 - Math.floor(bit / 8)] & (1 << bit % 8)) === 0) return false
  }
  return true
}

// Receipts of the fixed history every eth_getLogs test reads.
let r1: ethers.TransactionReceipt // A.ping(1, "one") by #1
let r2: ethers.TransactionReceipt // A.pong(2, X, 20) by #1
let r3: ethers.TransactionReceipt // B.ping(3, "three") by #2
let r4: ethers.TransactionReceipt // A.ping(5, "five") by #1, index 0 of a two-transaction block
let r5: ethers.TransactionReceipt // A.all(4, Y) by #1, index 1 of that block: Ping, Pong, anonymous
let firstBlock: number
let lastBlock: number

before(async () => {
  e = await startE2ENode()
  const a = await deploy('Emitter', e.wallets[1])
  const b = await deploy('Emitter', e.wallets[2])
  emitterA = a.contract
  emitterB = b.contract.connect(e.wallets[2]) as ethers.Contract
  A = a.address
  B = b.address
  iface = emitterA.interface
  PING = iface.getEvent('Ping')!.topicHash
  PONG = iface.getEvent('Pong')!.topicHash
  r1 = await mined(e, emitterA.ping(1n, 'one'))
  r2 = await mined(e, emitterA.pong(2n, TAG_X, 20n))
  r3 = await mined(e, emitterB.ping(3n, 'three'))
  // Two transactions of #1 in one block: the later nonce waits until the earlier arrives.
  const nonce = await e.provider.getTransactionCount(e.wallets[1].address, 'pending')
  const all = await signed(e.wallets[1], { to: A, data: iface.encodeFunctionData('all', [4n, TAG_Y]), nonce: nonce + 1, gasLimit: 200_000n })
  const ping = await signed(e.wallets[1], { to: A, data: iface.encodeFunctionData('ping', [5n, 'five']), nonce, gasLimit: 200_000n })
  await e.rpc('eth_sendRawTransaction', [all.raw])
  ;[r4] = await sendRawAndWait(e, [ping.raw])
  r5 = await waitFor(() => e.provider.getTransactionReceipt(all.hash), 10_000, 'the queued transaction')
  firstBlock = r1.blockNumber
  lastBlock = r5.blockNumber
})

after(async () => {
  await e?.stop()
})

async function getLogs(filter: Record<string, unknown>): Promise<any[]> {
  return e.rpc('eth_getLogs', [filter])
}

const range = () => ({ fromBlock: ethers.toQuantity(firstBlock), toBlock: ethers.toQuantity(lastBlock) })
const ids = (logs: any[]) => logs.map((l) => `${l.transactionHash}:${Number(l.logIndex)}`)
const idOf = (r: ethers.TransactionReceipt, logIndex: number) => `${r.hash}:${logIndex}`

describe('receipt logs', () => {
  it('carry address, topics, data and their position in the block', async () => {
    const raw = await e.rpc('eth_getTransactionReceipt', [r1.hash])
    assert.equal(raw.logs.length, 1)
    const [log] = raw.logs
    assert.equal(log.address, A.toLowerCase())
    assert.deepEqual(log.topics, [PING, addressTopic(e.wallets[1].address), topicOf(1)])
    assert.equal(log.data, ethers.AbiCoder.defaultAbiCoder().encode(['string'], ['one']))
    assert.equal(log.blockHash, r1.blockHash)
    assert.equal(log.blockNumber, ethers.toQuantity(r1.blockNumber))
    assert.equal(log.transactionHash, r1.hash)
    assert.equal(log.transactionIndex, '0x0')
    assert.equal(log.logIndex, '0x0')
    assert.equal(log.removed, false)
    const parsed = iface.parseLog(log)!
    assert.equal(parsed.name, 'Ping')
    assert.equal(parsed.args.sender, e.wallets[1].address)
    assert.equal(parsed.args.note, 'one')
  })

  it('log indexes run across the transactions of a block', async () => {
    assert.equal(r4.blockHash, r5.blockHash)
    assert.equal(r4.index, 0)
    assert.equal(r5.index, 1)
    const raw4 = await e.rpc('eth_getTransactionReceipt', [r4.hash])
    const raw5 = await e.rpc('eth_getTransactionReceipt', [r5.hash])
    assert.deepEqual(
      raw4.logs.map((l: any) => [l.logIndex, l.transactionIndex]),
      [['0x0', '0x0']],
    )
    assert.deepEqual(
      raw5.logs.map((l: any) => [l.logIndex, l.transactionIndex]),
      [
        ['0x1', '0x1'],
        ['0x2', '0x1'],
        ['0x3', '0x1'],
      ],
    )
    // The anonymous event has no topics.
    assert.deepEqual(raw5.logs[2].topics, [])
    assert.equal(raw5.logs[2].data, topicOf(4))
    assert.deepEqual(raw5.logs[1].topics, [PONG, topicOf(4), TAG_Y])
  })

  it('receipt and block logsBloom contain the addresses and topics', async () => {
    const raw = await e.rpc('eth_getTransactionReceipt', [r5.hash])
    for (const value of [A, PING, PONG, topicOf(4), TAG_Y, addressTopic(e.wallets[1].address)]) assert.ok(bloomHas(raw.logsBloom, value), `receipt bloom has ${value}`)
    assert.ok(!bloomHas(raw.logsBloom, B), 'receipt bloom lacks the other emitter')
    const block = await e.rpc('eth_getBlockByHash', [r5.blockHash, false])
    const raw4 = await e.rpc('eth_getTransactionReceipt', [r4.hash])
    // The block bloom is the OR of its receipts' blooms.
    const or = ethers.getBytes(raw4.logsBloom).map((byte, i) => byte | ethers.getBytes(raw.logsBloom)[i])
    assert.equal(block.logsBloom, ethers.hexlify(or))
    assert.ok(bloomHas(block.logsBloom, topicOf(5)))
  })
})

describe('eth_getLogs', () => {
  it('by one address, over a range', async () => {
    const logs = await getLogs({ ...range(), address: A })
    assert.deepEqual(ids(logs), [idOf(r1, 0), idOf(r2, 0), idOf(r4, 0), idOf(r5, 1), idOf(r5, 2), idOf(r5, 3)])
    assert.deepEqual(ids(await getLogs({ ...range(), address: B })), [idOf(r3, 0)])
    // The whole history, from earliest to latest.
    assert.equal((await getLogs({ fromBlock: 'earliest', toBlock: 'latest', address: A })).length, 6)
  })

  it('by an address list', async () => {
    const logs = await getLogs({ ...range(), address: [A, B] })
    assert.equal(logs.length, 7)
    // Ordered by block, then log index.
    const positions = logs.map((l) => [Number(l.blockNumber), Number(l.logIndex)])
    const sorted = [...positions].sort((x, y) => x[0] - y[0] || x[1] - y[1])
    assert.deepEqual(positions, sorted)
    assert.deepEqual(await getLogs({ ...range(), address: [e.wallets[9].address] }), [])
  })

  it('by topic, with null wildcards and OR lists', async () => {
    assert.deepEqual(ids(await getLogs({ ...range(), topics: [PING] })), [idOf(r1, 0), idOf(r3, 0), idOf(r4, 0), idOf(r5, 1)])
    assert.deepEqual(ids(await getLogs({ ...range(), topics: [[PING, PONG]] })), [idOf(r1, 0), idOf(r2, 0), idOf(r3, 0), idOf(r4, 0), idOf(r5, 1), idOf(r5, 2)])
    // Second position: the indexed sender of Ping (#2 only sent B.ping(3)).
    assert.deepEqual(ids(await getLogs({ ...range(), topics: [null, addressTopic(e.wallets[2].address)] })), [idOf(r3, 0)])
    // Third position with a wildcard before it: Ping id 5 or 1.
    assert.deepEqual(ids(await getLogs({ ...range(), topics: [PING, null, [topicOf(5), topicOf(1)]] })), [idOf(r1, 0), idOf(r4, 0)])
    // Pong's tag is the third topic.
    assert.deepEqual(ids(await getLogs({ ...range(), topics: [null, null, TAG_X] })), [idOf(r2, 0)])
    // An empty topics list matches everything, including anonymous logs.
    assert.equal((await getLogs({ ...range(), topics: [] })).length, 7)
    // Address and topics together.
    assert.deepEqual(ids(await getLogs({ ...range(), address: B, topics: [PING] })), [idOf(r3, 0)])
    assert.deepEqual(await getLogs({ ...range(), address: B, topics: [PONG] }), [])
  })

  it('a filter with more topic positions than a log has does not match it (as geth)', async () => {
    // Pong has 3 topics: a 4-position filter, even with a trailing wildcard, matches no Pong.
    const byRange = await getLogs({ ...range(), topics: [PONG, null, null, null] })
    const byHash = await getLogs({ blockHash: r2.blockHash, topics: [PONG, null, null, null] })
    assert.deepEqual(byHash, [])
    assert.deepEqual(byRange, [])
    assert.equal((await getLogs({ ...range(), topics: [PONG, null, null] })).length, 2)
  })

  it('by block hash', async () => {
    const logs = await getLogs({ blockHash: r5.blockHash })
    assert.deepEqual(ids(logs), [idOf(r4, 0), idOf(r5, 1), idOf(r5, 2), idOf(r5, 3)])
    assert.deepEqual(ids(await getLogs({ blockHash: r5.blockHash, topics: [PONG] })), [idOf(r5, 2)])
    assert.deepEqual(logs, (await e.rpc('eth_getBlockReceipts', [r5.blockHash])).flatMap((r: any) => r.logs))
    const unknown = await rpcError(() => getLogs({ blockHash: `0x${'77'.repeat(32)}` }))
    assert.equal(unknown.code, -32000)
    assert.equal(unknown.message, 'unknown block')
  })

  it('ranges: one block, defaults, empty and invalid ranges', async () => {
    const one = ethers.toQuantity(r2.blockNumber)
    assert.deepEqual(ids(await getLogs({ fromBlock: one, toBlock: one })), [idOf(r2, 0)])
    // Both bounds default to latest: the newest block's logs.
    assert.deepEqual(ids(await getLogs({ address: A })), ids(await getLogs({ fromBlock: 'latest', toBlock: 'latest', address: A })))
    assert.deepEqual(await getLogs({ fromBlock: '0x0', toBlock: ethers.toQuantity(firstBlock - 1) }), [])
    const inverted = await rpcError(() => getLogs({ fromBlock: ethers.toQuantity(lastBlock), toBlock: ethers.toQuantity(firstBlock) }))
    assert.equal(inverted.code, -32602)
    assert.equal(inverted.message, 'invalid block range params')
    const beyond = await rpcError(() => getLogs({ fromBlock: '0x0', toBlock: '0xffffff' }))
    assert.equal(beyond.code, -32602)
    assert.equal(beyond.message, 'block range extends beyond current head block')
    const both = await rpcError(() => getLogs({ blockHash: r5.blockHash, fromBlock: '0x0' }))
    assert.equal(both.code, -32602)
  })

  it('ethers decodes queried events', async () => {
    const events = (await emitterA.queryFilter(emitterA.filters.Ping(e.wallets[1].address), firstBlock, lastBlock)) as ethers.EventLog[]
    assert.deepEqual(
      events.map((ev) => [ev.args.id, ev.args.note]),
      [
        [1n, 'one'],
        [5n, 'five'],
        [4n, 'all'],
      ],
    )
  })
})

describe('polling filters', () => {
  it('eth_newFilter: changes since the last poll, eth_getFilterLogs, eth_uninstallFilter', async () => {
    const id = await e.rpc<string>('eth_newFilter', [{ fromBlock: ethers.toQuantity(firstBlock), address: A, topics: [PING] }])
    assert.match(id, /^0x[0-9a-f]+$/)
    assert.deepEqual(await e.rpc('eth_getFilterChanges', [id]), [])
    const r = await mined(e, emitterA.ping(6n, 'six'))
    await mined(e, emitterA.pong(6n, TAG_X, 1n)) // not a Ping: not delivered
    await mined(e, emitterB.ping(6n, 'other')) // other address: not delivered
    const changes = await e.rpc('eth_getFilterChanges', [id])
    assert.deepEqual(ids(changes), [idOf(r, 0)])
    assert.deepEqual(changes[0], (await e.rpc('eth_getTransactionReceipt', [r.hash])).logs[0])
    assert.deepEqual(await e.rpc('eth_getFilterChanges', [id]), [])
    // All matching logs in the filter's range, polled or not.
    const all = await e.rpc('eth_getFilterLogs', [id])
    assert.deepEqual(ids(all), [idOf(r1, 0), idOf(r4, 0), idOf(r5, 1), idOf(r, 0)])
    assert.equal(await e.rpc('eth_uninstallFilter', [id]), true)
    assert.equal(await e.rpc('eth_uninstallFilter', [id]), false)
    const gone = await rpcError(() => e.rpc('eth_getFilterChanges', [id]))
    assert.equal(gone.code, -32000)
    assert.equal(gone.message, 'filter not found')
    const goneLogs = await rpcError(() => e.rpc('eth_getFilterLogs', [id]))
    assert.equal(goneLogs.message, 'filter not found')
  })

  it('eth_newBlockFilter: hashes of new blocks', async () => {
    const id = await e.rpc<string>('eth_newBlockFilter')
    assert.deepEqual(await e.rpc('eth_getFilterChanges', [id]), [])
    const ra = await mined(e, e.wallets[3].sendTransaction({ to: e.wallets[4].address, value: 1n }))
    const rb = await mined(e, e.wallets[3].sendTransaction({ to: e.wallets[4].address, value: 1n }))
    assert.deepEqual(await e.rpc('eth_getFilterChanges', [id]), [ra.blockHash, rb.blockHash])
    assert.deepEqual(await e.rpc('eth_getFilterChanges', [id]), [])
    // A block filter has no logs to query.
    const noLogs = await rpcError(() => e.rpc('eth_getFilterLogs', [id]))
    assert.equal(noLogs.code, -32000)
    assert.equal(await e.rpc('eth_uninstallFilter', [id]), true)
  })

  it('eth_newPendingTransactionFilter: hashes of transactions entering the pool', async () => {
    const id = await e.rpc<string>('eth_newPendingTransactionFilter')
    const tx1 = await e.wallets[3].sendTransaction({ to: e.wallets[4].address, value: 2n })
    await mined(e, tx1)
    const tx2 = await e.wallets[5].sendTransaction({ to: e.wallets[4].address, value: 3n })
    await mined(e, tx2)
    assert.deepEqual(await e.rpc('eth_getFilterChanges', [id]), [tx1.hash, tx2.hash])
    assert.deepEqual(await e.rpc('eth_getFilterChanges', [id]), [])
    assert.equal(await e.rpc('eth_uninstallFilter', [id]), true)
  })

  it('ethers contract.on() over HTTP polling receives events', async () => {
    const got = new Promise<bigint>((resolve) => {
      void emitterA.once('Pong', (id: bigint) => resolve(id))
    })
    // ethers polls with an eth_newFilter: wait until it is installed.
    await waitForGauge(e, 'rpc_filters', 1)
    await mined(e, emitterA.pong(77n, TAG_Y, 1n))
    assert.equal(await withTimeout(got, 10_000, 'the Pong event'), 77n)
    await emitterA.removeAllListeners()
  })
})

describe('WebSocket subscriptions', () => {
  let ws: WsClient

  before(async () => {
    ws = await WsClient.connect(e.node.wsUrl)
  })

  after(() => {
    ws?.close()
  })

  it('newHeads: one header per block, equal to the block by number', async () => {
    const sub = await ws.call('eth_subscribe', ['newHeads'])
    assert.match(sub, /^0x[0-9a-f]+$/)
    const r = await mined(e, e.wallets[6].sendTransaction({ to: e.wallets[7].address, value: 1n }))
    const [head] = await ws.waitFor(sub, 1)
    const block = await e.rpc('eth_getBlockByNumber', [ethers.toQuantity(r.blockNumber), false])
    assert.equal(head.hash, block.hash)
    assert.equal(head.number, block.number)
    for (const field of ['parentHash', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'miner', 'gasUsed', 'gasLimit', 'timestamp', 'baseFeePerGas', 'extraData', 'difficulty']) {
      assert.equal(head[field], block[field], field)
    }
    assert.equal(head.transactions, undefined, 'headers carry no transactions')
    assert.equal(await ws.call('eth_unsubscribe', [sub]), true)
    await mined(e, e.wallets[6].sendTransaction({ to: e.wallets[7].address, value: 1n }))
    // Ordering on the socket: a call answered after the block proves nothing more arrived.
    await ws.call('eth_blockNumber')
    assert.equal(ws.of(sub).length, 1)
    const again = await ws.request('eth_unsubscribe', [sub])
    assert.equal(again.error?.code, -32000)
    assert.equal(again.error?.message, 'subscription not found')
  })

  it('logs with a filter: only matching logs, in order', async () => {
    const sub = await ws.call('eth_subscribe', ['logs', { address: A, topics: [PING] }])
    const all = await ws.call('eth_subscribe', ['logs', {}])
    const rPing = await mined(e, emitterA.ping(8n, 'eight'))
    await mined(e, emitterA.pong(8n, TAG_X, 1n))
    await mined(e, emitterB.ping(8n, 'other'))
    const rAll = await mined(e, emitterA.all(9n, TAG_Y))
    const logs = await ws.waitFor(sub, 2)
    assert.deepEqual(ids(logs), [idOf(rPing, 0), idOf(rAll, 0)])
    assert.deepEqual(logs[0], (await e.rpc('eth_getTransactionReceipt', [rPing.hash])).logs[0])
    const everything = await ws.waitFor(all, 6)
    assert.equal(everything.length, 6)
    assert.deepEqual(everything[5].topics, [], 'anonymous log included')
    await ws.call('eth_unsubscribe', [sub])
    await ws.call('eth_unsubscribe', [all])
  })

  it('newPendingTransactions: hashes, or full transactions when asked', async () => {
    const hashes = await ws.call('eth_subscribe', ['newPendingTransactions'])
    const full = await ws.call('eth_subscribe', ['newPendingTransactions', true])
    const tx = await e.wallets[8].sendTransaction({ to: e.wallets[7].address, value: 5n })
    await mined(e, tx)
    assert.deepEqual(await ws.waitFor(hashes, 1), [tx.hash])
    const [object] = await ws.waitFor(full, 1)
    assert.equal(object.hash, tx.hash)
    assert.equal(object.from, e.wallets[8].address.toLowerCase())
    assert.equal(object.blockHash, null)
    assert.equal(BigInt(object.value), 5n)
    await ws.call('eth_unsubscribe', [hashes])
    await ws.call('eth_unsubscribe', [full])
  })

  it('bad subscriptions and subscriptions over HTTP are refused', async () => {
    const unknown = await ws.request('eth_subscribe', ['syncing2'])
    assert.equal(unknown.error?.code, -32601)
    assert.equal(unknown.error?.message, 'no "syncing2" subscription in eth namespace')
    const badFilter = await ws.request('eth_subscribe', ['logs', { address: '0x1234' }])
    assert.equal(badFilter.error?.code, -32602)
    const http = await rpcError(() => e.rpc('eth_subscribe', ['newHeads']))
    assert.equal(http.code, -32601)
    assert.equal(http.message, 'notifications not supported')
    // The socket still answers.
    assert.equal(await ws.call('eth_chainId'), '0x7a69')
  })

  it('ethers WebSocketProvider: block, event and pending listeners', async () => {
    const provider = new ethers.WebSocketProvider(e.node.wsUrl, undefined, { staticNetwork: true })
    try {
      const contract = new ethers.Contract(A, iface, provider)
      const block = new Promise<number>((resolve) => void provider.once('block', resolve))
      const event = new Promise<bigint>((resolve) => void contract.once('Ping', (_sender: string, id: bigint) => resolve(id)))
      const pending = new Promise<string>((resolve) => void provider.once('pending', resolve))
      // ethers subscribes in the background: wait until the node counts the three subscriptions.
      await waitForGauge(e, 'rpc_subscriptions', 3)
      const r = await mined(e, emitterA.ping(10n, 'ten'))
      assert.equal(await withTimeout(block, 10_000, 'block'), r.blockNumber)
      assert.equal(await withTimeout(event, 10_000, 'Ping event'), 10n)
      assert.equal(await withTimeout(pending, 10_000, 'pending transaction'), r.hash)
      // Each `once` listener unsubscribes after it fired; destroying the provider before those
      // answers arrive would cancel them (an unhandled rejection in ethers).
      await waitForGauge(e, 'rpc_subscriptions', 0)
    } finally {
      await provider.destroy()
    }
  })
})
