// QBFT figures for `npm run bench` (issue 8, "Speed"): a network of 4 validator processes
// at a 1 s block period on this machine, transactions submitted to validator 0 (the entry
// node; no separate RPC node). Measured: ETH and ERC-20 transfers per second committed under
// the benchmark's workload; the time from a transaction's submission (its batch sent) to its
// block arriving over newHeads at the entry node (final: QBFT never reverts a committed block),
// under that load and for single transactions on the idle network; a paced ERC-20 load below
// capacity (--qbft-paced tx/s for 20 s), whether the block period holds; block sizes and intervals;
// the validators' `sealed block` times, CPU and round changes. The single-node dev chain rows
// of the same run are the reference; Besu's published figures are the external one.
import { percentile, prng } from '@busan/testkit'
import { blockLog, blockStats, type BlockLog, type BlockStats, type SeenBlock } from './block-log.ts'
import { until, watchHeads } from './heads.ts'
import { cpuSeconds, startQbftNetwork, type QbftNetwork } from './qbft-network.ts'
import { RpcClient } from './rpc-client.ts'
import { prepareWorkload } from './token.ts'
import { senderKeys, sign, timedPhase, type BuildTx, type Sender, type Shape } from './workload.ts'

export interface QbftOptions {
  senders: number
  perSender: number
  shape: Shape
  /** Single transactions timed on the idle network. */
  idleSamples: number
  validators: number
  period: number
  requestTimeoutSeconds: number
  /** Writes validator 0's CPU profile here (`--cpu-prof`). */
  profileDir?: string
  /** The paced ERC-20 load: transactions per second offered, for `pacedSeconds` (0: none). */
  pacedRate: number
  pacedSeconds: number
}

export interface QbftRow extends BlockStats {
  phase: string
  transactions: number
  /** Transactions per second committed: first batch sent until the block with the last one arrived (loads only). */
  tps: number | undefined
  latencyP50Ms: number
  latencyP99Ms: number
  seconds: number
  /** CPU the validator processes used over the phase, in cores (this machine has 2). */
  validatorCores: number
  /** The validators' CPU time (all four) per transaction of a load: 2,000 / this bounds tx/s on 2 cores. */
  validatorCpuMsPerTx: number
  /** CPU this process (the load generator; it signs before the clock starts) used, in cores. */
  benchCores: number
  /** `ms` of the validators' `sealed block` lines for blocks with transactions (mean, max). */
  sealedMsMean: number
  sealedMsMax: number
  /** Rounds (height, round) that some validator left on a timeout or a round change. */
  roundsAbandoned: number
}

/** The running network as the phases use it: its validators, the entry node's RPC and the blocks it announced. */
interface Harness {
  net: QbftNetwork
  client: RpcClient
  log: BlockLog
  /** Blocks announced so far. */
  arrivals(): number
}

/** Where a phase started: blocks seen, log lines printed and CPU used until then. */
interface Marks {
  arrival: number
  logs: number[]
  cpu: number[]
  bench: NodeJS.CpuUsage
  at: number
}

/** Takes the marks a phase's row is measured from. */
function marks({ net, arrivals }: Harness): Marks {
  return { arrival: arrivals(), logs: net.nodes.map((node) => node.logs.length), cpu: net.nodes.map((node) => cpuSeconds(node.process.pid!)), bench: process.cpuUsage(), at: performance.now() }
}

/** Waits until every hash in `sent` is in a block that arrived since `from`; returns those blocks, the one before first. */
async function finalBlocks(log: BlockLog, from: number, sent: Map<string, number>): Promise<SeenBlock[]> {
  const included = async () => {
    const blocks = await log(from - 1)
    let found = 0
    for (const block of blocks) for (const tx of block.transactions) if (sent.has(tx)) found++
    return found === sent.size
  }
  await until(included, 300_000)
  return log(from - 1)
}

