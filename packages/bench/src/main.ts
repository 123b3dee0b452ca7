// npm run bench: sustained transactions per second into sealed, persisted blocks, end to end
// over HTTP JSON-RPC, against Hardhat's node as the baseline in the same run.
//   npm run bench -- [--senders 100] [--per-sender 50] [--batch 200] [--period 0] [--baseline hardhat|none]
//                    [--network on|off] [--liveness on|off] [--durability on|off] [--qbft on|off] [--qbft-timeout 4] [--qbft-profile DIR]
//                    [--reads on|off] [--execution on|off] [--explorer on|off] [--explorer-blocks 100000] [--explorer-per-block 10] [--explorer-datadir DIR]
// Then the peer network: a fresh follower's sync speed and seal-to-follower propagation;
// liveness under abusive RPC load against a quiet baseline; the cost of a synced WAL per block;
// the same workload on a 4-validator QBFT network (committed tx/s, submission-to-final latency);
// reads under 64 concurrent clients against anvil (A B A B); block execution in process (build and
// import, no RPC); with --explorer on (off by default: it builds a long chain), the explorer's pages at scale.
import { parseArgs } from 'node:util'
import { durabilityTable, measureDurability } from './durability.ts'
import { executionTable, measureExecution } from './execution.ts'
import { explorerTable, measureExplorer } from './explorer.ts'
import { livenessTable, measureLiveness } from './liveness.ts'
import { measureNetwork } from './network.ts'
import { measureQbft, qbftTable } from './qbft.ts'
import { measureReads, readsTable } from './reads.ts'
import { RpcClient } from './rpc-client.ts'
import { prepareWorkload } from './token.ts'
import { senderKeys, timedPhase } from './workload.ts'
import { startBusan, startHardhatNode, type BenchTarget } from './targets.ts'

const { values: flags } = parseArgs({
  options: {
    senders: { type: 'string', default: '100' },
    'per-sender': { type: 'string', default: '50' },
    batch: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '4' },
    period: { type: 'string', default: '0' },
    baseline: { type: 'string', default: 'hardhat' },
    network: { type: 'string', default: 'on' },
    liveness: { type: 'string', default: 'on' },
    durability: { type: 'string', default: 'on' },
    qbft: { type: 'string', default: 'on' },
    'qbft-timeout': { type: 'string', default: '4' },
    'qbft-profile': { type: 'string' },
    reads: { type: 'string', default: 'on' },
    execution: { type: 'string', default: 'on' },
    explorer: { type: 'string', default: 'off' },
    'explorer-blocks': { type: 'string', default: '100000' },
    'explorer-per-block': { type: 'string', default: '10' },
    'explorer-datadir': { type: 'string' },
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

async function measure(target: BenchTarget): Promise<{ eth: PhaseResult; erc20: PhaseResult }> {
  const client = new RpcClient(target.rpcUrl)
  const senders = senderKeys(SENDERS)
  const build = await prepareWorkload(client, senders, SHAPE)
  const eth = await phase(target, () => timedPhase(client, senders, PER_SENDER, SHAPE, build.eth))
  const erc20 = await phase(target, () => timedPhase(client, senders, PER_SENDER, SHAPE, build.erc20))
  return { eth, erc20 }
}

function row(name: string, result: { eth: PhaseResult; erc20: PhaseResult }): string {
  const assembly = (r: PhaseResult) => (r.assemblyMsPer1000 === undefined ? 'n/a' : `${r.assemblyMsPer1000.toFixed(0)} ms`)
  return `| ${name} | ${result.eth.tps.toFixed(0)} | ${result.erc20.tps.toFixed(0)} | ${assembly(result.eth)} | ${assembly(result.erc20)} |`
}

async function main(): Promise<void> {
  const total = SENDERS * PER_SENDER
  console.log(`workload: ${SENDERS} senders x ${PER_SENDER} pre-signed EIP-1559 transactions (${total} per phase), JSON-RPC batches of ${SHAPE.batch}, ${SHAPE.concurrency} in flight`)
  const rows: string[] = []
  let network = ''
  for (const start of [() => startBusan(Number(flags.period)), ...(flags.baseline === 'hardhat' ? [() => startHardhatNode(18545)] : [])]) {
    const target = await start()
    try {
      rows.push(row(target.name, await measure(target)))
    } finally {
      await target.stop()
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
  const explorer = flags.explorer === 'on' ? explorerTable(await measureExplorer({ blocks: Number(flags['explorer-blocks']), perBlock: Number(flags['explorer-per-block']), dataDir: flags['explorer-datadir'] })) : ''
  console.log('\n| node | ETH transfers/s | ERC-20 transfers/s | assembly per 1,000 ETH transfers | assembly per 1,000 ERC-20 transfers |\n| --- | --- | --- | --- | --- |')
  for (const line of rows) console.log(line)
  console.log(network)
  if (liveness !== '') console.log(`\n${liveness}`)
  if (durability !== '') console.log(`\n${durability}`)
  if (qbft !== '') console.log(`\n${qbft}`)
  if (reads !== '') console.log(`\n${reads}`)
  if (execution !== '') console.log(`\n${execution}`)
  if (explorer !== '') console.log(`\n${explorer}`)
}

/** The QBFT network's table (4 validators, period 1 s, round-0 timeout --qbft-timeout seconds), with how long the phase took. */
async function qbftPhase(): Promise<string> {
  const started = performance.now()
  const network = { validators: 4, period: 1 }
  const rows = await measureQbft({ senders: SENDERS, perSender: PER_SENDER, shape: SHAPE, idleSamples: 20, requestTimeoutSeconds: Number(flags['qbft-timeout']), profileDir: flags['qbft-profile'], ...network })
  return `${qbftTable(rows, network)}

(QBFT phase: ${((performance.now() - started) / 1000).toFixed(0)} s)`
}

await main()
