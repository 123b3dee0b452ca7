// End to end: the small methods (chain id, net, web3, accounts, syncing), txpool
// introspection while transactions wait, clique signers and snapshots, and bad input of
// every kind over plain HTTP and WebSocket: the node answers each with the right JSON-RPC
// error and keeps serving.
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { mined, rpcError, signed, startE2ENode, waitFor, withTimeout, type E2ENode } from './helpers/node.ts'
import { WsClient } from './helpers/ws.ts'

let e: E2ENode

before(async () => {
  e = await startE2ENode()
})

after(async () => {
  await e?.stop()
})

/**
 * Starts a POST with node:http and returns the answer as soon as it comes, whether or not the
 * body was finished: `send` writes (part of) the body. The node answers an oversized body
 * early and closes the connection; data the client sends after that is never read.
 */
function postEarly(url: string, headers: Record<string, string | number>, send: (request: http.ClientRequest) => Promise<void>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) })
        request.destroy()
      })
      response.on('error', reject)
    })
    request.on('error', reject)
    send(request).catch(reject)
  })
}

/** The node still serves after whatever came before. */
async function assertAlive(): Promise<void> {
  assert.equal(await e.rpc('eth_chainId'), '0x7a69')
  assert.equal(e.node.process.exitCode, null)
}

describe('chain, net and web3 methods', () => {
  it('eth_chainId, net_version, net_listening, net_peerCount, eth_syncing', async () => {
    assert.equal(await e.rpc('eth_chainId'), '0x7a69')
    assert.equal(await e.rpc('net_version'), '31337')
    assert.equal(await e.rpc('net_listening'), true)
    assert.equal(await e.rpc('net_peerCount'), '0x0')
    assert.equal(await e.rpc('eth_syncing'), false)
    assert.equal((await e.provider.getNetwork()).chainId, 31337n)
  })

  it('web3_clientVersion and web3_sha3', async () => {
    assert.match(await e.rpc('web3_clientVersion'), /^BusanChain\/v\d+\.\d+\.\d+\/linux-x64\/node24\./)
    assert.equal(await e.rpc('web3_sha3', ['0x68656c6c6f20776f726c64']), ethers.keccak256(ethers.toUtf8Bytes('hello world')))
    assert.equal(await e.rpc('web3_sha3', ['0x']), ethers.keccak256('0x'))
    const bad = await rpcError(() => e.rpc('web3_sha3', ['hello']))
    assert.equal(bad.code, -32602)
    assert.match(bad.message, /^invalid argument 0: /)
  })

  it('eth_accounts lists the 10 dev accounts; eth_blockNumber is the head', async () => {
    assert.deepEqual(
      await e.rpc('eth_accounts'),
      devAccounts().map((a) => a.address.toLowerCase()),
    )
    const head = await e.rpc('eth_getBlockByNumber', ['latest', false])
    assert.equal(await e.rpc('eth_blockNumber'), head.number)
  })
})

