// HTTP transport and JSON-RPC framing through fastify inject().
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { buildRpcServer } from '../src/index.ts'
import { RpcError } from '../src/errors.ts'
import { captureLogger, createHarness, createTestBackend, type Harness } from './helpers.ts'

describe('JSON-RPC framing over HTTP', () => {
  let h: Harness
  before(async () => {
    h = await createHarness({ maxBatchSize: 5 })
  })
  after(() => h.app.close())

  it('answers a call with jsonrpc, id and result', async () => {
    assert.deepEqual(await h.rpc({ jsonrpc: '2.0', id: 7, method: 'eth_chainId', params: [] }), { jsonrpc: '2.0', id: 7, result: '0x7a69' })
    assert.deepEqual(await h.rpc({ jsonrpc: '2.0', id: 'abc', method: 'net_version' }), { jsonrpc: '2.0', id: 'abc', result: '31337' })
  })

  it('answers id null calls with id null', async () => {
    assert.deepEqual(await h.rpc({ jsonrpc: '2.0', id: null, method: 'eth_chainId' }), { jsonrpc: '2.0', id: null, result: '0x7a69' })
  })

  it('answers malformed JSON with -32700 parse error and id null', async () => {
    for (const body of ['{"jsonrpc":"2.0",', 'not json', '']) {
      assert.deepEqual(await h.rpc(body), { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })
    }
  })

  it('refuses JSON nested deeper than 64 levels before parsing it; brackets inside strings do not count', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    assert.deepEqual(await h.rpc(deep), { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error: nested deeper than 64 levels' } })
    const inString = { jsonrpc: '2.0', id: 7, method: 'web3_sha3', params: [`0x${'00'.repeat(4)}`], note: '['.repeat(1000) }
    assert.equal((await h.rpc(inString)).id, 7)
    const nestedEnough = { jsonrpc: '2.0', id: 8, method: 'eth_chainId', params: [], x: JSON.parse(`${'['.repeat(60)}${']'.repeat(60)}`) }
    assert.deepEqual(await h.rpc(nestedEnough), { jsonrpc: '2.0', id: 8, result: '0x7a69' })
  })

  it('answers invalid request objects with -32600', async () => {
    const invalid = { code: -32600, message: 'invalid request' }
    assert.deepEqual(await h.rpc('42'), { jsonrpc: '2.0', id: null, error: invalid })
    assert.deepEqual(await h.rpc('"hello"'), { jsonrpc: '2.0', id: null, error: invalid })
    assert.deepEqual(await h.rpc({ id: 1, method: 'eth_chainId' }), { jsonrpc: '2.0', id: 1, error: invalid }, 'missing jsonrpc')
    assert.deepEqual(await h.rpc({ jsonrpc: '1.0', id: 2, method: 'eth_chainId' }), { jsonrpc: '2.0', id: 2, error: invalid }, 'wrong version')
    assert.deepEqual(await h.rpc({ jsonrpc: '2.0', id: 3 }), { jsonrpc: '2.0', id: 3, error: invalid }, 'no method')
    assert.deepEqual(await h.rpc({ jsonrpc: '2.0', id: 4, method: 5 }), { jsonrpc: '2.0', id: 4, error: invalid }, 'method not a string')
    assert.deepEqual(await h.rpc({ jsonrpc: '2.0', id: { a: 1 }, method: 'eth_chainId' }), { jsonrpc: '2.0', id: null, error: invalid }, 'object id')
    assert.deepEqual(await h.rpc({ jsonrpc: '2.0', id: [1], method: 'eth_chainId' }), { jsonrpc: '2.0', id: null, error: invalid }, 'array id')
  })

  it('answers unknown methods with -32601 naming the method', async () => {
    assert.deepEqual(await h.call('eth_foo'), { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'the method eth_foo does not exist/is not available' } })
    for (const name of ['__proto__', 'toString', 'constructor', 'hasOwnProperty']) {
      const res = await h.call(name)
      assert.equal(res.error.code, -32601, name)
      assert.equal(res.error.message, `the method ${name} does not exist/is not available`)
    }
  })

  it('rejects non-array params and too many arguments with -32602', async () => {
    const res = await h.rpc({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: { address: '0x' } })
    assert.deepEqual(res.error, { code: -32602, message: 'non-array args' })
    const many = await h.call('eth_chainId', [1])
    assert.deepEqual(many.error, { code: -32602, message: 'too many arguments, want at most 0' })
    const missing = await h.call('eth_getBalance', [])
    assert.deepEqual(missing.error, { code: -32602, message: 'missing value for required argument 0' })
  })

  it('gives no response to a notification but still runs it', async () => {
    let added = 0
    h.backend.hooks.addRaw = async () => {
      added++
      return new Uint8Array(32)
    }
    const res = await h.app.inject({ method: 'POST', url: '/', payload: { jsonrpc: '2.0', method: 'eth_sendRawTransaction', params: ['0x01'] } })
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, '')
    assert.equal(added, 1)
    delete h.backend.hooks.addRaw
  })

  it('answers a batch in request order, skipping notifications', async () => {
    const res = await h.rpc([
      { jsonrpc: '2.0', id: 'a', method: 'net_version' },
      { jsonrpc: '2.0', method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 'b', method: 'eth_nope' },
      { jsonrpc: '2.0', id: 'c', method: 'eth_chainId' },
      17,
    ])
    assert.deepEqual(res, [
      { jsonrpc: '2.0', id: 'a', result: '31337' },
      { jsonrpc: '2.0', id: 'b', error: { code: -32601, message: 'the method eth_nope does not exist/is not available' } },
      { jsonrpc: '2.0', id: 'c', result: '0x7a69' },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
    ])
  })

  it('runs batch calls one after the other (nonce order is kept)', async () => {
    const order: number[] = []
    h.backend.hooks.addRaw = async (raw) => {
      await new Promise((r) => setTimeout(r, raw[0] === 1 ? 20 : 0))
      order.push(raw[0])
      return new Uint8Array(32).fill(raw[0])
    }
    const res = await h.rpc([
      { jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: ['0x01'] },
      { jsonrpc: '2.0', id: 2, method: 'eth_sendRawTransaction', params: ['0x02'] },
    ])
    assert.deepEqual(order, [1, 2])
    assert.deepEqual(res.map((r: { id: number }) => r.id), [1, 2])
    delete h.backend.hooks.addRaw
  })

  it('answers a batch of only notifications with nothing', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/', payload: [{ jsonrpc: '2.0', method: 'eth_chainId' }, { jsonrpc: '2.0', method: 'net_version' }] })
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, '')
  })

  it('answers an empty batch with one invalid request error', async () => {
    assert.deepEqual(await h.rpc([]), { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'empty batch' } })
  })

  it('answers a batch over the limit with one "batch too large" error carrying the first call id', async () => {
    const batch = [{ jsonrpc: '2.0', method: 'eth_chainId' }, ...Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: i + 10, method: 'eth_chainId' }))]
    assert.deepEqual(await h.rpc(batch), [{ jsonrpc: '2.0', id: 10, error: { code: -32600, message: 'batch too large' } }])
    const atLimit = await h.rpc(batch.slice(2))
    assert.equal(atLimit.length, 5)
  })

  it('passes a backend error with a numeric code through, with its data', async () => {
    h.backend.hooks.addRaw = async () => {
      throw Object.assign(new Error('nonce too low: next nonce 5, tx nonce 1'), { code: -32000 })
    }
    assert.deepEqual((await h.call('eth_sendRawTransaction', ['0x01'])).error, { code: -32000, message: 'nonce too low: next nonce 5, tx nonce 1' })
    h.backend.hooks.addRaw = async () => {
      throw new RpcError(-32010, 'custom', { detail: 1 })
    }
    assert.deepEqual((await h.call('eth_sendRawTransaction', ['0x01'])).error, { code: -32010, message: 'custom', data: { detail: 1 } })
    delete h.backend.hooks.addRaw
  })

  it('turns an uncoded backend error into -32603, logs it, and keeps serving', async () => {
    h.backend.hooks.addRaw = async () => {
      throw new TypeError('cannot read properties of undefined (secret detail)')
    }
    const res = await h.call('eth_sendRawTransaction', ['0x01'])
    assert.deepEqual(res.error, { code: -32603, message: 'internal error' })
    const logged = h.lines.find((l) => l.msg === 'rpc method failed')
    assert.ok(logged, 'the failure is logged')
    assert.equal(logged.method, 'eth_sendRawTransaction')
    assert.equal(logged.module, 'rpc')
    assert.match(JSON.stringify(logged.err), /secret detail/)
    delete h.backend.hooks.addRaw
    // A synchronous throw from a plain backend getter is handled the same way.
    const latest = h.backend.chain.latest
    h.backend.chain.latest = () => {
      throw new Error('boom')
    }
    assert.deepEqual((await h.call('eth_blockNumber')).error, { code: -32603, message: 'internal error' })
    h.backend.chain.latest = latest
    assert.deepEqual((await h.call('eth_blockNumber')).result, '0x0')
  })

  it('accepts bodies whatever their content type', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'text/plain' }, payload: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' })
    assert.equal(JSON.parse(res.body).result, '0x7a69')
    const form = await h.app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}',
    })
    assert.equal(JSON.parse(form.body).result, '0x7a69')
    assert.match(String(res.headers['content-type']), /^application\/json/)
  })

  it('answers a plain GET / with an empty 200 (health check)', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/' })
    assert.equal(res.statusCode, 200)
  })

  it('answers other paths with a 404 JSON error', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/rpc', payload: '{}' })
    assert.equal(res.statusCode, 404)
    assert.equal(JSON.parse(res.body).error.code, -32600)
  })
})

