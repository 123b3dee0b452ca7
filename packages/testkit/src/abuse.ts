// The liveness load of issue 7, shared by its e2e test (which asserts on it) and the benchmark
// (which reports it): 16 clients sending an infinite-loop eth_call back to back, and one
// sending ~5 MB batches of eth_getProof with 1,024 storage keys per call, while a probe on its
// own thread polls eth_blockNumber every 20 ms and notes when each block number first appears.
import { Worker } from 'node:worker_threads'

/** A contract-creation call that jumps back to its start forever: JUMPDEST x 1000, PUSH1 0, JUMP. */
export const INFINITE_LOOP = `0x${'5b'.repeat(1000)}600056`
/**
 * A --rpc.gascap (uint64's largest, geth's type) no INFINITE_LOOP call runs out of before a
 * timeout: the loop burns about one gas per opcode, and the EVM runs tens of millions of opcodes
 * a second, so geth's default cap of 50,000,000 ends it in about a second, with "out of gas".
 */
export const ENDLESS_GAS_CAP = '18446744073709551615'

export interface AbuseOptions {
  /** JSON-RPC URL of the node under load. */
  url: string
  /** Address whose storage the proofs walk (a contract with storage). */
  proofAddress: string
  seconds: number
  /** Clients sending the infinite loop; 0 for a quiet baseline. Default 16. */
  loopClients?: number
  /** Whether one client sends back-to-back proof batches. Default true. */
  proofs?: boolean
  /** Clients sending back-to-back batches of 1,000 cheap reads (eth_getBalance). Default 0. */
  batchClients?: number
  /** Clients sending back-to-back 5 MB bodies of nested brackets (a JSON.parse bomb). Default 0. */
  nestedClients?: number
}

export interface AbuseReport {
  /** Latency of every eth_blockNumber probe, in ms. */
  latencies: number[]
  /** Block numbers in order, with when the probe first saw each (ms, `performance.now()` of the probe thread). */
  arrivals: [number, number][]
  /** How the loop calls were answered: `"<code> <message>"` (or "result") -> count. */
  loopAnswers: Map<string, number>
  /** Proof batches sent (each answered or cut off at the end). */
  proofBatches: number
  /** The body of one proof batch, in bytes. */
  proofBatchBytes: number
}

/** Value at percentile `p` (0-100) of `values`, nearest-rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** Gaps between consecutive block arrivals in ms, with how many numbers each skipped. */
export function blockGaps(arrivals: [number, number][]): { number: number; gap: number; skipped: number }[] {
  return arrivals.slice(1).map(([number, at], i) => ({ number, gap: at - arrivals[i][1], skipped: number - arrivals[i][0] - 1 }))
}

/** One ~5 MB JSON-RPC batch: 70 eth_getProof calls of 1,024 storage keys each (under geth's 5 MiB body limit). */
export function proofBatch(address: string, calls = 70): string {
  const keys = Array.from({ length: 1024 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`)
  return JSON.stringify(Array.from({ length: calls }, (_, id) => ({ jsonrpc: '2.0', id, method: 'eth_getProof', params: [address, keys, 'latest'] })))
}

/** Reads an answer to its end unparsed: parsing megabytes would load this thread, not the node. */
async function drain(response: Response): Promise<void> {
  for await (const _chunk of response.body ?? []) {
    // discard
  }
}

async function post(url: string, body: string, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal })
}

/** Runs the load for `seconds` and returns what the probe and the clients saw. */
export async function runAbuse(options: AbuseOptions): Promise<AbuseReport> {
  const stop = new AbortController()
  const loopAnswers = new Map<string, number>()
  const loopBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ data: INFINITE_LOOP }, 'latest'] })
  const loops = Array.from({ length: options.loopClients ?? 16 }, async () => {
    while (!stop.signal.aborted) {
      const answer = await post(options.url, loopBody, stop.signal)
        .then((response) => response.json() as Promise<{ error?: { code: number; message: string } }>)
        .catch(() => undefined)
      if (answer === undefined || stop.signal.aborted) break
      const key = answer.error === undefined ? 'result' : `${answer.error.code} ${answer.error.message}`
      loopAnswers.set(key, (loopAnswers.get(key) ?? 0) + 1)
    }
  })
  const batch = proofBatch(options.proofAddress)
  let proofBatches = 0
  const prover = (async () => {
    while (options.proofs !== false && !stop.signal.aborted) {
      // The answer (up to 25 MB) is drained unread: parsing it would load this thread, not the node.
      await post(options.url, batch, stop.signal).then(drain).catch(() => undefined)
      proofBatches++
    }
  })()
  const repeat = (count: number | undefined, body: string) =>
    Array.from({ length: count ?? 0 }, async () => {
      while (!stop.signal.aborted) await post(options.url, body, stop.signal).then(drain).catch(() => undefined)
    })
  const balances = JSON.stringify(Array.from({ length: 1000 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'eth_getBalance', params: [`0x${id.toString(16).padStart(40, '0')}`, 'latest'] })))
  const nested = `${'['.repeat(2_500_000)}${']'.repeat(2_500_000)}`
  const flooders = [...repeat(options.batchClients, balances), ...repeat(options.nestedClients, nested)]
  const { latencies, arrivals } = await probe(options.url, options.seconds)
  stop.abort()
  await Promise.all([...loops, prover, ...flooders])
  return { latencies, arrivals, loopAnswers, proofBatches, proofBatchBytes: batch.length }
}

/**
 * Polls eth_blockNumber every 20 ms from its own thread, so the load generated on this
 * thread cannot delay the probe and pass for the node's latency.
 */
function probe(url: string, seconds: number): Promise<{ latencies: number[]; arrivals: [number, number][] }> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads')
    const latencies = []
    const arrivals = []
    const end = performance.now() + workerData.seconds * 1000
    ;(async () => {
      while (performance.now() < end) {
        const started = performance.now()
        const response = await fetch(workerData.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' })
        const { result } = await response.json()
        const done = performance.now()
        latencies.push(done - started)
        const number = Number(result)
        if (arrivals.length === 0 || arrivals[arrivals.length - 1][0] !== number) arrivals.push([number, done])
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      parentPort.postMessage({ latencies, arrivals })
    })()
  `
  const worker = new Worker(source, { eval: true, workerData: { url, seconds } })
  return new Promise((resolve, reject) => {
    worker.once('message', (result: { latencies: number[]; arrivals: [number, number][] }) => {
      resolve(result)
      void worker.terminate()
    })
    worker.once('error', reject)
  })
}

/** A gauge's value in one /metrics scrape (prom-client resets the event-loop histogram on each). */
export function metricValue(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.split(' ')[1])
}
