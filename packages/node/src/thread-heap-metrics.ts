// The V8 heaps of the node's worker threads. prom-client's default metrics
// (`nodejs_heap_size_*`) see the main thread only, yet each worker thread is an isolate of its
// own with the modules it loaded (the EVM: ~40 MB) and what its jobs allocate: a large share of
// the process's resident memory (docs/benchmarks.md, ninth session).
import type { Worker } from 'node:worker_threads'
import { Gauge, type Registry } from 'prom-client'

/** A named set of worker threads, as a Piscina pool lists them. */
export interface ThreadSet {
  /** The `pool` label: `rpc` (RpcWorkerPool), `sender-recovery` (SenderRecoveryThread). */
  name: string
  threads: () => readonly Worker[]
}

/**
 * Registers `worker_thread_heap_used_bytes` and `worker_thread_heap_size_bytes` (V8's
 * used_heap_size and total_heap_size, in bytes) summed per pool, read from each thread with
 * `Worker.getHeapStatistics()` when Prometheus scrapes. A thread that ends during the read is
 * left out of that scrape.
 */
export function registerThreadHeapMetrics(registry: Registry, sets: readonly ThreadSet[]): void {
  const readAll = () =>
    Promise.all(
      sets.map(async (set) => {
        const stats = await Promise.all(set.threads().map((thread) => thread.getHeapStatistics().catch(() => undefined)))
        const used = stats.reduce((sum, s) => sum + (s?.used_heap_size ?? 0), 0)
        const size = stats.reduce((sum, s) => sum + (s?.total_heap_size ?? 0), 0)
        return { pool: set.name, used, size }
      }),
    )
  // prom-client collects both gauges of one scrape together: they share one round of reads
  // (each a message to every thread) instead of asking every thread twice.
  let inFlight: ReturnType<typeof readAll> | undefined
  const read = () => (inFlight ??= readAll().finally(() => (inFlight = undefined)))
  new Gauge({
    name: 'worker_thread_heap_used_bytes',
    help: "V8 heap in use by the node's worker threads, by pool (the main thread's is nodejs_heap_size_used_bytes)",
    labelNames: ['pool'],
    registers: [registry],
    async collect() {
      for (const { pool, used } of await read()) this.set({ pool }, used)
    },
  })
  new Gauge({
    name: 'worker_thread_heap_size_bytes',
    help: "V8 heap reserved by the node's worker threads, by pool (the main thread's is nodejs_heap_size_total_bytes)",
    labelNames: ['pool'],
    registers: [registry],
    async collect() {
      for (const { pool, size } of await read()) this.set({ pool }, size)
    },
  })
}