describe('txpool while transactions wait', () => {
  const sender = () => e.wallets[5]
  let nonce: number
  let queued: { raw: string; hash: string }[]

  before(async () => {
    nonce = await e.provider.getTransactionCount(sender().address, 'latest')
    // Nonces n+1 and n+2 wait behind the missing n.
    queued = [
      await signed(sender(), { to: e.wallets[9].address, value: 11n, nonce: nonce + 1, gasLimit: 21000n }),
      await signed(sender(), { to: null, data: '0x600160005500', value: 0n, nonce: nonce + 2, gasLimit: 100_000n }),
    ]
    for (const tx of queued) await e.rpc('eth_sendRawTransaction', [tx.raw])
  })

  it('txpool_status counts them as queued', async () => {
    assert.deepEqual(await e.rpc('txpool_status'), { pending: '0x0', queued: '0x2' })
  })

  it('txpool_content / txpool_contentFrom: keyed by checksummed sender and decimal nonce', async () => {
    const content = await e.rpc('txpool_content')
    assert.deepEqual(content.pending, {})
    assert.deepEqual(Object.keys(content.queued), [sender().address])
    const byNonce = content.queued[sender().address]
    assert.deepEqual(Object.keys(byNonce), [String(nonce + 1), String(nonce + 2)])
    assert.equal(byNonce[String(nonce + 1)].hash, queued[0].hash)
    assert.equal(byNonce[String(nonce + 1)].blockHash, null)
    assert.equal(byNonce[String(nonce + 1)].nonce, ethers.toQuantity(nonce + 1))
    assert.equal(byNonce[String(nonce + 2)].to, null)
    assert.deepEqual(byNonce[String(nonce + 1)], await e.rpc('eth_getTransactionByHash', [queued[0].hash]))
    const from = await e.rpc('txpool_contentFrom', [sender().address])
    assert.deepEqual(from, { pending: {}, queued: byNonce })
    assert.deepEqual(await e.rpc('txpool_contentFrom', [e.wallets[9].address]), { pending: {}, queued: {} })
  })

  it('txpool_inspect: one line per transaction', async () => {
    const inspect = await e.rpc('txpool_inspect')
    const lines = inspect.queued[sender().address]
    const tx1 = ethers.Transaction.from(queued[0].raw)
    const tx2 = ethers.Transaction.from(queued[1].raw)
    assert.equal(lines[String(nonce + 1)], `${e.wallets[9].address}: 11 wei + 21000 gas × ${tx1.maxFeePerGas} wei`)
    assert.equal(lines[String(nonce + 2)], `contract creation: 0 wei + 100000 gas × ${tx2.maxFeePerGas} wei`)
  })

  it('the pending nonce does not count queued transactions; filling the gap mines all three', async () => {
    assert.equal(await e.rpc('eth_getTransactionCount', [sender().address, 'pending']), ethers.toQuantity(nonce))
    const first = await mined(e, sender().sendTransaction({ to: e.wallets[9].address, value: 10n, nonce }))
    assert.equal(first.status, 1)
    const last = await waitFor(() => e.provider.getTransactionReceipt(queued[1].hash), 10_000, 'the queued deployment')
    assert.equal(last.status, 1)
    assert.equal(last.contractAddress, ethers.getCreateAddress({ from: sender().address, nonce: nonce + 2 }))
    await waitFor(async () => (await e.rpc('txpool_status')).queued === '0x0', 5_000, 'an empty pool')
    assert.deepEqual(await e.rpc('txpool_status'), { pending: '0x0', queued: '0x0' })
    assert.deepEqual(await e.rpc('txpool_content'), { pending: {}, queued: {} })
    assert.equal(await e.rpc('eth_getTransactionCount', [sender().address, 'pending']), ethers.toQuantity(nonce + 3))
  })

  it('pool errors reach the client with geth messages', async () => {
    const reused = await signed(sender(), { to: e.wallets[9].address, value: 1n, nonce, gasLimit: 21000n })
    const low = await rpcError(() => e.rpc('eth_sendRawTransaction', [reused.raw]))
    assert.equal(low.code, -32000)
    assert.equal(low.message, `nonce too low: next nonce ${nonce + 3}, tx nonce ${nonce}`)
    const known = await rpcError(() => e.rpc('eth_sendRawTransaction', [queued[0].raw]))
    assert.equal(known.code, -32000)
    assert.match(known.message, /nonce too low|already known/)
    const garbage = await rpcError(() => e.rpc('eth_sendRawTransaction', ['0x1234']))
    assert.ok(garbage.code === -32000 || garbage.code === -32602, `code ${garbage.code}`)
    const poor = ethers.Wallet.createRandom().connect(e.provider)
    const broke = await signed(poor, { to: e.wallets[9].address, value: 1n, nonce: 0, gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, chainId: 31337n })
    const funds = await rpcError(() => e.rpc('eth_sendRawTransaction', [broke.raw]))
    assert.equal(funds.code, -32000)
    assert.match(funds.message, /^insufficient funds for gas \* price \+ value/)
    const offline = new ethers.Wallet(sender().privateKey)
    const wrongChain = await offline.signTransaction({ type: 2, chainId: 1n, to: e.wallets[9].address, value: 1n, nonce: nonce + 3, gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n })
    const chain = await rpcError(() => e.rpc('eth_sendRawTransaction', [wrongChain]))
    assert.equal(chain.code, -32000)
    assert.match(chain.message, /chain ?id/i)
    await assertAlive()
  })
})

