// Prometheus metrics of the pool, on the registry the node gives it. The gauges are read
// when scraped, so adding a transaction costs one counter increment.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { TxPoolStatus } from './interface.ts'

export class PoolMetrics {
  readonly added: Counter
  readonly rejected: Counter<'reason'>
  readonly dropped: Counter<'reason'>
  readonly recoveredAhead: Counter

  constructor(registry: Registry, status: () => TxPoolStatus) {
    // A node runs one pool; a second pool on the same registry (tests) takes the names over.
    for (const name of ['txpool_pending', 'txpool_queued', 'txpool_added_total', 'txpool_rejected_total', 'txpool_dropped_total', 'txpool_senders_recovered_ahead_total']) {
      if (registry.getSingleMetric(name) !== undefined) registry.removeSingleMetric(name)
    }
    const registers = [registry]
    new Gauge({
      name: 'txpool_pending',
      help: 'Executable transactions in the pool',
      registers,
      collect() {
        this.set(status().pending)
      },
    })
    new Gauge({
      name: 'txpool_queued',
      help: 'Future (nonce-gapped) transactions in the pool',
      registers,
      collect() {
        this.set(status().queued)
      },
    })
    this.added = new Counter({ name: 'txpool_added_total', help: 'Transactions accepted into the pool', registers })
    this.rejected = new Counter({ name: 'txpool_rejected_total', help: 'Transactions the pool refused, by reason', labelNames: ['reason'], registers })
    this.dropped = new Counter({ name: 'txpool_dropped_total', help: 'Transactions that left the pool unmined, by reason', labelNames: ['reason'], registers })
    this.recoveredAhead = new Counter({ name: 'txpool_senders_recovered_ahead_total', help: 'Raw transactions whose sender the sender recovery thread recovered before their admission (a batch\'s)', registers })
  }
}
