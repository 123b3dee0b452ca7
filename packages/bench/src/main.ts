// npm run bench: sustained transactions per second into sealed, persisted blocks, end to end
// over HTTP JSON-RPC (ETH and ERC-20 transfers; in gas per second, a compute-bound contract's
// calls and the city exchange's settlement of signed orders), against anvil (or Hardhat's
// node) as the baseline in the same run, the two alternating A B A B (--rounds), medians and
// their ratio reported.
//   npm run bench -- [--senders 100] [--per-sender 50] [--batch 200] [--period 0] [--baseline anvil|hardhat|none] [--rounds 2]
//                    [--network on|off] [--liveness on|off] [--durability on|off] [--qbft on|off] [--qbft-timeout 4] [--qbft-profile DIR] [--qbft-paced 600]
//                    [--reads on|off] [--execution on|off] [--explorer on|off] [--explorer-blocks 100000] [--explorer-per-block 10] [--explorer-datadir DIR]
//                    [--soak TRANSACTIONS] [--logs on|off] [--logs-blocks 1000000] [--logs-datadir DIR]
// Then the peer network: a fresh follower's sync speed and seal-to-follower propagation;
// liveness under abusive RPC load against a quiet baseline; the cost of a synced WAL per block;
// the same workload on a 4-validator QBFT network (committed tx/s, submission-to-final latency);
// reads under 64 concurrent clients against anvil (A B A B); block execution in process (build and
// import, no RPC); with --explorer on (off by default: it builds a long chain), the explorer's pages at scale;
// with --soak N (off by default: 1,000,000 takes about 25 minutes), the node's memory while it seals N transactions;
// with --logs on (off by default: the 1,000,000-block chain takes about 30 minutes to build), eth_getLogs from block 0.
import { parseArgs } from 'node:util'
import { COMPUTE_ROUNDS, measureCompute } from './compute.ts'
import { durabilityTable, measureDurability } from './durability.ts'
import { measureExchange } from './exchange.ts'
import { executionTable, measureExecution } from './execution.ts'
import { explorerTable, measureExplorer } from './explorer.ts'
import { livenessTable, measureLiveness } from './liveness.ts'
import { measureNetwork } from './network.ts'
import { measureQbft, qbftTable } from './qbft.ts'
import { logsTable, measureLogs } from './logs.ts'
import { measureReads, readsTable } from './reads.ts'
import { measureSoak, soakTable } from './soak.ts'
import { RpcClient } from './rpc-client.ts'
import { prepareWorkload } from './token.ts'
import { senderKeys, timedPhase } from './workload.ts'
import { median } from './stats.ts'
import { startAnvil, startBusan, startHardhatNode, type BenchTarget } from './targets.ts'

const { values: flags } = parseArgs({
  options: {
    senders: { type: 'string', default: '100' },
    'per-sender': { type: 'string', default: '50' },
    batch: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '4' },
    period: { type: 'string', default: '0' },
    baseline: { type: 'string', default: 'anvil' },
    rounds: { type: 'string', default: '2' },
    network: { type: 'string', default: 'on' },
    liveness: { type: 'string', default: 'on' },
    durability: { type: 'string', default: 'on' },
    qbft: { type: 'string', default: 'on' },
    'qbft-timeout': { type: 'string', default: '4' },
    'qbft-profile': { type: 'string' },
    'qbft-paced': { type: 'string', default: '600' },
    reads: { type: 'string', default: 'on' },
    execution: { type: 'string', default: 'on' },
    explorer: { type: 'string', default: 'off' },
    'explorer-blocks': { type: 'string', default: '100000' },
    'explorer-per-block': { type: 'string', default: '10' },
    'explorer-datadir': { type: 'string' },
    soak: { type: 'string', default: '0' },
    logs: { type: 'string', default: 'off' },
    'logs-blocks': { type: 'string', default: '1000000' },
    'logs-datadir': { type: 'string' },
  },
})
const SENDERS = Number(flags.senders)
const PER_SENDER = Number(flags['per-sender'])
const SHAPE = { batch: Number(flags.batch), concurrency: Number(flags.concurrency) }

interface PhaseResult {
  tps: number
  /** Block assembly (build, seal, commit) per 1,000 transactions, when the node reports it. */
  assemblyMsPer1000?: number
}

