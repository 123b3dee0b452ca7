// The dispatcher's batch order: a run of parallel methods (MethodSpec.parallel, eth_call) starts
// together, anything else waits for what comes before it, answers keep the batch order and
// the response size limit applies as it would one call at a time (geth's "response too large"
// for every call past it); a method's MethodSpec.prepareBatch runs once before the batch. Methods
// here are the test's own, so the order is observable.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { method, type HandlerContext, type MethodTable } from '../src/context.ts'
import { Dispatcher } from '../src/dispatcher.ts'
import { quantity as quantityParam, required } from '../src/params.ts'

/** Records when each call starts and ends; `read` waits for its `ms` argument. */
function recordingMethods(): { methods: MethodTable; events: string[] } {
  const events: string[] = []
  const run = (name: string) => async (_ctx: HandlerContext, ms: bigint) => {
    events.push(`start ${name} ${ms}`)
    await new Promise((resolve) => setTimeout(resolve, Number(ms)))
    events.push(`end ${name} ${ms}`)
    return `${name}-${ms}`
  }
  return {
    events,
    methods: {
      read: method([required('ms', quantityParam)], run('read'), { parallel: true }),
      write: method([required('ms', quantityParam)], run('write')),
    },
  }
}

const ctx = {} as HandlerContext
const item = (id: number, name: string, ms: number) => ({ jsonrpc: '2.0', id, method: name, params: [`0x${ms.toString(16)}`] })

describe('a batch with parallel methods', () => {
  it('starts a run of parallel calls together and everything else in its place; answers keep the order', async () => {
    const { methods, events } = recordingMethods()
    const dispatcher = new Dispatcher(methods, { maxBatchSize: 1000, maxBatchResponseBytes: 0 }, pino({ level: 'silent' }))
    const batch = [item(1, 'read', 30), item(2, 'read', 10), item(3, 'write', 5), item(4, 'read', 20), item(5, 'read', 1)]
    const answers = JSON.parse((await dispatcher.handle(JSON.stringify(batch), ctx)) ?? '[]')
    assert.deepEqual(answers.map((a: { id: number; result: string }) => [a.id, a.result]), [[1, 'read-30'], [2, 'read-10'], [3, 'write-5'], [4, 'read-20'], [5, 'read-1']])
    assert.deepEqual(events, [
      'start read 30', 'start read 10', // the first run starts together
      'end read 10', 'end read 30',
      'start write 5', 'end write 5', // the write waits for both reads before it
      'start read 20', 'start read 1', // and the next run waits for the write
      'end read 1', 'end read 20',
    ])
  })

  it('applies the response size limit in batch order, as one call at a time would', async () => {
    const { methods } = recordingMethods()
    // Each answer is about 40 bytes: the limit is passed after the second.
    const dispatcher = new Dispatcher(methods, { maxBatchSize: 1000, maxBatchResponseBytes: 70 }, pino({ level: 'silent' }))
    const batch = [item(1, 'read', 3), item(2, 'read', 1), item(3, 'read', 2), item(4, 'write', 1)]
    const answers = JSON.parse((await dispatcher.handle(JSON.stringify(batch), ctx)) ?? '[]')
    assert.deepEqual(answers.slice(0, 2).map((a: { result: string }) => a.result), ['read-3', 'read-1'])
    for (const answer of answers.slice(2)) assert.deepEqual(answer.error, { code: -32003, message: 'response too large' })
    assert.equal(answers.length, 4)
  })
})

describe('a batch with a method that prepares', () => {
  it('prepares once with the params of all its calls, before any call of the batch runs; a single call or a failed preparation changes nothing', async () => {
    const events: string[] = []
    let fail = false
    const methods: MethodTable = {
      send: method([required('ms', quantityParam)], async (_ctx, ms: bigint) => {
        events.push(`send ${ms}`)
        return `sent-${ms}`
      }, {
        prepareBatch: async (_ctx, params) => {
          events.push(`prepare ${JSON.stringify(params)}`)
          if (fail) throw new Error('preparation failed')
        },
      }),
      other: method([required('ms', quantityParam)], async (_ctx, ms: bigint) => {
        events.push(`other ${ms}`)
        return `other-${ms}`
      }),
    }
    const dispatcher = new Dispatcher(methods, { maxBatchSize: 1000, maxBatchResponseBytes: 0 }, pino({ level: 'silent' }))
    const batch = [item(1, 'other', 1), item(2, 'send', 2), { jsonrpc: '2.0', id: 3, method: 'send', params: 'not an array' }, item(4, 'send', 4)]
    const answers = JSON.parse((await dispatcher.handle(JSON.stringify(batch), ctx)) ?? '[]')
    assert.deepEqual(events, ['prepare [["0x2"],"not an array",["0x4"]]', 'other 1', 'send 2', 'send 4'])
    assert.deepEqual(answers.map((a: { id: number; result?: string; error?: { code: number } }) => [a.id, a.result ?? a.error?.code]), [[1, 'other-1'], [2, 'sent-2'], [3, -32602], [4, 'sent-4']])

    events.length = 0
    fail = true
    const again = JSON.parse((await dispatcher.handle(JSON.stringify([item(5, 'send', 5), item(6, 'send', 6)]), ctx)) ?? '[]')
    assert.deepEqual(again.map((a: { result: string }) => a.result), ['sent-5', 'sent-6'])
    assert.deepEqual(events, ['prepare [["0x5"],["0x6"]]', 'send 5', 'send 6'])

    events.length = 0
    await dispatcher.handle(JSON.stringify([item(7, 'send', 7), item(8, 'other', 8)]), ctx)
    await dispatcher.handle(JSON.stringify(item(9, 'send', 9)), ctx)
    assert.deepEqual(events, ['send 7', 'other 8', 'send 9'], 'one call of the method: nothing to share')
  })
})
