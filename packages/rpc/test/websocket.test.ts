// WebSocket transport and eth_subscribe on a listening server, with Node's WebSocket client.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, describe, it } from 'node:test'
import type { TransactionView } from '../src/backend.ts'
import { createHarness, LOG_ADDRESS, makeLog, SENDER, signed1559, TOPIC_A, TOPIC_B, type Harness } from './helpers.ts'

interface Client {
  ws: WebSocket
  send(message: unknown): void
  next(timeoutMs?: number): Promise<any>
  request(method: string, params?: unknown[]): Promise<any>
  /** Resolves true if no message arrives within `ms`. */
  quiet(ms?: number): Promise<boolean>
  close(): Promise<void>
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url)
  const inbox: any[] = []
  const waiters: ((m: any) => void)[] = []
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data))
    const waiter = waiters.shift()
    if (waiter !== undefined) waiter(message)
    else inbox.push(message)
  })
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener('error', () => reject(new Error('websocket failed to open')), { once: true })
  })
  let id = 1
  const next = (timeoutMs = 2000): Promise<any> => {
    if (inbox.length > 0) return Promise.resolve(inbox.shift())
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1)
        reject(new Error('no websocket message'))
      }, timeoutMs)
      const waiter = (m: any): void => {
        clearTimeout(timer)
        resolve(m)
      }
      waiters.push(waiter)
    })
  }
  const client: Client = {
    ws,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next,
    request: async (method, params = []) => {
      const requestId = id++
      client.send({ jsonrpc: '2.0', id: requestId, method, params })
      const response = await next()
      assert.equal(response.id, requestId, `expected the answer to ${method}, got ${JSON.stringify(response)}`)
      return response
    },
    quiet: (ms = 100) =>
      next(ms).then(
        (m) => {
          inbox.unshift(m)
          return false
        },
        () => true,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve()
        ws.addEventListener('close', () => resolve(), { once: true })
        ws.close()
      }),
  }
  return client
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  assert.fail(`timed out waiting for ${what}`)
}

