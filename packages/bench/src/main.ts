// npm run bench: sustained transactions per second into sealed, persisted blocks, end to end
// over HTTP JSON-RPC, against Hardhat's node as the baseline in the same run.
//   npm run bench -- [--senders 100] [--per-sender 50] [--batch 200] [--period 0] [--baseline hardhat|none]
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { bigIntToUnpaddedBytes, bytesToHex, generateAddress, hexToBytes } from '@ethereumjs/util'
import { Interface } from 'ethers'
import { createChainCommon, devAccounts, devGenesis, keccak256, privateKeyToAddress } from '@busan/chain-config'
import { RpcClient } from './rpc-client.ts'
import { startBusan, startHardhatNode, type BenchTarget } from './targets.ts'

const { values: flags } = parseArgs({
  options: {
    senders: { type: 'string', default: '100' },
    'per-sender': { type: 'string', default: '50' },
    batch: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '4' },
    period: { type: 'string', default: '0' },
    baseline: { type: 'string', default: 'hardhat' },
  },
})
const SENDERS = Number(flags.senders)
const PER_SENDER = Number(flags['per-sender'])
const BATCH = Number(flags.batch)
const CONCURRENCY = Number(flags.concurrency)
const repoRoot = resolve(import.meta.dirname, '../../..')
const common = createChainCommon(devGenesis())
const MAX_FEE = 200n * 10n ** 9n
const TIP = 10n ** 9n

interface Sender {
  key: Uint8Array
  address: string
  nonce: bigint
}

function senderKeys(count: number): Sender[] {
  return Array.from({ length: count }, (_, i) => {
    const key = keccak256(new TextEncoder().encode(`busan-bench-sender-${i}`))
    return { key, address: bytesToHex(privateKeyToAddress(key)), nonce: 0n }
  })
}

function sign(key: Uint8Array, nonce: bigint, to: string | undefined, value: bigint, data: Uint8Array, gasLimit: bigint): string {
  const tx = createFeeMarket1559Tx({ chainId: 31337n, nonce, to: to as `0x${string}` | undefined, value, data, gasLimit, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: TIP }, { common, params: {} })
  return bytesToHex(tx.sign(key).serialize())
}

async function sendAll(client: RpcClient, raws: string[]): Promise<void> {
  const batches: string[][] = []
  for (let i = 0; i < raws.length; i += BATCH) batches.push(raws.slice(i, i + BATCH))
  let next = 0
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]
      await client.batch(batch.map((raw) => ({ method: 'eth_sendRawTransaction', params: [raw] })))
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

async function waitForNonces(client: RpcClient, accounts: { address: string; nonce: bigint }[]): Promise<void> {
  let waiting = accounts
  while (waiting.length > 0) {
    const counts = await client.batch<string>(waiting.map((a) => ({ method: 'eth_getTransactionCount', params: [a.address, 'latest'] })))
    waiting = waiting.filter((a, i) => BigInt(counts[i]) < a.nonce)
    if (waiting.length > 0) await new Promise((r) => setTimeout(r, 25))
  }
}

/** Signs `perSender` transactions for every sender up front, then times send-to-mined. */
async function timedPhase(client: RpcClient, senders: Sender[], perSender: number, build: (sender: Sender, nonce: bigint, i: number) => string): Promise<number> {
  const raws: string[] = []
  // Interleave senders so every batch carries many of them, as real traffic would.
  for (let n = 0; n < perSender; n++) {
    for (const [i, sender] of senders.entries()) raws.push(build(sender, sender.nonce + BigInt(n), i))
  }
  const started = performance.now()
  await sendAll(client, raws)
  for (const sender of senders) sender.nonce += BigInt(perSender)
  await waitForNonces(client, senders)
  return (raws.length / (performance.now() - started)) * 1000
}

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
  const funders = devAccounts().slice(1).map((a) => ({ key: hexToBytes(a.privateKey as `0x${string}`), address: a.address, nonce: 0n }))
  for (const funder of funders) funder.nonce = BigInt(await client.call<string>('eth_getTransactionCount', [funder.address, 'pending']))
  const senders = senderKeys(SENDERS)

  // Fund the senders with ether, and deploy the token from the first funder.
  const token = benchToken()
  const deployer = funders[0]
  const deployNonce = deployer.nonce++
  const tokenAddress = bytesToHex(generateAddress(hexToBytes(deployer.address as `0x${string}`), bigIntToUnpaddedBytes(deployNonce)))
  const funding = senders.map((sender, i) => {
    const funder = funders[i % funders.length]
    return sign(funder.key, funder.nonce++, sender.address, 100n * 10n ** 18n, new Uint8Array(), 21_000n)
  })
  const deploy = sign(deployer.key, deployNonce, undefined, 0n, hexToBytes(`${token.bytecode}${token.abi.encodeDeploy([10n ** 30n]).slice(2)}` as `0x${string}`), 3_000_000n)
  await sendAll(client, [deploy, ...funding])
  await waitForNonces(client, funders)
  const tokenFunding = senders.map((sender) => sign(deployer.key, deployer.nonce++, tokenAddress, 0n, hexToBytes(token.abi.encodeFunctionData('transfer', [sender.address, 10n ** 24n]) as `0x${string}`), 100_000n))
  await sendAll(client, tokenFunding)
  await waitForNonces(client, [deployer])

  const eth = await phase(target, () => timedPhase(client, senders, PER_SENDER, (sender, nonce, i) => sign(sender.key, nonce, senders[(i + 1) % senders.length].address, 1n, new Uint8Array(), 21_000n)))
  const transfer = (to: string) => hexToBytes(token.abi.encodeFunctionData('transfer', [to, 1n]) as `0x${string}`)
  const erc20 = await phase(target, () => timedPhase(client, senders, PER_SENDER, (sender, nonce, i) => sign(sender.key, nonce, tokenAddress, 0n, transfer(senders[(i + 1) % senders.length].address), 80_000n)))
  return { eth, erc20 }
}

function row(name: string, result: { eth: PhaseResult; erc20: PhaseResult }): string {
  const assembly = (r: PhaseResult) => (r.assemblyMsPer1000 === undefined ? 'n/a' : `${r.assemblyMsPer1000.toFixed(0)} ms`)
  return `| ${name} | ${result.eth.tps.toFixed(0)} | ${result.erc20.tps.toFixed(0)} | ${assembly(result.eth)} | ${assembly(result.erc20)} |`
}

async function main(): Promise<void> {
  const total = SENDERS * PER_SENDER
  console.log(`workload: ${SENDERS} senders x ${PER_SENDER} pre-signed EIP-1559 transactions (${total} per phase), JSON-RPC batches of ${BATCH}, ${CONCURRENCY} in flight`)
  const rows: string[] = []
  for (const start of [() => startBusan(Number(flags.period)), ...(flags.baseline === 'hardhat' ? [() => startHardhatNode(18545)] : [])]) {
    const target = await start()
    try {
      rows.push(row(target.name, await measure(target)))
    } finally {
      await target.stop()
    }
  }
  console.log('\n| node | ETH transfers/s | ERC-20 transfers/s | assembly per 1,000 ETH transfers | assembly per 1,000 ERC-20 transfers |\n| --- | --- | --- | --- | --- |')
  for (const line of rows) console.log(line)
}

await main()
