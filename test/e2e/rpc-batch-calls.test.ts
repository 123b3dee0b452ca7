// End to end: a JSON-RPC batch's eth_calls start together and reach the worker threads as
// groups (docs/json-rpc.md "Batches of calls"). What a client sees must not change: answers in
// order, each call with its own outcome (results, reverts, halts, bad params), methods that are
// not calls still run in their place, and a call of another client never waits behind a
// batch's endless call.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { ENDLESS_GAS_CAP, INFINITE_LOOP } from '@busan/testkit'
import { deploy } from './helpers/artifacts.ts'
import { startE2ENode, type E2ENode } from './helpers/node.ts'

let e: E2ENode
let store: ethers.Contract
let reverter: ethers.Contract
const ITEMS = 10
/** What the test stores under key k (the expected answers come from these writes). */
const itemOf = (k: number) => BigInt(k * k + 1)

before(async () => {
  e = await startE2ENode({ extraArgs: ['--rpc.evmtimeout', '2s', '--rpc.gascap', ENDLESS_GAS_CAP] })
  const caller = e.wallets[1]
  store = (await deploy('Store', caller, [7n])).contract
  reverter = (await deploy('Reverter', caller)).contract
  for (let k = 0; k < ITEMS; k++) await (await store.getFunction('setItem')(k, itemOf(k))).wait()
})

after(async () => {
  await e?.stop()
})

const call = (id: number, to: unknown, data: string) => ({ jsonrpc: '2.0', id, method: 'eth_call', params: [{ to, data }, 'latest'] })

