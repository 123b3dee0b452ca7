import type { Block } from '@ethereumjs/block'
import type { SkipReason } from './executor.ts'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export class ChainMetrics {
  private readonly headNumber: Gauge
  private readonly headTimestamp: Gauge
  private readonly blocks: Counter
  private readonly transactions: Counter
  private readonly gas: Counter
  private readonly blockSeconds: Histogram
  private readonly skipped: Counter

  constructor(registry: Registry) {
    const registers = [registry]
    this.headNumber = new Gauge({ name: 'chain_head_block', help: 'Number of the canonical head block', registers })
    // With chain_head_block, the block time: delta(timestamp) / delta(number) over a window.
    this.headTimestamp = new Gauge({ name: 'chain_head_timestamp_seconds', help: 'Timestamp of the canonical head block (its header), in Unix seconds', registers })
    this.blocks = new Counter({ name: 'chain_blocks_total', help: 'Blocks committed to the canonical chain', registers })
    this.transactions = new Counter({ name: 'chain_transactions_total', help: 'Transactions in committed blocks', registers })
    this.gas = new Counter({ name: 'chain_gas_used_total', help: 'Gas used by committed blocks', registers })
    this.blockSeconds = new Histogram({
      name: 'chain_block_processing_seconds',
      help: 'Time to build or import, execute and commit one block',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    })
    this.skipped = new Counter({
      name: 'chain_build_skipped_transactions_total',
      help: 'Transactions block building left out, by reason (internal = a fault, see the error log)',
      labelNames: ['reason'],
      registers,
    })
  }

  observeSkipped(reason: SkipReason): void {
    this.skipped.inc({ reason })
  }

  observeBlock(block: Block, milliseconds: number): void {
    this.headNumber.set(Number(block.header.number))
    this.headTimestamp.set(Number(block.header.timestamp))
    this.blocks.inc()
    this.transactions.inc(block.transactions.length)
    this.gas.inc(Number(block.header.gasUsed))
    this.blockSeconds.observe(milliseconds / 1000)
  }
}