describe('limits', () => {
  it('answers an oversized body with HTTP 413 and a JSON-RPC error', async () => {
    const h = await createHarness({ maxBodyBytes: 1024 })
    try {
      const payload = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'web3_sha3', params: [`0x${'ab'.repeat(2000)}`] })
      const res = await h.app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload })
      assert.equal(res.statusCode, 413)
      assert.deepEqual(JSON.parse(res.body), { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'request body too large (limit 1024 bytes)' } })
      // And the server still serves.
      assert.equal((await h.call('eth_chainId')).result, '0x7a69')
    } finally {
      await h.app.close()
    }
  })

  it('answers batch calls past the response budget with -32003 "response too large"', async () => {
    const h = await createHarness({ maxBatchResponseBytes: 200 })
    try {
      const res = await h.rpc([
        { jsonrpc: '2.0', id: 1, method: 'web3_sha3', params: [`0x${'00'.repeat(10)}`] },
        { jsonrpc: '2.0', id: 2, method: 'web3_sha3', params: ['0x01'] },
        { jsonrpc: '2.0', id: 3, method: 'web3_sha3', params: ['0x02'] },
        { jsonrpc: '2.0', id: 4, method: 'web3_sha3', params: ['0x03'] },
      ])
      assert.equal(res.length, 4)
      assert.ok(res[0].result)
      assert.deepEqual(res[3], { jsonrpc: '2.0', id: 4, error: { code: -32003, message: 'response too large' } })
    } finally {
      await h.app.close()
    }
  })

  it('refuses Host headers outside vhosts with 403', async () => {
    const h = await createHarness({ vhosts: ['localhost', 'rpc.busan.example'] })
    try {
      const bad = await h.app.inject({ method: 'POST', url: '/', headers: { host: 'evil.example:8545' }, payload: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' })
      assert.equal(bad.statusCode, 403)
      assert.equal(JSON.parse(bad.body).error.message, 'invalid host specified')
      const good = await h.app.inject({ method: 'POST', url: '/', headers: { host: 'localhost:8545' }, payload: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' })
      assert.equal(JSON.parse(good.body).result, '0x7a69')
    } finally {
      await h.app.close()
    }
  })

  it('rejects nonsensical options at build time', () => {
    const { logger } = captureLogger()
    assert.throws(() => buildRpcServer(createTestBackend(), { maxBatchSize: 0 }, { logger, metrics: null }), /maxBatchSize/)
    assert.throws(() => buildRpcServer(createTestBackend(), { corsOrigins: [] }, { logger, metrics: null }), /corsOrigins/)
  })
})

describe('CORS', () => {
  it('allows any origin by default', async () => {
    const h = await createHarness()
    try {
      const res = await h.app.inject({ method: 'POST', url: '/', headers: { origin: 'https://dapp.example' }, payload: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' })
      assert.equal(res.headers['access-control-allow-origin'], '*')
      const preflight = await h.app.inject({
        method: 'OPTIONS',
        url: '/',
        headers: { origin: 'https://dapp.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      })
      assert.equal(preflight.statusCode, 204)
      assert.equal(preflight.headers['access-control-allow-origin'], '*')
      assert.match(String(preflight.headers['access-control-allow-methods']), /POST/)
    } finally {
      await h.app.close()
    }
  })

  it('reflects only configured origins', async () => {
    const h = await createHarness({ corsOrigins: ['https://wallet.busan.example'] })
    try {
      const ok = await h.app.inject({ method: 'POST', url: '/', headers: { origin: 'https://wallet.busan.example' }, payload: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' })
      assert.equal(ok.headers['access-control-allow-origin'], 'https://wallet.busan.example')
      const other = await h.app.inject({ method: 'POST', url: '/', headers: { origin: 'https://evil.example' }, payload: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' })
      assert.equal(other.headers['access-control-allow-origin'], undefined)
    } finally {
      await h.app.close()
    }
  })
})

describe('metrics', () => {
  it('counts calls by method and outcome and serves the registry at /metrics', async () => {
    const h = await createHarness()
    try {
      await h.call('eth_chainId')
      await h.call('eth_chainId')
      await h.call('eth_unknownThing')
      await h.call('eth_getBalance', ['0x12'])
      const res = await h.app.inject({ method: 'GET', url: '/metrics' })
      assert.equal(res.statusCode, 200)
      assert.match(res.headers['content-type'] as string, /text\/plain/)
      assert.match(res.body, /rpc_requests_total\{method="eth_chainId",outcome="success"\} 2/)
      assert.match(res.body, /rpc_requests_total\{method="unknown",outcome="error"\} 1/, 'unknown methods share one label')
      assert.match(res.body, /rpc_requests_total\{method="eth_getBalance",outcome="error"\} 1/)
      assert.match(res.body, /rpc_request_duration_seconds_count\{method="eth_chainId"\} 2/)
      assert.match(res.body, /rpc_filters 0/)
    } finally {
      await h.app.close()
    }
  })

  it('has no /metrics route without a registry', async () => {
    const { logger } = captureLogger()
    const app = buildRpcServer(createTestBackend(), {}, { logger, metrics: null })
    try {
      const res = await app.inject({ method: 'GET', url: '/metrics' })
      assert.equal(res.statusCode, 404)
    } finally {
      await app.close()
    }
  })

  it('can be rebuilt on the same registry', async () => {
    const { logger } = captureLogger()
    const registry = new Registry()
    const a = buildRpcServer(createTestBackend(), {}, { logger, metrics: registry })
    await a.close()
    const b = buildRpcServer(createTestBackend(), {}, { logger, metrics: registry })
    await b.ready()
    await b.close()
  })
})

describe('server lifecycle', () => {
  it('detaches from backend events on close', async () => {
    const h = await createHarness()
    assert.equal(h.backend.events.listenerCount('newHead'), 1)
    assert.equal(h.backend.events.listenerCount('pendingTransaction'), 1)
    await h.app.close()
    assert.equal(h.backend.events.listenerCount('newHead'), 0)
    assert.equal(h.backend.events.listenerCount('pendingTransaction'), 0)
  })
})