describe('a batch of eth_calls', () => {
  it('answers 150 calls in order, each with its own outcome, as the same calls sent one by one', async () => {
    const S = String(store.target)
    const R = String(reverter.target)
    const batch: { jsonrpc: string; id?: number; method: string; params: unknown[] }[] = []
    const expected: ((answer: any) => void)[] = []
    for (let i = 0; i < 150; i++) {
      const id = 1000 + i
      if (i === 40) {
        // Not a call: splits the run of calls, and answers the head the calls before it saw.
        batch.push({ jsonrpc: '2.0', id, method: 'eth_blockNumber', params: [] })
        expected.push((answer) => assert.match(answer.result, /^0x[0-9a-f]+$/))
      } else if (i % 25 === 7) {
        batch.push(call(id, R, reverter.interface.encodeFunctionData('requireReason', [5n])))
        expected.push((answer) => {
          assert.equal(answer.error.code, 3)
          assert.equal(answer.error.message, 'execution reverted: x too small')
        })
      } else if (i % 25 === 11) {
        batch.push(call(id, R, reverter.interface.encodeFunctionData('divide', [1n, 0n])))
        expected.push((answer) => assert.equal(answer.error.code, 3, 'a panic is a revert with data'))
      } else if (i % 50 === 13) {
        batch.push({ jsonrpc: '2.0', id, method: 'eth_call', params: [{ to: 'not an address' }, 'latest'] })
        expected.push((answer) => assert.equal(answer.error.code, -32602))
      } else if (i === 99) {
        // A notification: run, never answered.
        batch.push({ jsonrpc: '2.0', method: 'eth_call', params: [{ to: S, data: store.interface.encodeFunctionData('get') }, 'latest'] })
        continue
      } else if (i % 30 === 17) {
        batch.push({ jsonrpc: '2.0', id, method: 'eth_createAccessList', params: [{ to: S, data: store.interface.encodeFunctionData('items', [3n]) }, 'latest'] })
        expected.push((answer) => {
          assert.equal(answer.result.accessList.length, 1)
          assert.equal(answer.result.accessList[0].address.toLowerCase(), S.toLowerCase())
          assert.equal(answer.result.accessList[0].storageKeys.length, 1, 'items[3] is one slot')
        })
      } else {
        const k = i % ITEMS
        batch.push(call(id, S, store.interface.encodeFunctionData('items', [BigInt(k)])))
        expected.push((answer) => assert.equal(BigInt(answer.result), itemOf(k)))
      }
      const last = batch.at(-1)!
      const check = expected.pop()!
      expected.push((answer) => {
        assert.equal(answer.id, last.id, 'answers keep the batch order')
        check(answer)
      })
    }
    const { body: answers } = await e.post(JSON.stringify(batch))
    assert.equal(answers.length, expected.length, 'one answer per call with an id')
    answers.forEach((answer: unknown, i: number) => expected[i](answer))

    // The same calls one at a time (one job each, the path before groups) answer the same.
    const withId = batch.filter((item) => item.id !== undefined && item.method !== 'eth_blockNumber')
    for (const item of withId.filter((_, i) => i % 7 === 0)) {
      const alone = await e.rpcResponse(item.method, item.params)
      const inBatch = answers.find((answer: { id: number }) => answer.id === item.id)
      assert.deepEqual({ result: alone.result, error: alone.error }, { result: inBatch.result, error: inBatch.error }, `call ${item.id}`)
    }
  })

  it('a batch with an endless call: the call times out in the batch budget, another client meanwhile is answered at once, and the node answers batches again after', async () => {
    const S = String(store.target)
    const items = (from: number) => Array.from({ length: 20 }, (_, i) => call(from + i, S, store.interface.encodeFunctionData('items', [BigInt(i % ITEMS)])))
    const started = performance.now()
    const pending = e.post(JSON.stringify([...items(0), { jsonrpc: '2.0', id: 20, method: 'eth_call', params: [{ data: INFINITE_LOOP }, 'latest'] }, ...items(21)]))
    await new Promise((resolve) => setTimeout(resolve, 300))
    // The endless call holds one of the two threads; this client's call is not grouped with it.
    const other = performance.now()
    const answer = await e.rpcResponse('eth_call', [{ to: S, data: store.interface.encodeFunctionData('get') }, 'latest'])
    const otherMs = performance.now() - other
    assert.equal(BigInt(answer.result), 7n)
    const { body: answers } = await pending
    const seconds = (performance.now() - started) / 1000
    assert.ok(otherMs < 1500, `another client's call was answered while the batch ran (${otherMs.toFixed(0)} ms)`)
    assert.ok(seconds > 1.8 && seconds < 5, `the batch ended with its 2 s budget (${seconds.toFixed(1)} s)`)
    assert.equal(answers.length, 41)
    const timeout = { code: -32000, message: 'execution aborted (timeout = 2s)' }
    assert.deepEqual(answers[20].error, timeout)
    // Calls grouped with the endless one share its fate (the batch's one budget); the others answer.
    for (const [i, item] of answers.entries()) {
      if (i === 20) continue
      if (item.error !== undefined) assert.deepEqual(item.error, timeout, `call ${i}`)
      else assert.equal(BigInt(item.result), itemOf((i < 20 ? i : i - 21) % ITEMS), `call ${i}`)
    }
    // The thread that ran the loop was replaced: a full batch answers again.
    const { body: again } = await e.post(JSON.stringify(items(100)))
    assert.deepEqual(
      again.map((a: { result: string }) => BigInt(a.result)),
      Array.from({ length: 20 }, (_, i) => itemOf(i % ITEMS)),
    )
  })

  it('a batch larger than one group on a node with one thread and no queue: every call answers (its groups never refuse each other)', async () => {
    // One thread, no waiting jobs: the batch's 300 calls are three groups, which must go one
    // after another; sent together, the second and third would be refused with -32005.
    const lone = await startE2ENode({ extraArgs: ['--rpc.workers', '1', '--rpc.workqueue', '0'] })
    try {
      const caller = lone.wallets[1]
      const own = (await deploy('Store', caller, [7n])).contract
      for (let k = 0; k < ITEMS; k++) await (await own.getFunction('setItem')(k, itemOf(k))).wait()
      const to = String(own.target)
      const batch = Array.from({ length: 300 }, (_, i) => call(i, to, own.interface.encodeFunctionData('items', [BigInt(i % ITEMS)])))
      const { body: answers } = await lone.post(JSON.stringify(batch))
      assert.equal(answers.length, 300)
      answers.forEach((answer: { id: number; result?: string; error?: unknown }, i: number) => {
        assert.equal(answer.id, i)
        assert.equal(answer.error, undefined, `call ${i}: ${JSON.stringify(answer.error)}`)
        assert.equal(BigInt(answer.result!), itemOf(i % ITEMS), `call ${i}`)
      })
    } finally {
      await lone.stop()
    }
  })
})
