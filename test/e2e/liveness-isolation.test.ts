// Heavy RPC work never stalls the chain: a real dev node at --period 1 under 16 parallel
// infinite-loop eth_calls and back-to-back 5 MB batches of eth_getProof keeps sealing a block
// every period and answers eth_blockNumber quickly, and the limits answer as geth's do.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ENDLESS_GAS_CAP, INFINITE_LOOP, blockGaps, metricValue, percentile, proofBatch, runAbuse } from '@busan/testkit'
import { startE2ENode, type E2ENode } from './helpers/node.ts'

/** The city voucher proxy: a contract with storage, so proofs walk a real storage trie. */
const VOUCHER = '0x00000000000000000000000000000000B0500003'
const LOAD_SECONDS = 20
const PERIOD_MS = 1000

describe('isolation: heavy RPC work runs off the thread that seals', () => {
  let e: E2ENode
  before(async () => {
    e = await startE2ENode({ period: 1, extraArgs: ['--rpc.gascap', ENDLESS_GAS_CAP] })
  })
  after(() => e?.stop())

  it(`keeps sealing every period and answering eth_blockNumber under ${LOAD_SECONDS} s of infinite loops and proof batches`, async (t) => {
    const report = await runAbuse({ url: e.node.rpcUrl, proofAddress: VOUCHER, seconds: LOAD_SECONDS })
    assert.ok(report.proofBatchBytes > 4.9e6 && report.proofBatchBytes < 5 * 1024 * 1024, `proof batches of ${report.proofBatchBytes} bytes`)
    const gaps = blockGaps(report.arrivals)
    const worstGap = Math.max(...gaps.map((g) => g.gap))
    const p99 = percentile(report.latencies, 99)
    const metrics = await (await fetch(`${e.node.rpcUrl}/metrics`)).text()
    const lag = (name: string) => ((metricValue(metrics, name) ?? NaN) * 1000).toFixed(1)
    t.diagnostic(
      `blocks ${report.arrivals.length} in ${LOAD_SECONDS} s, worst gap ${Math.round(worstGap)} ms; eth_blockNumber p50 ${percentile(report.latencies, 50).toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms, max ${Math.max(...report.latencies).toFixed(1)} ms over ${report.latencies.length} calls; event-loop lag p99 ${lag('nodejs_eventloop_lag_p99_seconds')} ms, ` +
        `max ${lag('nodejs_eventloop_lag_max_seconds')} ms; proof batches ${report.proofBatches}; loop answers ${JSON.stringify(Object.fromEntries(report.loopAnswers))}`,
    )
    assert.ok(report.arrivals.length >= LOAD_SECONDS - 2, `a block every period: ${report.arrivals.length} blocks seen in ${LOAD_SECONDS} s`)
    assert.ok(
      gaps.every((g) => g.skipped === 0 && g.gap < PERIOD_MS + 500),
      `no gap over period + 0.5 s: ${JSON.stringify(gaps.filter((g) => g.skipped > 0 || g.gap >= PERIOD_MS + 500))}`,
    )
    assert.ok(p99 < 100, `eth_blockNumber p99 ${p99.toFixed(1)} ms < 100 ms`)
    // Every loop ends in geth's timeout answer, or is refused while the execution queue is full.
    for (const key of report.loopAnswers.keys()) {
      assert.match(key, /^(-32000 execution aborted \(timeout = 5s\)|-32005 server busy: .*)$/, `unexpected answer to the loop: ${key}`)
    }
    assert.ok((report.loopAnswers.get('-32000 execution aborted (timeout = 5s)') ?? 0) >= 2, 'loops are stopped at the EVM timeout')
    // And the node still runs calls normally afterwards.
    assert.equal(await e.rpc('eth_call', [{ to: VOUCHER, data: '0x313ce567' }, 'latest']), `0x${'0'.repeat(64)}`, 'decimals() of the voucher (0)')
  })

  it('keeps its pace under huge batches of cheap reads and 5 MB bodies of nested brackets', async (t) => {
    // Both loads are main-thread work by nature (parsing, trie reads, HTTP): they are sliced, not
    // moved, so the bar is the block rhythm, with a looser latency bound than the EVM load's.
    const report = await runAbuse({ url: e.node.rpcUrl, proofAddress: VOUCHER, seconds: 10, loopClients: 0, proofs: false, batchClients: 1, nestedClients: 1 })
    const gaps = blockGaps(report.arrivals)
    const p99 = percentile(report.latencies, 99)
    t.diagnostic(`blocks ${report.arrivals.length} in 10 s, worst gap ${Math.round(Math.max(...gaps.map((g) => g.gap)))} ms, eth_blockNumber p99 ${p99.toFixed(1)} ms`)
    assert.ok(gaps.every((g) => g.skipped === 0 && g.gap < PERIOD_MS + 500), `no gap over period + 0.5 s: ${JSON.stringify(gaps.filter((g) => g.gap >= PERIOD_MS + 500))}`)
    assert.ok(p99 < 200, `eth_blockNumber p99 ${p99.toFixed(1)} ms < 200 ms`)
  })

  it('gives a batch one time budget: later heavy calls time out at once, cheap ones still answer', async () => {
    const loop = { data: INFINITE_LOOP }
    const started = performance.now()
    const { body: answers } = await e.post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_call', params: [loop, 'latest'] },
        { jsonrpc: '2.0', id: 2, method: 'eth_estimateGas', params: [loop] },
        { jsonrpc: '2.0', id: 3, method: 'eth_chainId', params: [] },
      ]),
    )
    const seconds = (performance.now() - started) / 1000
    assert.deepEqual(answers[0].error, { code: -32000, message: 'execution aborted (timeout = 5s)' })
    assert.deepEqual(answers[1].error, { code: -32000, message: 'execution aborted (timeout = 5s)' })
    assert.equal(answers[2].result, '0x7a69')
    assert.ok(seconds > 4.5 && seconds < 7, `the whole batch took one budget: ${seconds.toFixed(1)} s`)
  })

  it('exports the main thread event-loop lag and the worker pool in /metrics', async () => {
    const text = await (await fetch(`${e.node.rpcUrl}/metrics`)).text()
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'rpc_worker_jobs_total', 'rpc_worker_queue', 'rpc_worker_threads']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} exported`)
    }
    assert.match(text, /^rpc_worker_jobs_total\{kind="call",outcome="aborted"\} [1-9]/m, 'timed-out calls counted')
  })
})

describe('limits: --rpc.workers, --rpc.workqueue, --rpc.evmtimeout, --rpc.gascap', () => {
  let e: E2ENode
  before(async () => {
    e = await startE2ENode({ period: 1, extraArgs: ['--rpc.workers', '1', '--rpc.workqueue', '1', '--rpc.evmtimeout', '1500ms', '--rpc.gascap', '100000'] })
  })
  after(() => e?.stop())

  it('caps call gas at --rpc.gascap', async () => {
    const capped = await e.rpcResponse('eth_call', [{ data: INFINITE_LOOP, gas: '0x100000000' }, 'latest'])
    assert.deepEqual(capped.error, { code: -32000, message: 'out of gas' }, 'the loop ran out of the capped 100,000 gas at once')
    const estimate = await e.rpcResponse('eth_estimateGas', [{ data: INFINITE_LOOP }])
    assert.deepEqual(estimate.error, { code: -32000, message: 'gas required exceeds allowance (100000)' })
  })

  it('refuses heavy work past --rpc.workqueue with -32005 at once', async () => {
    // 12 proofs of 1,024 keys at once: one runs on the only thread, one waits, the rest are refused.
    const keys = Array.from({ length: 1024 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`)
    const answers = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const started = performance.now()
        const response = await e.rpcResponse('eth_getProof', [VOUCHER, keys, 'latest'])
        return { response, ms: performance.now() - started }
      }),
    )
    // A proof that waited for the thread may also run out of its 1.5 s budget (-32002).
    const refused = answers.filter((a) => a.response.error?.code === -32005)
    const others = answers.filter((a) => a.response.error?.code !== -32005)
    assert.ok(refused.length >= 8, `at most one running and one waiting: ${refused.length} of 12 refused`)
    for (const { response } of refused) assert.match(response.error?.message ?? '', /^server busy: /)
    for (const { response } of others) assert.ok(response.error === undefined || response.error.code === -32002, JSON.stringify(response.error))
    const slowestOther = Math.max(...others.map((a) => a.ms))
    assert.ok(refused.every((a) => a.ms < slowestOther), 'refusals do not wait for a thread')
  })

  it('gives each request one --rpc.evmtimeout budget: proofs past it answer "request timed out"', async () => {
    const started = performance.now()
    const { body: answers } = await e.post(proofBatch(VOUCHER, 60))
    const seconds = (performance.now() - started) / 1000
    const errors = (answers as { error?: { code: number; message: string } }[]).flatMap((a) => (a.error === undefined ? [] : [a.error]))
    assert.ok(errors.length > 0 && errors.length < 60, `the first proofs ran, the ones past 1.5 s did not (${errors.length} of 60 refused)`)
    assert.deepEqual(new Set(errors.map((error) => JSON.stringify(error))), new Set([JSON.stringify({ code: -32002, message: 'request timed out' })]))
    assert.ok(seconds < 4, `the batch was answered soon after its budget (${seconds.toFixed(1)} s)`)
  })
})