describe('clique', () => {
  it('clique_getSigners: the sealer, at any block', async () => {
    const sealer = e.wallets[0].address.toLowerCase()
    assert.deepEqual(await e.rpc('clique_getSigners'), [sealer])
    assert.deepEqual(await e.rpc('clique_getSigners', ['latest']), [sealer])
    assert.deepEqual(await e.rpc('clique_getSigners', ['0x0']), [sealer])
    const genesis = await e.rpc('eth_getBlockByNumber', ['0x0', false])
    assert.deepEqual(await e.rpc('clique_getSignersAtHash', [genesis.hash]), [sealer])
    // The genesis extraData lists the same signer between the vanity and the seal.
    assert.equal(ethers.dataSlice(genesis.extraData, 32, 52), sealer)
  })

  it('clique_getSnapshot: geth JSON (numbers, address-keyed signers, recents)', async () => {
    const sealer = e.wallets[0].address.toLowerCase()
    const head = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const snapshot = await e.rpc('clique_getSnapshot', ['latest'])
    assert.equal(snapshot.number, Number(head.number))
    assert.equal(snapshot.hash, head.hash)
    assert.deepEqual(snapshot.signers, { [sealer]: {} })
    // One signer: it may sign every block, so only the head is "recent".
    assert.deepEqual(snapshot.recents, { [String(Number(head.number))]: sealer })
    assert.deepEqual(snapshot.votes, [])
    assert.deepEqual(snapshot.tally, {})
    assert.deepEqual(await e.rpc('clique_getSnapshotAtHash', [head.hash]), snapshot)
    const genesis = await e.rpc('clique_getSnapshot', ['0x0'])
    assert.equal(genesis.number, 0)
    assert.deepEqual(genesis.recents, {})
    const unknown = await rpcError(() => e.rpc('clique_getSnapshotAtHash', [`0x${'99'.repeat(32)}`]))
    assert.equal(unknown.code, -32000)
    assert.equal(unknown.message, 'unknown block')
  })
})