/** Runs a timed phase and reads the node's own figures for the blocks sealed during it. */
async function phase(target: BenchTarget, run: () => Promise<number>): Promise<PhaseResult> {
  const before = target.sealedBlocks().length
  const tps = await run()
  const blocks = target.sealedBlocks().slice(before).filter((block) => block.txs > 0)
  const txs = blocks.reduce((sum, block) => sum + block.txs, 0)
  const ms = blocks.reduce((sum, block) => sum + block.ms, 0)
  return { tps, assemblyMsPer1000: txs === 0 ? undefined : (ms / txs) * 1000 }
}

/** Calls per sender of the compute-bound contract (about 1.36 million gas each). */
const COMPUTE_PER_SENDER = 5

/** Exchange settlements per sender (two signed orders each, about 200,000 gas). */
const SETTLE_PER_SENDER = 5

async function measure(target: BenchTarget): Promise<Omit<NodeRun, 'name'>> {
  const client = new RpcClient(target.rpcUrl)
  const senders = senderKeys(SENDERS)
  const build = await prepareWorkload(client, senders, SHAPE)
  const eth = await phase(target, () => timedPhase(client, senders, PER_SENDER, SHAPE, build.eth))
  const erc20 = await phase(target, () => timedPhase(client, senders, PER_SENDER, SHAPE, build.erc20))
  const compute = await measureCompute(client, senders[0], senders, COMPUTE_PER_SENDER, SHAPE)
  const exchange = await measureExchange(client, senders, SETTLE_PER_SENDER, SHAPE)
  return { eth, erc20, computeMgas: compute.mgasPerSecond, settleMgas: exchange.mgasPerSecond, settlesPerSecond: exchange.settlementsPerSecond }
}

interface NodeRun {
  name: string
  eth: PhaseResult
  erc20: PhaseResult
  /** Million gas per second of the compute-bound calls. */
  computeMgas: number
  /** Million gas per second of the exchange settlements, and settlements per second. */
  settleMgas: number
  settlesPerSecond: number
}

/** One row per node: the median of its rounds (tx/s, assembly per 1,000 transactions). */
function rows(runs: NodeRun[]): string[] {
  const names = [...new Set(runs.map((run) => run.name))]
  const of = (name: string, pick: (run: NodeRun) => number | undefined) => median(runs.filter((run) => run.name === name).map(pick).filter((v): v is number => v !== undefined))
  const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : `${value.toFixed(0)} ms`)
  const lines = names.map(
    (name) =>
      `| ${name} | ${of(name, (r) => r.eth.tps).toFixed(0)} | ${of(name, (r) => r.erc20.tps).toFixed(0)} | ${of(name, (r) => r.computeMgas).toFixed(1)} | ${of(name, (r) => r.settleMgas).toFixed(1)} (${of(name, (r) => r.settlesPerSecond).toFixed(0)}/s) | ${ms(of(name, (r) => r.eth.assemblyMsPer1000))} | ${ms(of(name, (r) => r.erc20.assemblyMsPer1000))} |`,
  )
  if (names.length === 2) {
    const ratio = (pick: (run: NodeRun) => number) => (of(names[0], pick) / of(names[1], pick)).toFixed(2)
    lines.push(`| ratio (ours / baseline) | ${ratio((r) => r.eth.tps)} | ${ratio((r) => r.erc20.tps)} | ${ratio((r) => r.computeMgas)} | ${ratio((r) => r.settleMgas)} | | |`)
  }
  return lines
}

const BASELINES: Record<string, (() => Promise<BenchTarget>) | undefined> = { anvil: startAnvil, hardhat: () => startHardhatNode(18545), none: undefined }

