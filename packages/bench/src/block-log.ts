// The blocks a node announced over newHeads, with when each arrived here and what it holds:
// the benchmark's view of when a transaction became final (on QBFT a block is final when it is
// committed, so its arrival at the entry node is the moment the submitter can rely on it).
import type { HeadWatch } from './heads.ts'
import type { RpcClient } from './rpc-client.ts'

export interface SeenBlock {
  hash: string
  number: number
  /** `performance.now()` when its newHeads notification arrived. */
  arrivedAt: number
  transactions: string[]
  gasUsed: number
  gasLimit: number
}

/** Blocks from arrival number `from` on (0 = the first the watch saw), fetched once each. */
export type BlockLog = (from: number) => Promise<SeenBlock[]>

export function blockLog(client: RpcClient, watch: HeadWatch): BlockLog {
  const seen = new Map<string, SeenBlock>()
  return async (from) => {
    const arrivals = [...watch.arrivals].slice(Math.max(0, from))
    const missing = arrivals.filter(([hash]) => !seen.has(hash))
    if (missing.length > 0) {
      const blocks = await client.batch<{ number: string; transactions: string[]; gasUsed: string; gasLimit: string }>(missing.map(([hash]) => ({ method: 'eth_getBlockByHash', params: [hash, false] })))
      for (const [i, [hash, arrivedAt]] of missing.entries()) {
        const block = blocks[i]
        seen.set(hash, { hash, number: Number(block.number), arrivedAt, transactions: block.transactions, gasUsed: Number(block.gasUsed), gasLimit: Number(block.gasLimit) })
      }
    }
    return arrivals.map(([hash]) => seen.get(hash)!)
  }
}

export interface BlockStats {
  blocks: number
  txsPerBlockMean: number
  txsPerBlockMax: number
  /** Gas used over the gas limit, averaged over the blocks. */
  gasFillMean: number
  /** Between consecutive arrivals, the first block's predecessor included. */
  intervalMeanMs: number
  intervalMaxMs: number
}

/** Sizes and spacing of `window` (consecutive blocks), `before` being the block that preceded it. */
export function blockStats(window: SeenBlock[], before: SeenBlock | undefined): BlockStats {
  const spaced = before === undefined ? window : [before, ...window]
  const intervals = spaced.slice(1).map((block, i) => block.arrivedAt - spaced[i].arrivedAt)
  const sizes = window.map((block) => block.transactions.length)
  const mean = (values: number[]) => (values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length)
  return {
    blocks: window.length,
    txsPerBlockMean: mean(sizes),
    txsPerBlockMax: Math.max(...sizes),
    gasFillMean: mean(window.map((block) => block.gasUsed / block.gasLimit)),
    intervalMeanMs: mean(intervals),
    intervalMaxMs: Math.max(...intervals),
  }
}