describe('bad input never crashes the node', () => {
  it('malformed JSON: -32700 with id null', async () => {
    for (const body of ['{"jsonrpc":', 'not json at all', '{"jsonrpc":"2.0","id":1,"method":"eth_chainId",}', '\u0000\u00ff\u0001']) {
      const { status, body: answer } = await e.post(body)
      assert.equal(status, 200)
      assert.deepEqual(answer, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }, body)
    }
    // Nesting deep enough to overflow a recursive parser.
    const deep = await e.post('['.repeat(200_000))
    assert.equal(deep.body.error?.code, -32700)
    await assertAlive()
  })

  it('invalid requests: -32600', async () => {
    const cases: [string, unknown][] = [
      ['{"jsonrpc":"2.0","id":1}', 1],
      ['{"jsonrpc":"1.0","id":2,"method":"eth_chainId"}', 2],
      ['{"id":3,"method":"eth_chainId"}', 3],
      ['{"jsonrpc":"2.0","id":4,"method":42}', 4],
      ['42', null],
      ['"eth_chainId"', null],
      ['null', null],
      ['{"jsonrpc":"2.0","id":{"a":1},"method":"eth_chainId"}', null],
    ]
    for (const [body, id] of cases) {
      const { body: answer } = await e.post(body)
      assert.equal(answer.error?.code, -32600, body)
      assert.equal(answer.error?.message, 'invalid request', body)
      assert.equal(answer.id, id, body)
    }
    const empty = await e.post('[]')
    assert.deepEqual(empty.body, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'empty batch' } })
    await assertAlive()
  })

  it('unknown methods: -32601 naming the method', async () => {
    for (const name of ['eth_doesNotExist', 'debug_traceChain', '__proto__', 'constructor', 'toString']) {
      const err = await rpcError(() => e.rpc(name, []))
      assert.equal(err.code, -32601)
      assert.equal(err.message, `the method ${name} does not exist/is not available`)
    }
  })

  it('bad parameters: -32602 naming the argument', async () => {
    const addr = e.wallets[1].address
    const check = async (method: string, params: unknown, message: string | RegExp) => {
      const response = await e.post(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }))
      assert.equal(response.body.error?.code, -32602, `${method} ${JSON.stringify(params)}: ${JSON.stringify(response.body)}`)
      if (typeof message === 'string') assert.equal(response.body.error.message, message)
      else assert.match(response.body.error.message, message)
    }
    await check('eth_getBalance', ['0x1234'], /^invalid argument 0: hex string has length 4, want 40 for common.Address/)
    await check('eth_getBalance', [42], /^invalid argument 0: /)
    await check('eth_getBalance', [addr, 'latests'], /^invalid argument 1: /)
    await check('eth_getBalance', [], 'missing value for required argument 0')
    await check('eth_getBalance', [addr, 'latest', 'extra'], 'too many arguments, want at most 2')
    await check('eth_getBalance', { address: addr }, 'non-array args')
    await check('eth_getBlockByNumber', ['latest', 'yes'], /^invalid argument 1: /)
    await check('eth_getBlockByNumber', ['0xZZ', false], /^invalid argument 0: /)
    await check('eth_getBlockByHash', ['0x1234', false], /^invalid argument 0: /)
    await check('eth_getTransactionByHash', ['0x' + 'a'.repeat(63)], /^invalid argument 0: /)
    // geth decodes a storage key in the handler: its own words, the key quoted (execution-apis' vector).
    await check('eth_getStorageAt', [addr, '0x' + '1'.repeat(66), 'latest'], `storage key too long (want at most 32 bytes): "0x${'1'.repeat(66)}"`)
    await check('eth_call', [{ to: addr, gas: 'lots' }, 'latest'], /^invalid argument 0: /)
    await check('eth_call', ['0x00', 'latest'], /^invalid argument 0: /)
    await check('eth_sendRawTransaction', ['zz'], /^invalid argument 0: /)
    await check('eth_getLogs', [{ topics: ['0x1234'] }], /^invalid argument 0: /)
    await check('eth_getLogs', [{ topics: [null, null, null, null, null] }], /^invalid argument 0: exceed max topics/)
    await check('eth_getLogs', [{ address: 'nope' }], /^invalid argument 0: /)
    await check('eth_feeHistory', ['0x1', 'latest', 'fifty'], /^invalid argument 2: /)
    await check('eth_getBalance', ['0x' + 'ab'.repeat(500_000)], /^invalid argument 0: /)
    await check('eth_getBalance', [addr, { blockHash: '0x1234' }], /^invalid argument 1: /)
    await assertAlive()
  })

  it('notifications get no answer; batches answer each call in order', async () => {
    const notification = await e.post(JSON.stringify({ jsonrpc: '2.0', method: 'eth_chainId', params: [] }))
    assert.equal(notification.status, 200)
    assert.equal(notification.text, '')
    const batch = await e.post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'eth_chainId' },
        { jsonrpc: '2.0', method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 'b', method: 'no_such_method' },
        { jsonrpc: '2.0', id: 'c', method: 'eth_getBalance', params: ['0x12'] },
        42,
        { jsonrpc: '2.0', id: 'd', method: 'net_version' },
      ]),
    )
    assert.deepEqual(
      batch.body.map((r: any) => [r.id, r.result ?? r.error.code]),
      [
        ['a', '0x7a69'],
        ['b', -32601],
        ['c', -32602],
        [null, -32600],
        ['d', '31337'],
      ],
    )
  })

  it('ids are echoed byte for byte (JSON-RPC 2.0: the same id; geth copies the raw id), over HTTP and WebSocket', async () => {
    // Each id as written in the request; JSON.parse would turn the first into 9007199254740992.
    const ids = ['9007199254740993', '1e3', '1.0', '-0', '123456789012345678901234567890', '"\\u0041b"', '7', '"x"', 'null']
    for (const id of ids) {
      const { text } = await e.post(`{"jsonrpc":"2.0","id":${id},"method":"eth_chainId"}`)
      assert.equal(text, `{"jsonrpc":"2.0","id":${id},"result":"0x7a69"}`)
    }
    const batch = await e.post(`[${ids.map((id) => `{"jsonrpc":"2.0","id":${id},"method":"no_such_method"}`).join(',')}]`)
    assert.deepEqual(
      [...batch.text.matchAll(/"id":(.*?),"error"/g)].map((match) => match[1]),
      ids,
    )
    // An "id" inside the parameters is a parameter, whatever it looks like.
    const inner = await e.post('{"jsonrpc":"2.0","id":9007199254740993,"method":"eth_call","params":[{"to":"0x0000000000000000000000000000000000000001","id":1e3},"latest"]}')
    assert.match(inner.text, /^\{"jsonrpc":"2\.0","id":9007199254740993,/)
    const socket = new WebSocket(e.node.wsUrl)
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true })
      socket.addEventListener('error', reject, { once: true })
    })
    const answer = new Promise<string>((resolve) => socket.addEventListener('message', (event) => resolve(String(event.data)), { once: true }))
    socket.send('{"jsonrpc":"2.0","id":18446744073709551617,"method":"net_version"}')
    assert.equal(await answer, '{"jsonrpc":"2.0","id":18446744073709551617,"result":"31337"}')
    socket.close()
  })

  it('an oversized body: HTTP 413 with a JSON-RPC error, announced or streamed', async () => {
    // Announced: a Content-Length over the limit is refused before any of the body is sent.
    const announced = await postEarly(e.node.rpcUrl, { 'content-length': 6 * 1024 * 1024 }, async (request) => {
      request.flushHeaders()
    })
    assert.equal(announced.status, 413)
    assert.equal(announced.body.error.code, -32600)
    const match = /^request body too large \(limit (\d+) bytes\)$/.exec(announced.body.error.message)
    assert.ok(match, announced.body.error.message)
    const limit = Number(match[1])
    assert.equal(limit, 5 * 1024 * 1024)
    // Streamed (chunked, no length): refused once the bytes read pass the limit.
    const streamed = await postEarly(e.node.rpcUrl, { 'transfer-encoding': 'chunked' }, async (request) => {
      // Up to 1 KiB under the limit, a pause (all of it is read), then past the limit.
      for (let sent = 0; sent < limit - 1024; ) {
        const size = Math.min(256 * 1024, limit - 1024 - sent)
        request.write('0'.repeat(size))
        sent += size
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
      request.write('0'.repeat(4096))
    })
    assert.equal(streamed.status, 413)
    assert.equal(streamed.body.error.message, `request body too large (limit ${limit} bytes)`)
    // Just under the limit is served.
    const fits = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'web3_sha3', params: ['0x' + '00'.repeat(2 * 1024 * 1024)] })
    assert.equal((await e.post(fits)).body.result, ethers.keccak256(new Uint8Array(2 * 1024 * 1024)))
    await assertAlive()
  })

  it('an oversized batch: one "batch too large" error', async () => {
    const calls = Array.from({ length: 1001 }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'eth_chainId' }))
    const { status, body } = await e.post(JSON.stringify(calls))
    assert.equal(status, 200)
    assert.deepEqual(body, [{ jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'batch too large' } }])
    // The largest allowed batch works.
    const ok = await e.post(JSON.stringify(calls.slice(0, 1000)))
    assert.equal(ok.body.length, 1000)
    assert.ok(ok.body.every((r: any, i: number) => r.id === i + 1 && r.result === '0x7a69'))
    await assertAlive()
  })

  it('HTTP details: GET / is a health check, other paths 404, any content type is read as JSON', async () => {
    const get = await fetch(e.node.rpcUrl)
    assert.equal(get.status, 200)
    assert.equal(await get.text(), '')
    const notFound = await fetch(`${e.node.rpcUrl}/nope`, { method: 'POST', body: '{}' })
    assert.equal(notFound.status, 404)
    assert.equal(((await notFound.json()) as { error: { code: number } }).error.code, -32600)
    const plain = await e.post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }), { 'content-type': 'text/plain' })
    assert.equal(plain.body.result, '0x7a69')
  })

  it('WebSocket: garbage and bad calls get errors, the socket stays open', async () => {
    const ws = await WsClient.connect(e.node.wsUrl)
    try {
      const unknown = await ws.request('eth_nope')
      assert.equal(unknown.error?.code, -32601)
      const bad = await ws.request('eth_getBalance', ['0x12'])
      assert.equal(bad.error?.code, -32602)
      assert.equal(await ws.call('net_version'), '31337')
      assert.equal(ws.closed, false)
    } finally {
      ws.close()
    }
    // A raw socket sending text that is not JSON gets a parse error back.
    const socket = new WebSocket(e.node.wsUrl)
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true })
      socket.addEventListener('error', reject, { once: true })
    })
    const answer = new Promise<any>((resolve) => socket.addEventListener('message', (event) => resolve(JSON.parse(String(event.data))), { once: true }))
    socket.send('{{{')
    assert.deepEqual(await answer, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })
    socket.close()
    await assertAlive()
  })
})

// Stops this file's node: keep it last.
describe('shutdown', () => {
  it('a client that never finishes its request delays SIGTERM by the 5 s grace period only', async () => {
    const request = http.request(e.node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 1000 } })
    request.on('error', () => {})
    request.write('{"jsonrpc":"2.0","id":1,')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    const code = await withTimeout(e.node.stop(), 15_000, 'the node to stop')
    request.destroy()
    assert.equal(code, 0)
    assert.ok(Date.now() - started < 10_000)
    assert.ok(e.node.logs.some((entry) => entry.msg === 'HTTP server graceful shutdown timed out; closing the remaining connections'))
  })
})