async function main(): Promise<void> {
  const total = SENDERS * PER_SENDER
  if (!(flags.baseline in BASELINES)) throw new Error(`--baseline must be one of ${Object.keys(BASELINES).join(', ')}`)
  const baseline = BASELINES[flags.baseline]
  console.log(`workload: ${SENDERS} senders x ${PER_SENDER} pre-signed EIP-1559 transactions (${total} per phase), JSON-RPC batches of ${SHAPE.batch}, ${SHAPE.concurrency} in flight`)
  const runs: NodeRun[] = []
  let network = ''
  // A B A B: each round starts every node fresh, so a slow moment of the machine falls on both.
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const start of [() => startBusan(Number(flags.period)), ...(baseline === undefined ? [] : [baseline])]) {
      const target = await start()
      try {
        runs.push({ name: target.name, ...(await measure(target)) })
      } finally {
        await target.stop()
      }
    }
  }
  if (flags.network === 'on') {
    const net = await measureNetwork({ senders: SENDERS, perSender: PER_SENDER * 2, shape: SHAPE, latencySamples: 20 })
    network = `\n| follower sync over libp2p (${net.blocks} blocks, ${net.transactions} txs) | fresh follower caught up in | propagation seal → follower (median / max of 20) |\n| --- | --- | --- |\n| ${net.syncBlocksPerSecond.toFixed(1)} blocks/s, ${net.syncTransactionsPerSecond.toFixed(0)} tx/s | ${net.catchUpSeconds.toFixed(1)} s | ${net.propagationMedianMs.toFixed(0)} ms / ${net.propagationMaxMs.toFixed(0)} ms |`
  }
  const liveness = flags.liveness === 'on' ? livenessTable(await measureLiveness(20)) : ''
  const durability = flags.durability === 'on' ? durabilityTable(await measureDurability()) : ''
  const qbft = flags.qbft === 'on' ? await qbftPhase() : ''
  const reads = flags.reads === 'on' ? readsTable(await measureReads({ seconds: 5, rounds: 2 })) : ''
  const execution = flags.execution === 'on' ? executionTable(await measureExecution({ blocks: 6, perBlock: 1000 })) : ''
  const soakTransactions = Number(flags.soak)
  const soak = soakTransactions > 0 ? soakTable(await measureSoak({ transactions: soakTransactions, sampleEvery: Math.max(1, Math.round(soakTransactions / 10)), log: console.log })) : ''
  const logs = flags.logs === 'on' ? logsTable(await measureLogs({ blocks: Number(flags['logs-blocks']), eventEvery: 1000, dataDir: flags['logs-datadir'], log: console.log })) : ''
  const explorer = flags.explorer === 'on' ? explorerTable(await measureExplorer({ blocks: Number(flags['explorer-blocks']), perBlock: Number(flags['explorer-per-block']), dataDir: flags['explorer-datadir'] })) : ''
  console.log(
    `\n| node (median of ${flags.rounds} runs, A B A B) | ETH transfers/s | ERC-20 transfers/s | compute-bound calls, Mgas/s (${SENDERS * COMPUTE_PER_SENDER} x work(${COMPUTE_ROUNDS})) | exchange settle, Mgas/s (${SENDERS * SETTLE_PER_SENDER} signed order pairs) | assembly per 1,000 ETH transfers | assembly per 1,000 ERC-20 transfers |\n| --- | --- | --- | --- | --- | --- | --- |`,
  )
  for (const line of rows(runs)) console.log(line)
  console.log(network)
  if (liveness !== '') console.log(`\n${liveness}`)
  if (durability !== '') console.log(`\n${durability}`)
  if (qbft !== '') console.log(`\n${qbft}`)
  if (reads !== '') console.log(`\n${reads}`)
  if (execution !== '') console.log(`\n${execution}`)
  if (explorer !== '') console.log(`\n${explorer}`)
  if (soak !== '') console.log(`\n${soak}`)
  if (logs !== '') console.log(`\n${logs}`)
}

/** The QBFT network's table (4 validators, period 1 s, round-0 timeout --qbft-timeout seconds), with how long the phase took. */
async function qbftPhase(): Promise<string> {
  const started = performance.now()
  const network = { validators: 4, period: 1 }
  const rows = await measureQbft({ senders: SENDERS, perSender: PER_SENDER, shape: SHAPE, idleSamples: 20, requestTimeoutSeconds: Number(flags['qbft-timeout']), profileDir: flags['qbft-profile'], pacedRate: Number(flags['qbft-paced']), pacedSeconds: 20, ...network })
  return `${qbftTable(rows, network)}

(QBFT phase: ${((performance.now() - started) / 1000).toFixed(0)} s)`
}

await main()
