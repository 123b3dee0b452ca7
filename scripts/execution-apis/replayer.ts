// Replays execution-apis vectors against a node over HTTP, one request at a time in the
// vectors' order (as hive's rpc-compat: one node for every vector, so the vectors that add to
// the pool run before the ones that read it), and sums the results up.
import { judge, type Outcome, type ResultCheck } from './compare.ts'
import type { Vector } from './vectors.ts'

export interface VectorResult {
  file: string
  method: string
  speconly: boolean
  outcome: Outcome
  /** Where the first differing reply differs, prefixed with its request's number when the vector has several. */
  detail?: string
  /** The method the node answered -32601 for. */
  unserved?: string
}

export interface ReplayOptions {
  /** Per request, like hive's 5 s HTTP client timeout (default 10 s). */
  timeoutMs?: number
  /** The speconly check against the spec's result schemas; without it, the example's shape. */
  checkResult?: ResultCheck
}

const RANK: Record<Outcome, number> = { pass: 0, 'strict-fail': 1, 'not-served': 2, fail: 3 }

async function post(url: string, body: string, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) })
  const text = await response.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`HTTP ${response.status}, not JSON: ${text.slice(0, 80)}`)
  }
}

/**
 * Sends one vector's requests in order. A reply that fails even leniently, or a method the node
 * does not serve, ends the vector (hive stops there too); a reply that differs only in an error
 * message does not.
 */
export async function replayVector(url: string, vector: Vector, options: ReplayOptions = {}): Promise<VectorResult> {
  const result: VectorResult = { file: vector.file, method: vector.method, speconly: vector.speconly, outcome: 'pass' }
  for (const [index, exchange] of vector.exchanges.entries()) {
    const prefix = vector.exchanges.length > 1 ? `#${index + 1} ${exchange.method}: ` : ''
    let got: unknown
    try {
      got = await post(url, exchange.request, options.timeoutMs ?? 10_000)
    } catch (error) {
      return { ...result, outcome: 'fail', detail: `${prefix}${(error as Error).message}` }
    }
    const verdict = judge(got, exchange.expected, { method: exchange.method, speconly: vector.speconly, checkResult: options.checkResult })
    if (RANK[verdict.outcome] > RANK[result.outcome]) {
      result.outcome = verdict.outcome
      result.detail = `${prefix}${verdict.detail ?? ''}`
    }
    if (verdict.outcome === 'not-served') result.unserved = exchange.method
    if (verdict.outcome === 'fail' || verdict.outcome === 'not-served') break
  }
  return result
}

/** Replays every vector in order; `onResult` sees each result as it comes. */
export async function replayAll(url: string, vectors: Vector[], options: ReplayOptions = {}, onResult?: (result: VectorResult) => void): Promise<VectorResult[]> {
  const results: VectorResult[] = []
  for (const vector of vectors) {
    const result = await replayVector(url, vector, options)
    results.push(result)
    onResult?.(result)
  }
  return results
}

export interface Counts {
  total: number
  /** Equal to the vector, error messages included. */
  strict: number
  /** Equal except for error messages (hive's rule); not counted in `strict`. */
  lenientOnly: number
  fail: number
  notServed: number
}

export interface Summary extends Counts {
  /** strict / total. */
  strictRatio: number
  /** Passes with hive's rule among vectors whose methods the node serves: (strict + lenientOnly) / (total - notServed). */
  servedLenientRatio: number
  byMethod: Record<string, Counts>
  /** Methods the node answered -32601 for. */
  methodsNotServed: string[]
}

function emptyCounts(): Counts {
  return { total: 0, strict: 0, lenientOnly: 0, fail: 0, notServed: 0 }
}

function count(counts: Counts, outcome: Outcome): void {
  counts.total++
  if (outcome === 'pass') counts.strict++
  else if (outcome === 'strict-fail') counts.lenientOnly++
  else if (outcome === 'fail') counts.fail++
  else counts.notServed++
}

export function summarize(results: VectorResult[]): Summary {
  const all = emptyCounts()
  const byMethod: Record<string, Counts> = {}
  for (const result of results) {
    count(all, result.outcome)
    count((byMethod[result.method] ??= emptyCounts()), result.outcome)
  }
  const served = all.total - all.notServed
  const methodsNotServed = [...new Set(results.flatMap((result) => (result.unserved === undefined ? [] : [result.unserved])))].sort()
  return {
    ...all,
    strictRatio: all.total === 0 ? 0 : all.strict / all.total,
    servedLenientRatio: served === 0 ? 0 : (all.strict + all.lenientOnly) / served,
    byMethod,
    methodsNotServed,
  }
}

const LABEL: Record<Outcome, string> = { pass: 'PASS', 'strict-fail': 'STRICT-FAIL', fail: 'FAIL', 'not-served': 'NOT-SERVED' }

/** One line: `PASS file`, or the outcome, the file and where the reply differs. */
export function formatResult(result: VectorResult): string {
  const label = LABEL[result.outcome].padEnd(11)
  return result.detail === undefined ? `${label} ${result.file}` : `${label} ${result.file}  ${result.detail}`
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`
}

export function formatSummary(summary: Summary): string {
  const row = (name: string, c: Counts): string =>
    `${name.padEnd(42)} ${String(c.total).padStart(5)} ${String(c.strict).padStart(7)} ${String(c.lenientOnly).padStart(8)} ${String(c.fail).padStart(5)} ${String(c.notServed).padStart(11)}`
  const lines = [
    `${'method'.padEnd(42)} ${'total'.padStart(5)} ${'strict'.padStart(7)} ${'lenient'.padStart(8)} ${'fail'.padStart(5)} ${'not-served'.padStart(11)}`,
    ...Object.keys(summary.byMethod).sort().map((method) => row(method, summary.byMethod[method])),
    row('all', summary),
    '',
    `strict: ${summary.strict}/${summary.total} (${percent(summary.strictRatio)}); lenient only (error message differs): ${summary.lenientOnly}; fail: ${summary.fail}; not served: ${summary.notServed}`,
    `served methods' vectors passing leniently: ${percent(summary.servedLenientRatio)}`,
    `methods not served (-32601): ${summary.methodsNotServed.length === 0 ? 'none' : summary.methodsNotServed.join(', ')}`,
  ]
  return lines.join('\n')
}
