// Judging replies against execution-apis vectors: strict equality, hive's lenient rule on error
// messages (top-level and nested), speconly, and methods the node does not serve. The expected
// replies are quoted from ethereum/execution-apis' tests/ folder.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { firstDifference, judge, shapeDifference, withoutErrorMessages } from './compare.ts'

const plain = { method: 'eth_getStorageAt', speconly: false }

// tests/eth_getStorageAt/get-storage-invalid-key.io
const INVALID_KEY = { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'invalid hex in storage key: "0xasdf"' } }
// tests/eth_getBlockByNumber/get-genesis.io, a few fields
const GENESIS = { jsonrpc: '2.0', id: 1, result: { difficulty: '0x20000', gasLimit: '0x5f5e100', number: '0x0', transactions: [], uncles: [] } }
// tests/eth_simulateV1/ethSimulate-eth-send-should-not-produce-logs-on-revert.io, one call of the result
const SIMULATED = {
  jsonrpc: '2.0',
  id: 1,
  result: [{ calls: [{ returnData: '0x', logs: [], gasUsed: '0x5355', status: '0x0', error: { message: 'execution reverted: Always reverting contract', code: 3, data: '0x08c379a0' } }], number: '0x37' }],
}

describe('firstDifference', () => {
  it('ignores key order and names the first differing path', () => {
    assert.equal(firstDifference({ b: 1, a: [1, { c: 'x' }] }, { a: [1, { c: 'x' }], b: 1 }), undefined)
    assert.equal(firstDifference({ a: [1, { c: 'y' }] }, { a: [1, { c: 'x' }] }), 'a[1].c: got "y", want "x"')
    assert.equal(firstDifference({ a: 1 }, { a: 1, b: null }), 'b: missing, want null')
    assert.equal(firstDifference({ a: 1, z: 2 }, { a: 1 }), 'z: unexpected, got 2')
    assert.equal(firstDifference([1, 2, 3], [1, 2]), '(root): got 3 items, want 2')
    assert.equal(firstDifference({ a: null }, { a: {} }), 'a: got null, want {}')
    assert.equal(firstDifference({ a: '0x1' }, { a: 1 }), 'a: got "0x1", want 1', 'a hex string is not a number')
  })
})

describe('withoutErrorMessages', () => {
  it('drops the message of errors present on both sides, nested ones included, and nothing else', () => {
    const got = structuredClone(SIMULATED)
    got.result[0].calls[0].error.message = 'execution reverted'
    const { got: g, want: w, redacted } = withoutErrorMessages(got, SIMULATED)
    assert.equal(redacted, true)
    assert.deepEqual(g, w)
    assert.equal(SIMULATED.result[0].calls[0].error.message, 'execution reverted: Always reverting contract', 'the inputs are not changed')
    assert.equal(withoutErrorMessages(GENESIS, GENESIS).redacted, false)
    assert.equal(withoutErrorMessages({ result: 1 }, INVALID_KEY).redacted, false, 'only where both hold an error')
  })
})