/** The row of one phase: `blocks` from the block before the phase on, `sent` hash -> submission time. */
function row(phase: string, { net }: Harness, start: Marks, blocks: SeenBlock[], sent: Map<string, number>, tps: number | undefined): QbftRow {
  const seconds = (performance.now() - start.at) / 1000
  const carries = (block: SeenBlock) => block.transactions.some((tx) => sent.has(tx))
  const first = blocks.findIndex(carries)
  const last = blocks.findLastIndex(carries)
  const window = blocks.slice(first, last + 1)
  const latencies = window.flatMap((block) => block.transactions.filter((tx) => sent.has(tx)).map((tx) => block.arrivedAt - sent.get(tx)!))
  const logs = net.nodes.flatMap((node, i) => node.logs.slice(start.logs[i]))
  const sealed = logs.filter((entry) => entry.msg === 'sealed block' && (entry.txs as number) > 0).map((entry) => entry.ms as number)
  const validatorCpu = net.nodes.reduce((sum, node, i) => sum + cpuSeconds(node.process.pid!) - start.cpu[i], 0)
  const bench = process.cpuUsage(start.bench)
  return {
    phase,
    transactions: sent.size,
    tps,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    seconds,
    ...blockStats(window, blocks[first - 1]),
    validatorCores: validatorCpu / seconds,
    validatorCpuMsPerTx: (validatorCpu / sent.size) * 1000,
    benchCores: (bench.user + bench.system) / 1e6 / seconds,
    sealedMsMean: sealed.reduce((a, b) => a + b, 0) / sealed.length,
    sealedMsMax: Math.max(...sealed),
    roundsAbandoned: new Set(logs.filter((entry) => String(entry.msg).startsWith('QBFT round change')).map((entry) => `${entry.height}/${entry.round}`)).size,
  }
}

/** Single transactions on the idle network, one at a time, each sent at a random point of the block period. */
async function idleLatency(h: Harness, probe: Sender, to: string, samples: number): Promise<QbftRow> {
  const start = marks(h)
  const sent = new Map<string, number>()
  const random = prng(8)
  for (let i = 0; i < samples; i++) {
    await new Promise((resolve) => setTimeout(resolve, random() * 1000))
    const raw = sign(probe.key, probe.nonce++, to, 1n, new Uint8Array(), 21_000n)
    const sentAt = performance.now()
    const hash = await h.client.call<string>('eth_sendRawTransaction', [raw])
    await finalBlocks(h.log, start.arrival, new Map([[hash, sentAt]]))
    sent.set(hash, sentAt)
  }
  return row(`single transactions, idle network (${samples})`, h, start, await h.log(start.arrival - 1), sent, undefined)
}

/**
 * One timed load: the workload's transactions, each batch's hashes noted with when it was
 * sent; the clock stops when the block holding the last of them arrives over newHeads (no
 * nonce polling: it would load the entry validator).
 */
async function load(phase: string, h: Harness, senders: Sender[], options: QbftOptions, build: BuildTx): Promise<QbftRow> {
  let start = marks(h)
  const sent = new Map<string, number>()
  const tps = await timedPhase(h.client, senders, options.perSender, options.shape, build, {
    onStart: () => (start = marks(h)),
    onSent: (hashes, sentAt) => hashes.forEach((hash) => sent.set(hash, sentAt)),
    mined: async () => void (await finalBlocks(h.log, start.arrival, sent)),
  })
  return row(phase, h, start, await finalBlocks(h.log, start.arrival, sent), sent, tps)
}

/** Batches per second of the paced load. */
const PACE_HZ = 10

/**
 * A steady load below capacity: ERC-20 transfers offered at `rate` per second for `seconds`,
 * pre-signed, sent as one batch every 1/PACE_HZ s on a fixed schedule (a late batch does not
 * shift the ones after it). Shows whether the block period holds when the network keeps up.
 */