describe('WebSocket', () => {
  let h: Harness
  let url: string
  before(async () => {
    h = await createHarness({ maxSubscriptionsPerConnection: 3 })
    await h.app.listen({ host: '127.0.0.1', port: 0 })
    const address = h.app.server.address()
    assert.ok(address !== null && typeof address === 'object')
    url = `ws://127.0.0.1:${address.port}/`
  })
  after(() => h.app.close())

  it('answers single calls, batches in order, parse errors, and nothing for notifications', async () => {
    const c = await connect(url)
    try {
      assert.deepEqual(await c.request('eth_chainId'), { jsonrpc: '2.0', id: 1, result: '0x7a69' })
      c.send([
        { jsonrpc: '2.0', id: 'x', method: 'net_version' },
        { jsonrpc: '2.0', method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 'y', method: 'eth_nope' },
      ])
      const batch = await c.next()
      assert.deepEqual(batch.map((r: { id: string }) => r.id), ['x', 'y'])
      assert.equal(batch[1].error.code, -32601)
      c.send('{oops')
      assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })
      c.send({ jsonrpc: '2.0', method: 'eth_chainId' })
      assert.equal((await c.request('eth_blockNumber')).result, '0x0', 'the notification got no answer')
      const tooBig = Array.from({ length: 1001 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' }))
      c.send(tooBig)
      assert.deepEqual(await c.next(), [{ jsonrpc: '2.0', id: 0, error: { code: -32600, message: 'batch too large' } }])
    } finally {
      await c.close()
    }
  })

  it('delivers newHeads until unsubscribed', async () => {
    const c = await connect(url)
    try {
      const { result: id } = await c.request('eth_subscribe', ['newHeads'])
      assert.match(id, /^0x[0-9a-f]+$/)
      const head = h.backend.addBlock()
      h.backend.events.emit('newHead', head, [], [])
      const note = await c.next()
      assert.equal(note.jsonrpc, '2.0')
      assert.equal(note.method, 'eth_subscription')
      assert.equal(note.params.subscription, id)
      assert.equal(note.params.result.number, `0x${head.block.header.number.toString(16)}`)
      assert.equal(note.params.result.hash, `0x${Buffer.from(head.hash).toString('hex')}`)
      assert.equal(note.params.result.transactions, undefined, 'a header, not a block')
      assert.deepEqual(await c.request('eth_unsubscribe', [id]), { jsonrpc: '2.0', id: 2, result: true })
      h.backend.events.emit('newHead', h.backend.addBlock(), [], [])
      assert.equal(await c.quiet(), true, 'no notification after unsubscribing')
      const again = await c.request('eth_unsubscribe', [id])
      assert.deepEqual(again.error, { code: -32000, message: 'subscription not found' })
    } finally {
      await c.close()
    }
  })

  it('sends the subscription id before the first notification', async () => {
    const c = await connect(url)
    const latest = h.backend.chain.latest
    try {
      // eth_blockNumber runs after eth_subscribe in the same batch and fires a head meanwhile.
      h.backend.chain.latest = () => {
        h.backend.events.emit('newHead', h.backend.blocks[h.backend.blocks.length - 1], [], [])
        return latest()
      }
      c.send([
        { jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] },
        { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber' },
      ])
      const first = await c.next()
      assert.ok(Array.isArray(first), `the batch answer comes first, got ${JSON.stringify(first)}`)
      const note = await c.next()
      assert.equal(note.params.subscription, first[0].result)
    } finally {
      h.backend.chain.latest = latest
      await c.close()
    }
  })

  it('holds a subscription’s notifications while its batch is still running, even if other messages finish', async () => {
    const c = await connect(url)
    let release: () => void = () => {}
    try {
      h.backend.hooks.addRaw = () =>
        new Promise((resolve) => {
          release = () => resolve(new Uint8Array(32))
        })
      c.send([
        { jsonrpc: '2.0', id: 'sub', method: 'eth_subscribe', params: ['newHeads'] },
        { jsonrpc: '2.0', id: 'slow', method: 'eth_sendRawTransaction', params: ['0x01'] },
      ])
      await new Promise((r) => setTimeout(r, 30))
      assert.equal((await c.request('eth_chainId')).result, '0x7a69', 'another message is answered meanwhile')
      h.backend.events.emit('newHead', h.backend.addBlock(), [], [])
      assert.equal(await c.quiet(50), true, 'no notification before the id is known')
      release()
      const batch = await c.next()
      assert.deepEqual(batch.map((r: { id: string }) => r.id), ['sub', 'slow'])
      const note = await c.next()
      assert.equal(note.params.subscription, batch[0].result)
    } finally {
      delete h.backend.hooks.addRaw
      await c.close()
    }
  })

  it('delivers matching logs, removed ones first with removed: true', async () => {
    const c = await connect(url)
    try {
      const address = `0x${Buffer.from(LOG_ADDRESS).toString('hex')}`
      const topic = `0x${Buffer.from(TOPIC_A).toString('hex')}`
      const { result: id } = await c.request('eth_subscribe', ['logs', { address, topics: [topic] }])
      const head = h.backend.addBlock()
      const matching = makeLog(head, { logIndex: 1 })
      const otherTopic = makeLog(head, { logIndex: 2, topics: [TOPIC_B] })
      const otherAddress = makeLog(head, { logIndex: 3, address: new Uint8Array(20) })
      const removed = makeLog(h.backend.blocks[1], { logIndex: 0, removed: true })
      h.backend.events.emit('newHead', head, [matching, otherTopic, otherAddress], [removed])
      const first = await c.next()
      const second = await c.next()
      assert.equal(first.params.subscription, id)
      assert.equal(first.params.result.removed, true)
      assert.equal(first.params.result.logIndex, '0x0')
      assert.equal(second.params.result.removed, false)
      assert.equal(second.params.result.logIndex, '0x1')
      assert.equal(second.params.result.address, address)
      assert.deepEqual(second.params.result.topics, [topic])
      assert.equal(await c.quiet(), true, 'non-matching logs are not sent')
      const bad = await c.request('eth_subscribe', ['logs', { address: '0x12' }])
      assert.deepEqual(bad.error, { code: -32602, message: 'invalid argument 1: invalid address: hex has invalid length 1 after decoding; expected 20 for address' })
    } finally {
      await c.close()
    }
  })

  it('delivers pending transaction hashes, or full transactions when asked', async () => {
    const c = await connect(url)
    try {
      const tx = signed1559(4)
      const view: TransactionView = { tx, hash: tx.hash(), sender: SENDER }
      h.backend.hooks.transaction = async (hash) => (Buffer.compare(hash, tx.hash()) === 0 ? view : undefined)
      const { result: hashesId } = await c.request('eth_subscribe', ['newPendingTransactions'])
      const { result: fullId } = await c.request('eth_subscribe', ['newPendingTransactions', true])
      h.backend.events.emit('pendingTransaction', tx.hash())
      const notes = [await c.next(), await c.next()]
      const byId = new Map(notes.map((n) => [n.params.subscription, n.params.result]))
      assert.equal(byId.get(hashesId), `0x${Buffer.from(tx.hash()).toString('hex')}`)
      const full = byId.get(fullId)
      assert.equal(full.hash, `0x${Buffer.from(tx.hash()).toString('hex')}`)
      assert.equal(full.from, `0x${Buffer.from(SENDER).toString('hex')}`)
      assert.equal(full.blockHash, null)
      assert.equal(full.nonce, '0x4')
      const bad = await c.request('eth_subscribe', ['newPendingTransactions', 'yes'])
      assert.equal(bad.error.code, -32602)
    } finally {
      delete h.backend.hooks.transaction
      await c.close()
    }
  })

  it('refuses unknown subscription kinds and too many subscriptions', async () => {
    const c = await connect(url)
    try {
      assert.deepEqual((await c.request('eth_subscribe', ['syncing2'])).error, { code: -32601, message: 'no "syncing2" subscription in eth namespace' })
      for (let i = 0; i < 3; i++) assert.ok((await c.request('eth_subscribe', ['newHeads'])).result)
      const over = await c.request('eth_subscribe', ['newHeads'])
      assert.equal(over.error.code, -32005)
      assert.match(over.error.message, /too many subscriptions/)
    } finally {
      await c.close()
    }
  })

  it('drops a connection’s subscriptions when it closes', async () => {
    const c = await connect(url)
    await c.request('eth_subscribe', ['newHeads'])
    await c.request('eth_subscribe', ['logs', {}])
    const gauge = async (name: string): Promise<number> => {
      const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body
      return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1])
    }
    assert.ok((await gauge('rpc_subscriptions')) >= 2)
    await c.close()
    await until(async () => (await gauge('rpc_subscriptions')) === 0 && (await gauge('rpc_ws_connections')) === 0, 'subscriptions to be dropped')
    // Events after the close reach nobody and break nothing.
    h.backend.events.emit('newHead', h.backend.addBlock(), [], [])
    assert.equal((await h.call('eth_chainId')).result, '0x7a69')
  })

  it('survives a client that vanishes mid-request', async () => {
    const c = await connect(url)
    let release: () => void = () => {}
    h.backend.hooks.addRaw = () =>
      new Promise((resolve) => {
        release = () => resolve(new Uint8Array(32))
      })
    c.send({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: ['0x01'] })
    await until(async () => true, 'request to arrive')
    await new Promise((r) => setTimeout(r, 50))
    await c.close()
    release()
    delete h.backend.hooks.addRaw
    assert.equal((await h.call('eth_chainId')).result, '0x7a69')
  })
})

describe('WebSocket origins', () => {
  it('refuses upgrades from origins outside the allowed list', async () => {
    const h = await createHarness({ corsOrigins: ['https://wallet.busan.example'] })
    await h.app.listen({ host: '127.0.0.1', port: 0 })
    const address = h.app.server.address()
    assert.ok(address !== null && typeof address === 'object')
    // The `ws` client (shipped with @fastify/websocket) can set an Origin header.
    const WS = createRequire(import.meta.url)('ws') as new (url: string, options: { origin: string }) => {
      on(event: string, listener: (...args: any[]) => void): void
      close(): void
    }
    const attempt = (origin: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const ws = new WS(`ws://127.0.0.1:${address.port}/`, { origin })
        ws.on('open', () => {
          ws.close()
          resolve(101)
        })
        ws.on('unexpected-response', (_req: unknown, res: { statusCode: number }) => resolve(res.statusCode))
        ws.on('error', (err: Error) => reject(err))
      })
    try {
      assert.equal(await attempt('https://evil.example'), 403)
      assert.equal(await attempt('https://wallet.busan.example'), 101)
    } finally {
      await h.app.close()
    }
  })
})