describe('a client that hangs up', () => {
  let e: E2ENode
  before(async () => {
    e = await startE2ENode({ period: 1, extraArgs: ['--rpc.workers', '1', '--rpc.workqueue', '1', '--rpc.gascap', ENDLESS_GAS_CAP] })
  })
  after(() => e?.stop())

  it('stops the heavy work of a client that hangs up: its thread serves the next call at once', async () => {
    // Two loops take the only thread and the only queue slot, then their clients disconnect.
    const hangUp = new AbortController()
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ data: INFINITE_LOOP }, 'latest'] })
    const loops = Array.from({ length: 2 }, () =>
      fetch(e.node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: hangUp.signal }).catch((err: Error) => err.name),
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal((await e.rpcResponse('eth_call', [{ data: INFINITE_LOOP }, 'latest'])).error?.code, -32005, 'thread and queue are taken')
    hangUp.abort()
    assert.deepEqual(await Promise.all(loops), ['AbortError', 'AbortError'])
    // Without the hang-up the next call would wait for the loops' 5 s budgets, and time out.
    const started = performance.now()
    assert.equal(await e.rpc('eth_call', [{ to: VOUCHER, data: '0x313ce567' }, 'latest']), `0x${'0'.repeat(64)}`, 'decimals() of the voucher (0)')
    const ms = performance.now() - started
    // The loops' budget is 5 s; the answer needs only a fresh thread (it loads the EVM cold).
    assert.ok(ms < 3000, `answered ${ms.toFixed(0)} ms after the hang-up, before the abandoned loops' 5 s budget ran out`)
  })
})

describe('calls cut off at their deadline, back to back', () => {
  let e: E2ENode
  before(async () => {
    e = await startE2ENode({ period: 1, extraArgs: ['--rpc.evmtimeout', '200ms', '--rpc.workers', '2', '--rpc.gascap', ENDLESS_GAS_CAP] })
  })
  after(() => e?.stop())

  it('never take the node down: 300 infinite loops sent 50 ms apart, each stopped at 200 ms', async () => {
    // Each timeout terminates a worker thread wherever it is, inside hashing included (with native
    // crypto in the workers this pattern aborted the process within ~15 s).
    const answers = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 50))
        return (await e.rpcResponse('eth_call', [{ data: INFINITE_LOOP }, 'latest'])).error?.message
      }),
    )
    assert.ok(answers.every((message) => message === 'execution aborted (timeout = 200ms)' || /^server busy/.test(message ?? '')), [...new Set(answers)].join(' | '))
    assert.equal(e.node.process.exitCode, null, 'the node is still running')
    assert.match(await e.rpc<string>('eth_blockNumber'), /^0x/)
  })
})