async function pacedLoad(h: Harness, senders: Sender[], rate: number, seconds: number, build: BuildTx): Promise<QbftRow> {
  const total = rate * seconds
  const perSender = Math.ceil(total / senders.length)
  const raws: string[] = []
  for (let n = 0; n < perSender; n++) for (const [i, sender] of senders.entries()) raws.push(build(sender, sender.nonce + BigInt(n), i))
  raws.length = total
  const step = Math.ceil(rate / PACE_HZ)
  const sent = new Map<string, number>()
  const start = marks(h)
  const sends: Promise<void>[] = []
  for (let i = 0, tick = 0; i < raws.length; i += step, tick++) {
    const due = start.at + (tick * 1000) / PACE_HZ
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const batch = raws.slice(i, i + step)
    const sentAt = performance.now()
    sends.push(h.client.batch<string>(batch.map((raw) => ({ method: 'eth_sendRawTransaction', params: [raw] }))).then((hashes) => hashes.forEach((hash) => sent.set(hash, sentAt))))
  }
  await Promise.all(sends)
  // Nonces as sent: a sender's later transactions wait on none that were left out.
  senders.forEach((sender, i) => (sender.nonce += BigInt(Math.floor(total / senders.length) + (i < total % senders.length ? 1 : 0))))
  return row(`ERC-20 transfers paced at ${rate}/s for ${seconds} s (${total})`, h, start, await finalBlocks(h.log, start.arrival, sent), sent, undefined)
}

/** Starts the network, sets the workload up on it, runs the idle samples and the two loads, stops it. */
export async function measureQbft(options: QbftOptions): Promise<QbftRow[]> {
  const net = await startQbftNetwork({ validators: options.validators, period: options.period, requestTimeoutSeconds: options.requestTimeoutSeconds, profileDir: options.profileDir })
  const entry = net.nodes[0]
  const watch = watchHeads(entry.wsUrl)
  try {
    await watch.ready
    const client = new RpcClient(entry.rpcUrl)
    const h: Harness = { net, client, log: blockLog(client, watch), arrivals: () => watch.arrivals.size }
    const senders = senderKeys(options.senders)
    const build = await prepareWorkload(client, senders, options.shape)
    const total = options.senders * options.perSender
    return [
      await idleLatency(h, senders[0], senders[1].address, options.idleSamples),
      await load(`ETH transfers (${total})`, h, senders, options, build.eth),
      await load(`ERC-20 transfers (${total})`, h, senders, options, build.erc20),
      ...(options.pacedSeconds > 0 ? [await pacedLoad(h, senders, options.pacedRate, options.pacedSeconds, build.erc20)] : []),
    ]
  } finally {
    watch.close()
    await net.stop()
  }
}

/** The markdown table of `measureQbft`'s rows. */
export function qbftTable(rows: QbftRow[], options: Pick<QbftOptions, 'validators' | 'period'>): string {
  const head = `| QBFT, ${options.validators} validators, period ${options.period} s, sent to validator 0 | committed tx/s | submission → final p50 / p99 | blocks: txs mean / max (gas used) | block interval mean / max | \`sealed block\` ms mean / max | CPU: validators / load generator | validators' CPU per tx | rounds abandoned |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |`
  const lines = rows.map((r) =>
    [
      r.phase,
      r.tps === undefined ? '–' : r.tps.toFixed(0),
      `${r.latencyP50Ms.toFixed(0)} / ${r.latencyP99Ms.toFixed(0)} ms`,
      `${r.blocks}: ${r.txsPerBlockMean.toFixed(0)} / ${r.txsPerBlockMax} (${(r.gasFillMean * 100).toFixed(0)}%)`,
      `${r.intervalMeanMs.toFixed(0)} / ${r.intervalMaxMs.toFixed(0)} ms`,
      Number.isFinite(r.sealedMsMean) ? `${r.sealedMsMean.toFixed(0)} / ${r.sealedMsMax} ms` : 'n/a',
      `${r.validatorCores.toFixed(2)} / ${r.benchCores.toFixed(2)} cores`,
      r.tps === undefined ? '–' : `${r.validatorCpuMsPerTx.toFixed(1)} ms`,
      String(r.roundsAbandoned),
    ].join(' | '),
  )
  return [head, ...lines.map((line) => `| ${line} |`)].join('\n')
}
