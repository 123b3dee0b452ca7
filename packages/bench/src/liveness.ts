// Liveness figures for `npm run bench` (issue 7): a dev node at --period 1, first quiet, then
// under the abuse load (16 infinite-loop eth_calls back to back and ~5 MB eth_getProof batches):
// blocks sealed, the worst gap between blocks, eth_blockNumber latency, and the main thread's
// event-loop lag as the node's own /metrics reports it. The quiet phase is the baseline.
import { ENDLESS_GAS_CAP, blockGaps, metricValue, percentile, runAbuse, startDevNode } from '@busan/testkit'

export interface LivenessFigures {
  phase: string
  seconds: number
  blocks: number
  worstGapMs: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  lagP99Ms: number
  lagMaxMs: number
}

/** The voucher proxy of the dev genesis: a contract with storage for the proofs to walk. */
const VOUCHER = '0x00000000000000000000000000000000B0500003'

export async function measureLiveness(seconds: number): Promise<LivenessFigures[]> {
  // Loops that end only at the EVM timeout, not at geth's default gas cap.
  const node = await startDevNode({ period: 1, extraArgs: ['--rpc.gascap', ENDLESS_GAS_CAP] })
  const scrape = async () => (await fetch(`${node.rpcUrl}/metrics`)).text()
  try {
    const figures: LivenessFigures[] = []
    for (const [phase, loopClients, proofs] of [
      ['quiet', 0, false],
      ['16 infinite-loop calls + 5 MB proof batches', 16, true],
    ] as const) {
      await scrape() // prom-client resets the event-loop histogram on each scrape: start the phase clean
      const report = await runAbuse({ url: node.rpcUrl, proofAddress: VOUCHER, seconds, loopClients, proofs })
      const metrics = await scrape()
      figures.push({
        phase,
        seconds,
        blocks: report.arrivals.length,
        worstGapMs: Math.max(...blockGaps(report.arrivals).map((g) => g.gap)),
        p50Ms: percentile(report.latencies, 50),
        p99Ms: percentile(report.latencies, 99),
        maxMs: Math.max(...report.latencies),
        lagP99Ms: (metricValue(metrics, 'nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
        lagMaxMs: (metricValue(metrics, 'nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
      })
    }
    return figures
  } finally {
    await node.stop()
    node.cleanup()
  }
}

export function livenessTable(figures: LivenessFigures[]): string {
  const head = '| dev node, --period 1 | blocks | worst gap | eth_blockNumber p50 / p99 / max | event-loop lag p99 / max |\n| --- | --- | --- | --- | --- |'
  const rows = figures.map(
    (f) =>
      `| ${f.phase}, ${f.seconds} s | ${f.blocks} | ${f.worstGapMs.toFixed(0)} ms | ${f.p50Ms.toFixed(1)} / ${f.p99Ms.toFixed(1)} / ${f.maxMs.toFixed(0)} ms | ${f.lagP99Ms.toFixed(1)} / ${f.lagMaxMs.toFixed(1)} ms |`,
  )
  return [head, ...rows].join('\n')
}
