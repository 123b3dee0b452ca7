// Fee suggestions: eth_gasPrice, eth_maxPriorityFeePerGas (geth's gas price oracle) and
// eth_feeHistory (geth's fee history, reward percentiles weighted by gas used).
import type { TypedTransaction } from '@ethereumjs/tx'
import type { BlockView, RpcBackend } from '../../backend.ts'
import { method, resolveBlockNumber, type MethodTable } from '../../context.ts'
import { invalidParams, serverError } from '../../errors.ts'
import { hex, quantity } from '../../format.ts'
import type { GasPriceOracleOptions } from '../../options.ts'
import { blockTag, floats, hexOrDecimal, optional, required } from '../../params.ts'

/** Lowest tips sampled per block (geth's sampleNumber). */
const SAMPLES_PER_BLOCK = 3

/** What a transaction pays the block's signer per gas above the base fee. */
export function effectiveTip(tx: TypedTransaction, baseFee: bigint): bigint {
  const t = tx as unknown as { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint }
  if (t.maxFeePerGas !== undefined && t.maxPriorityFeePerGas !== undefined) {
    const room = t.maxFeePerGas - baseFee
    return room < t.maxPriorityFeePerGas ? room : t.maxPriorityFeePerGas
  }
  return (t.gasPrice ?? 0n) - baseFee
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/**
 * geth's oracle: the lowest SAMPLES_PER_BLOCK tips of each of the last `blocks` blocks
 * (skipping tips under `ignoreTip` and the block author's own transactions); a block with
 * nothing to sample counts as the last suggestion (initially `defaultTip`) and makes the
 * oracle look one block further back, up to 2x `blocks`. The answer is the `percentile`
 * of the samples, capped at `maxTip`, and cached until the head changes.
 */
export class GasPriceOracle {
  readonly #backend: RpcBackend
  readonly #options: Required<GasPriceOracleOptions>
  #lastHead = ''
  #lastTip: bigint
  #inflight: { head: string; promise: Promise<bigint> } | undefined
  readonly #samples = new Map<string, bigint[]>()

  constructor(backend: RpcBackend, options: Required<GasPriceOracleOptions>) {
    this.#backend = backend
    this.#options = options
    this.#lastTip = options.defaultTip
  }

  async suggestTip(): Promise<bigint> {
    const head = this.#backend.chain.latest()
    const key = hex(head.hash)
    if (key === this.#lastHead) return this.#lastTip
    if (this.#inflight?.head === key) return this.#inflight.promise
    const promise = this.#compute(head).then((tip) => {
      this.#lastHead = key
      this.#lastTip = tip
      return tip
    })
    this.#inflight = { head: key, promise }
    try {
      return await promise
    } finally {
      if (this.#inflight?.promise === promise) this.#inflight = undefined
    }
  }

  async #compute(head: BlockView): Promise<bigint> {
    const { blocks, percentile, maxTip } = this.#options
    let number = head.block.header.number
    const initial: bigint[] = []
    while (initial.length < blocks && number > 0n) initial.push(number--)
    const firstRound = await Promise.all(initial.map((n) => this.#blockSamples(n, head)))
    const results: bigint[] = []
    const queue = [...firstRound]
    while (queue.length > 0) {
      let values = queue.shift() as bigint[]
      if (values.length === 0) values = [this.#lastTip]
      if (values.length === 1 && results.length + 1 + queue.length < blocks * 2 && number > 0n) queue.push(await this.#blockSamples(number--, head))
      results.push(...values)
    }
    let tip = this.#lastTip
    if (results.length > 0) {
      results.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      tip = results[Math.floor(((results.length - 1) * percentile) / 100)]
    }
    return tip > maxTip ? maxTip : tip
  }

  async #blockSamples(number: bigint, head: BlockView): Promise<bigint[]> {
    const view = number === head.block.header.number ? head : await this.#backend.chain.blockByNumber(number)
    if (view === undefined) return []
    const key = hex(view.hash)
    const cached = this.#samples.get(key)
    if (cached !== undefined) return cached
    const { header, transactions } = view.block
    const baseFee = header.baseFeePerGas ?? 0n
    const author = header.coinbase.bytes
    const tips: bigint[] = []
    transactions.forEach((tx, i) => {
      const tip = effectiveTip(tx, baseFee)
      if (tip < this.#options.ignoreTip) return
      if (view.senders[i] !== undefined && sameBytes(view.senders[i], author)) return
      tips.push(tip)
    })
    tips.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const samples = tips.slice(0, SAMPLES_PER_BLOCK)
    this.#samples.set(key, samples)
    if (this.#samples.size > this.#options.blocks * 4) this.#samples.delete(this.#samples.keys().next().value as string)
    return samples
  }
}

/** Per-percentile tips of one block, weighted by each transaction's gas used (geth's processBlock). */
async function blockRewards(backend: RpcBackend, view: BlockView, percentiles: number[]): Promise<string[]> {
  const { header, transactions } = view.block
  if (header.gasUsed === 0n || transactions.length === 0) return percentiles.map(() => '0x0')
  const txGasUsed = await backend.chain.gasUsedPerTransaction(view)
  const baseFee = header.baseFeePerGas ?? 0n
  const sorted = transactions
    .map((tx, i) => ({ reward: effectiveTip(tx, baseFee), gasUsed: txGasUsed[i] ?? 0n }))
    .sort((a, b) => (a.reward < b.reward ? -1 : a.reward > b.reward ? 1 : 0))
  const gasUsed = Number(header.gasUsed)
  let txIndex = 0
  let sumGasUsed = sorted[0].gasUsed
  return percentiles.map((p) => {
    const threshold = BigInt(Math.floor((gasUsed * p) / 100))
    while (sumGasUsed < threshold && txIndex < sorted.length - 1) {
      txIndex++
      sumGasUsed += sorted[txIndex].gasUsed
    }
    return quantity(sorted[txIndex].reward)
  })
}

function checkPercentiles(percentiles: number[], max: number): void {
  if (percentiles.length > max) throw invalidParams(`invalid reward percentile: over the query limit ${max}`)
  percentiles.forEach((p, i) => {
    if (!(p >= 0 && p <= 100)) throw invalidParams(`invalid reward percentile: ${p.toFixed(6)}`)
    if (i > 0 && p < percentiles[i - 1]) {
      throw invalidParams(`invalid reward percentile: #${i - 1}:${percentiles[i - 1].toFixed(6)} > #${i}:${p.toFixed(6)}`)
    }
  })
}

export const feeMethods: MethodTable = {
  eth_maxPriorityFeePerGas: method([], async (ctx) => quantity(await ctx.gasOracle.suggestTip())),

  /** execution-apis eth_baseFee: the base fee of the next block (EIP-1559), in wei. */
  eth_baseFee: method([], (ctx) => quantity(ctx.backend.chain.latest().block.header.calcNextBaseFee())),

  /** geth's eth_blobBaseFee: the blob base fee (EIP-4844) at the head's excess blob gas, in wei. */
  eth_blobBaseFee: method([], (ctx) => quantity(ctx.backend.chain.latest().block.header.getBlobGasPrice())),

  eth_gasPrice: method([], async (ctx) => {
    const tip = await ctx.gasOracle.suggestTip()
    return quantity(tip + (ctx.backend.chain.latest().block.header.baseFeePerGas ?? 0n))
  }),

  eth_feeHistory: method(
    [required('blockCount', hexOrDecimal), required('newestBlock', blockTag), optional('rewardPercentiles', floats)],
    async (ctx, blockCount, newestBlock, percentiles) => {
      if (percentiles !== undefined) checkPercentiles(percentiles, ctx.options.feeHistoryMaxPercentiles)
      if (blockCount === 0n) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [] }
      const { chain } = ctx.backend
      const head = chain.latest()
      const headNumber = head.block.header.number
      const newest = await resolveBlockNumber(ctx, newestBlock)
      if (newest > headNumber) throw serverError(`request beyond head block: requested ${newest}, head ${headNumber}`)
      let blocks = blockCount < BigInt(ctx.options.feeHistoryMaxBlocks) ? blockCount : BigInt(ctx.options.feeHistoryMaxBlocks)
      if (blocks > newest + 1n) blocks = newest + 1n
      const oldest = newest - blocks + 1n
      const numbers: bigint[] = []
      for (let n = oldest; n <= newest; n++) numbers.push(n)
      const views = await Promise.all(numbers.map((n) => (n === headNumber ? head : chain.blockByNumber(n))))
      const baseFeePerGas: string[] = []
      const gasUsedRatio: number[] = []
      const wantRewards = percentiles !== undefined && percentiles.length > 0
      for (const view of views) {
        if (view === undefined) throw serverError('header not found')
        const { header } = view.block
        baseFeePerGas.push(quantity(header.baseFeePerGas ?? 0n))
        gasUsedRatio.push(header.gasLimit === 0n ? 0 : Number(header.gasUsed) / Number(header.gasLimit))
      }
      const reward = wantRewards ? await Promise.all(views.map((view) => blockRewards(ctx.backend, view as BlockView, percentiles))) : []
      const last = (views[views.length - 1] as BlockView).block.header
      baseFeePerGas.push(quantity(last.baseFeePerGas === undefined ? 0n : last.calcNextBaseFee()))
      const out: Record<string, unknown> = { oldestBlock: quantity(oldest) }
      if (wantRewards) out.reward = reward
      out.baseFeePerGas = baseFeePerGas
      out.gasUsedRatio = gasUsedRatio
      // No blobs on this chain: zeros, one more base fee than blocks as for baseFeePerGas.
      out.baseFeePerBlobGas = baseFeePerGas.map(() => '0x0')
      out.blobGasUsedRatio = gasUsedRatio.map(() => 0)
      return out
    },
  ),
}
