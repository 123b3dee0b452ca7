// Every library exception a request can raise reaches the client as a geth-style error, never
// as -32603 and never as an error-level log line: thousands of schema-valid but hostile calls
// (every method, every argument position, extreme numbers, oversized init code, odd call
// objects) against a real node, then the specific geth answers, then an oversized WebSocket
// frame.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { prng } from '@busan/testkit'
import { allMethods } from '../../packages/rpc/src/methods/index.ts'
import { startE2ENode, type E2ENode } from './helpers/node.ts'

const ADDRESS = '0x00000000000000000000000000000000B0500003'
const ZERO = `0x${'00'.repeat(32)}`
const UINT256_MAX = `0x${'f'.repeat(64)}`
/** EIP-3860: init code over 49,152 bytes. */
const TOO_BIG_INITCODE = `0x${'00'.repeat(49_153)}`

/** Values that pass JSON parsing and often a parameter's schema, but not its meaning. */
const VALUES: unknown[] = [
  null, true, 0, -1, 1.5, '', '0x', '0x0', '0x00', '0x1', '0xg', '0x-1', 'latest', 'pending', 'earliest', 'safe', 'finalized',
  UINT256_MAX, `0x1${'0'.repeat(64)}`, '0xffffffffffffffff', '0x10000000000000000', ADDRESS, ZERO, [], [null], [[]], {},
  { blockHash: ZERO }, { blockNumber: '0x0' }, { blockHash: ZERO, requireCanonical: true },
  { fromBlock: '0x0', toBlock: 'latest', address: [ADDRESS], topics: [[ZERO, null], null] },
  { fromBlock: 'latest', toBlock: '0x0' }, { blockHash: ZERO, fromBlock: '0x0' }, { topics: [[], [], [], [], []] },
  { to: ADDRESS, data: '0x313ce567' }, { data: TOO_BIG_INITCODE }, { from: ADDRESS, to: ADDRESS, value: UINT256_MAX },
  { to: ADDRESS, gas: '0xffffffffffffffff', maxFeePerGas: UINT256_MAX }, { to: ADDRESS, gasPrice: UINT256_MAX, gas: '0x5208' },
  { to: ADDRESS, maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x0', gas: '0x0' }, { to: ADDRESS, nonce: '0xffffffffffffffff' },
  { data: '0x00', authorizationList: [] }, { authorizationList: [] , to: ADDRESS },
  { to: ADDRESS, authorizationList: [{ chainId: '0x7a69', address: ADDRESS, nonce: '0x0', yParity: '0x5', r: '0x1', s: UINT256_MAX }] },
  { to: ADDRESS, accessList: [{ address: ADDRESS, storageKeys: [ZERO, '0x1'] }] }, { to: ADDRESS, type: '0x3', blobVersionedHashes: [ZERO] },
  { to: ADDRESS, input: '0x01', data: '0x01', chainId: '0x7a69' }, { from: '0x0000000000000000000000000000000000000001', to: ADDRESS, value: '0x1' },
]

interface Answer {
  id: number
  result?: unknown
  error?: { code: number; message: string }
}

describe('hostile input: no request surfaces an internal error', () => {
  let e: E2ENode
  before(async () => {
    e = await startE2ENode({ period: 0 })
  })
  after(() => e?.stop())

  it('answers thousands of hostile calls to every method with geth-style errors, never -32603', async (t) => {
    const random = prng(7)
    const pick = () => VALUES[Math.floor(random() * VALUES.length)]
    const calls: { method: string; params: unknown[] }[] = []
    for (const [method, spec] of Object.entries(allMethods)) {
      // Subscriptions need a WebSocket; over HTTP every one is the same refusal.
      calls.push({ method, params: [] })
      for (const value of VALUES) calls.push({ method, params: [value] })
      for (let position = 1; position < spec.params.length + 1; position++) {
        for (let n = 0; n < 12; n++) calls.push({ method, params: Array.from({ length: position + 1 }, pick) })
      }
    }
    let internal: { call: (typeof calls)[number]; answer: Answer }[] = []
    const codes = new Map<number, number>()
    for (let start = 0; start < calls.length; start += 100) {
      const batch = calls.slice(start, start + 100)
      const { body } = await e.post(JSON.stringify(batch.map((call, i) => ({ jsonrpc: '2.0', id: start + i, ...call }))))
      assert.ok(Array.isArray(body), `batch at ${start} answered with an array: ${JSON.stringify(body).slice(0, 300)}`)
      for (const answer of body as Answer[]) {
        assert.ok(('result' in answer) !== ('error' in answer), `one of result/error: ${JSON.stringify(answer).slice(0, 200)}`)
        if (answer.error === undefined) continue
        assert.ok(Number.isInteger(answer.error.code) && typeof answer.error.message === 'string' && answer.error.message !== '')
        codes.set(answer.error.code, (codes.get(answer.error.code) ?? 0) + 1)
        if (answer.error.code === -32603) internal.push({ call: calls[answer.id], answer })
      }
    }
    t.diagnostic(`${calls.length} calls over ${Object.keys(allMethods).length} methods; error codes ${JSON.stringify(Object.fromEntries(codes))}`)
    internal = internal.slice(0, 5)
    assert.deepEqual(internal.map(({ call, answer }) => `${call.method}(${JSON.stringify(call.params).slice(0, 200)}) -> ${answer.error?.message}`), [])
    const errorLines = e.node.logs.filter((line) => typeof line.level === 'number' && line.level >= 50)
    assert.deepEqual(errorLines.map((line) => JSON.stringify(line).slice(0, 300)), [], 'no error-level log line')
    assert.match(await e.rpc<string>('eth_blockNumber'), /^0x[0-9a-f]+$/, 'the node still answers')
  })

  it('answers what geth answers for init code over the EIP-3860 limit and calls it cannot run', async () => {
    // geth's core errors; eth_call wraps them as its DoCall does ("err: ... (supplied gas N)"), the estimator does not.
    const initcode = 'max initcode size exceeded: code size 49153 limit 49152'
    assert.deepEqual((await e.rpcResponse('eth_call', [{ data: TOO_BIG_INITCODE }])).error, { code: -32000, message: `err: ${initcode} (supplied gas 50000000)` })
    assert.deepEqual((await e.rpcResponse('eth_estimateGas', [{ data: TOO_BIG_INITCODE }])).error, { code: -32000, message: initcode })
    assert.deepEqual((await e.rpcResponse('eth_call', [{ to: ADDRESS, authorizationList: [] }])).error, {
      code: -32000,
      message: 'err: EIP-7702 transaction with empty auth list (sender 0x0000000000000000000000000000000000000000) (supplied gas 50000000)',
    })
    assert.deepEqual((await e.rpcResponse('eth_call', [{ to: ADDRESS, gas: '0x5207' }])).error, { code: -32000, message: 'err: intrinsic gas too low: have 20999, want 21000 (supplied gas 20999)' })
  })

  it('closes a WebSocket whose message is over the size limit with 1009 and logs one warn line', async () => {
    const socket = new WebSocket(e.node.wsUrl)
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true })
      socket.addEventListener('error', reject, { once: true })
    })
    const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code), { once: true }))
    // 32 MiB is the limit (geth's too); one byte more.
    socket.send(`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":["${'a'.repeat(32 * 1024 * 1024)}"]}`)
    assert.equal(await closed, 1009)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const lines = e.node.logs.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('websocket message over the size limit'))
    assert.equal(lines.length, 1)
    assert.equal(lines[0].level, 40, 'warn')
    assert.equal(lines[0].err, undefined, 'no stack trace')
    assert.deepEqual(e.node.logs.filter((line) => typeof line.level === 'number' && line.level >= 50), [], 'no error-level line')
    assert.match(await e.rpc<string>('eth_chainId'), /^0x7a69$/)
  })

  it('closes WebSocket connections that break the protocol without an error-level log line', async () => {
    const port = Number(new URL(e.node.rpcUrl).port)
    const mask = Buffer.from([1, 2, 3, 4])
    const masked = (opcode: number, payload: number[]) => Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))])
    // An unmasked client frame, a reserved opcode, text that is not UTF-8.
    for (const frame of [Buffer.from([0x81, 0x02, 0x7b, 0x7d]), masked(0x3, [0x78, 0x78]), masked(0x1, [0xff, 0xfe, 0xfd])]) {
      const socket = connect(port, '127.0.0.1')
      socket.on('error', () => {})
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
      await new Promise((resolve) => socket.once('data', resolve))
      socket.write(frame)
      await new Promise((resolve) => socket.once('close', resolve))
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.deepEqual(e.node.logs.filter((line) => typeof line.level === 'number' && line.level >= 50).map((line) => line.msg), [])
    assert.match(await e.rpc<string>('eth_chainId'), /^0x7a69$/)
  })
})
