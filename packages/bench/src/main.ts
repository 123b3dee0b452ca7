// npm run bench: sustained transactions per second into sealed, persisted blocks, end to end
// over HTTP JSON-RPC, against Hardhat's node as the baseline in the same run.
//   npm run bench -- [--senders 100] [--per-sender 50] [--batch 200] [--period 0] [--baseline hardhat|none]
//                    [--network on|off] [--liveness on|off] [--durability on|off]
// Then the peer network: a fresh follower's sync speed and seal-to-follower propagation;
// liveness under abusive RPC load against a quiet baseline; the cost of a synced WAL per block.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { bigIntToUnpaddedBytes, bytesToHex, generateAddress, hexToBytes } from '@ethereumjs/util'
import { Interface } from 'ethers'
import { durabilityTable, measureDurability } from './durability.ts'
import { livenessTable, measureLiveness } from './liveness.ts'
import { measureNetwork } from './network.ts'
import { RpcClient } from './rpc-client.ts'
import { fundSenders, senderKeys, sendAll, sign, timedPhase, waitForNonces } from './workload.ts'
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
  },
})
const SENDERS = Number(flags.senders)
const PER_SENDER = Number(flags['per-sender'])
const SHAPE = { batch: Number(flags.batch), concurrency: Number(flags.concurrency) }
const repoRoot = resolve(import.meta.dirname, '../../..')

function benchToken(): { abi: Interface; bytecode: string } {
  const artifact = resolve(repoRoot, 'artifacts/contracts/bench/BenchToken.sol/BenchToken.json')
  if (!existsSync(artifact)) execFileSync(process.execPath, [resolve(repoRoot, 'node_modules/hardhat/dist/src/cli.js'), 'build'], { cwd: repoRoot, stdio: 'inherit' })
  const json = JSON.parse(readFileSync(artifact, 'utf8')) as { abi: unknown[]; bytecode: string }
  return { abi: new Interface(json.abi as string[]), bytecode: json.bytecode }
}

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
  const funders = await fundSenders(client, senders, SHAPE)

  // The token: deployed by the first funder, which then hands every sender a balance.
  const token = benchToken()
  const deployer = funders[0]
  const tokenAddress = bytesToHex(generateAddress(hexToBytes(deployer.address as `0x${string}`), bigIntToUnpaddedBytes(deployer.nonce)))
  const deploy = sign(deployer.key, deployer.nonce++, undefined, 0n, hexToBytes(`${token.bytecode}${token.abi.encodeDeploy([10n ** 30n]).slice(2)}` as `0x${string}`), 3_000_000n)
  const tokenFunding = senders.map((sender) => sign(deployer.key, deployer.nonce++, tokenAddress, 0n, hexToBytes(token.abi.encodeFunctionData('transfer', [sender.address, 10n ** 24n]) as `0x${string}`), 100_000n))
  await sendAll(client, [deploy, ...tokenFunding], SHAPE)
  await waitForNonces(client, [deployer])

  const eth = await phase(target, () => timedPhase(client, senders, PER_SENDER, SHAPE, (sender, nonce, i) => sign(sender.key, nonce, senders[(i + 1) % senders.length].address, 1n, new Uint8Array(), 21_000n)))
  const transfer = (to: string) => hexToBytes(token.abi.encodeFunctionData('transfer', [to, 1n]) as `0x${string}`)
  const erc20 = await phase(target, () => timedPhase(client, senders, PER_SENDER, SHAPE, (sender, nonce, i) => sign(sender.key, nonce, tokenAddress, 0n, transfer(senders[(i + 1) % senders.length].address), 80_000n)))
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
  console.log('\n| node | ETH transfers/s | ERC-20 transfers/s | assembly per 1,000 ETH transfers | assembly per 1,000 ERC-20 transfers |\n| --- | --- | --- | --- | --- |')
  for (const line of rows) console.log(line)
  console.log(network)
  if (liveness !== '') console.log(`\n${liveness}`)
  if (durability !== '') console.log(`\n${durability}`)
}

await main()