describe('judge', () => {
  it('passes an equal reply, whatever its key order', () => {
    const reordered = { result: { uncles: [], transactions: [], number: '0x0', gasLimit: '0x5f5e100', difficulty: '0x20000' }, id: 1, jsonrpc: '2.0' }
    assert.deepEqual(judge(reordered, GENESIS, plain), { outcome: 'pass' })
  })

  it('compares the whole reply, id included, as hive', () => {
    assert.deepEqual(judge({ ...GENESIS, id: 2 }, GENESIS, plain), { outcome: 'fail', detail: 'id: got 2, want 1' })
  })

  it('fails strictly but passes leniently when only an error message differs', () => {
    const got = { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'invalid argument 1: hex string has odd length' } }
    assert.deepEqual(judge(got, INVALID_KEY, plain), { outcome: 'strict-fail', detail: 'error.message: got "invalid argument 1: hex string has odd length", want "invalid hex in storage key: \\"0xasdf\\""' })
  })

  it('fails on another error code, or data, or a result where an error is expected', () => {
    assert.deepEqual(judge({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'x' } }, INVALID_KEY, plain), { outcome: 'fail', detail: 'error.code: got -32000, want -32602' })
    const revert = { jsonrpc: '2.0', id: 1, error: { code: 3, message: 'execution reverted', data: '0x77726f6e67' } }
    assert.deepEqual(judge({ ...revert, error: { ...revert.error, data: '0x' } }, revert, plain), { outcome: 'fail', detail: 'error.data: got "0x", want "0x77726f6e67"' })
    assert.deepEqual(judge({ jsonrpc: '2.0', id: 1, result: '0x0' }, INVALID_KEY, plain).outcome, 'fail')
  })

  it('says which error came where a result was expected', () => {
    const got = { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'header not found' } }
    const verdict = judge(got, GENESIS, plain)
    assert.equal(verdict.outcome, 'fail')
    assert.match(verdict.detail ?? '', /^got error \{"code":-32000,"message":"header not found"\}, want result \{"difficulty":"0x20000",/)
  })

  it('is lenient on nested error messages too (eth_simulateV1 calls)', () => {
    const got = structuredClone(SIMULATED)
    got.result[0].calls[0].error.message = 'execution reverted'
    assert.equal(judge(got, SIMULATED, { method: 'eth_simulateV1', speconly: false }).outcome, 'strict-fail')
    got.result[0].calls[0].error.code = -32000
    assert.deepEqual(judge(got, SIMULATED, { method: 'eth_simulateV1', speconly: false }), { outcome: 'fail', detail: 'result[0].calls[0].error.code: got -32000, want 3' })
  })

  it('reports a method the node answers -32601 for as not served', () => {
    const got = { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'the method eth_simulateV1 does not exist/is not available' } }
    assert.deepEqual(judge(got, SIMULATED, { method: 'eth_simulateV1', speconly: false }), { outcome: 'not-served', detail: '-32601 "the method eth_simulateV1 does not exist/is not available"' })
    const expectsIt = { ...got, error: { code: -32601, message: 'method not found' } }
    assert.equal(judge(got, expectsIt, plain).outcome, 'strict-fail', 'a vector expecting -32601 is judged as any other')
  })

  it('checks a speconly result with the spec check when given one, else for the example shape', () => {
    // tests/txpool_status/get-status.io
    const want = { jsonrpc: '2.0', id: 1, result: { pending: '0x6', queued: '0x0' } }
    const spec = { method: 'txpool_status', speconly: true }
    const seen: unknown[] = []
    const check = (method: string, result: unknown): string | undefined => {
      seen.push([method, result])
      return typeof (result as { pending: unknown }).pending === 'string' ? undefined : 'result.pending: must be string'
    }
    assert.deepEqual(judge({ jsonrpc: '2.0', id: 7, result: { pending: '0x0', queued: '0x2' } }, want, { ...spec, checkResult: check }), { outcome: 'pass' })
    assert.deepEqual(seen, [['txpool_status', { pending: '0x0', queued: '0x2' }]])
    assert.deepEqual(judge({ jsonrpc: '2.0', id: 1, result: { pending: 0, queued: '0x2' } }, want, { ...spec, checkResult: check }), { outcome: 'fail', detail: 'result.pending: must be string' })
    assert.deepEqual(judge({ jsonrpc: '2.0', id: 1, result: { pending: '0x0', queued: '0x2', extra: 1 } }, want, spec), { outcome: 'pass' })
    assert.deepEqual(judge({ jsonrpc: '2.0', id: 1, result: { pending: '0x0' } }, want, spec), { outcome: 'pass' }, 'the example may hold optional keys')
    assert.deepEqual(judge({ jsonrpc: '2.0', id: 1, result: { pending: 1, queued: '0x0' } }, want, spec), { outcome: 'fail', detail: 'result.pending: got number 1, want a string like "0x6"' })
    // An error reply to a speconly vector is compared as usual (tests/eth_estimateGas/estimate-failed-call.io).
    const reverted = { jsonrpc: '2.0', id: 1, error: { code: 3, message: 'execution reverted', data: '0x77726f6e672d63616c6c6461746173697a65' } }
    assert.equal(judge({ ...reverted, error: { ...reverted.error, message: 'execution reverted: wrong-calldatasize' } }, reverted, { method: 'eth_estimateGas', speconly: true }).outcome, 'strict-fail')
  })
})

describe('shapeDifference', () => {
  it('wants the same kinds where both have a value, hex where the example has hex, items like its first', () => {
    assert.equal(shapeDifference({ a: '0x12', b: [{ c: 1 }, { c: 2 }], extra: true }, { a: '0x0', b: [{ c: 0 }], optional: '0x1' }), undefined)
    assert.equal(shapeDifference({ a: '12' }, { a: '0x0' }), 'a: got "12", want a hex string')
    assert.equal(shapeDifference({ b: [{ c: 1 }, { c: 'x' }] }, { b: [{ c: 0 }] }), 'b[1].c: got string "x", want a number like 0')
    assert.equal(shapeDifference([], [{ c: 0 }]), undefined)
  })
})
