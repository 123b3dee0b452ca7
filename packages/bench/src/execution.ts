// Block execution alone, in one process, without JSON-RPC, the pool or the network: a producer
// chain builds and seals blocks of ETH or ERC-20 transfers or of compute-bound calls, and a
// follower chain (its own RocksDB directory) verifies and re-executes each one, as a QBFT
// validator checks a proposal.
// This is the per-transaction cost every validator pays, so the figure issue 11's EVM work moves.
//   node packages/bench/src/execution.ts [--blocks 6] [--per-block 1000] [--evm-patches on|off] [--cpu-prof DIR]
// (with --cpu-prof, Node writes a CPU profile of the timed part to DIR).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Block } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex, generateAddress, hexToBytes } from '@ethereumjs/util'
import { devAccounts } from '@busan/chain-config'
import { decode, openInProcessChain, seal, sealerAddress, sealerKey, type InProcessChain } from '@busan/testkit/in-process-chain'
import { benchCompute, COMPUTE_CALL_GAS, COMPUTE_ROUNDS } from './compute.ts'
import { benchToken, type BenchToken } from './token.ts'
import { senderKeys, sign, type Sender } from './workload.ts'

interface Node extends InProcessChain {
  close(): Promise<void>
}

async function openNode(evmPatches: boolean): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'busan-exec-bench-'))
  const opened = await openInProcessChain(dir, evmPatches)
  return {
    ...opened,
    close: async () => {
      await opened.kv.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface ExecutionFigures {
  workload: string
  transactions: number
  gasUsed: bigint
  /** Producer: build, seal and commit, ms per 1,000 transactions. */
  buildMsPer1000: number
  /** Follower: verify, re-execute and commit, ms per 1,000 transactions. */
  importMsPer1000: number
  /** CPU time of the process (user + system) for both sides, ms per 1,000 transactions: steadier than wall time on a busy machine. */
  cpuMsPer1000: number
}

/**
 * Deploys the token and BenchCompute (the sealer's first two transactions) and funds `senders`
 * with ETH and tokens, in blocks both nodes import; returns the two contracts' addresses.
 */
async function setUp(producer: Node, follower: Node, token: BenchToken, senders: Sender[]): Promise<{ tokenAddress: string; computeAddress: string }> {
  const funder: Sender = { key: sealerKey, address: devAccounts()[0].address, nonce: 0n }
  const tokenAddress = bytesToHex(generateAddress(sealerAddress, new Uint8Array()))
  const computeAddress = bytesToHex(generateAddress(sealerAddress, new Uint8Array([1])))
  const deploy = sign(funder.key, funder.nonce++, undefined, 0n, hexToBytes(`${token.bytecode}${token.abi.encodeDeploy([10n ** 30n]).slice(2)}` as `0x${string}`), 3_000_000n)
  const deployCompute = sign(funder.key, funder.nonce++, undefined, 0n, hexToBytes(benchCompute().bytecode as `0x${string}`), 1_000_000n)
  const funding = senders.flatMap((sender) => [
    sign(funder.key, funder.nonce++, sender.address, 10n ** 19n, new Uint8Array(), 21_000n),
    sign(funder.key, funder.nonce++, tokenAddress, 0n, hexToBytes(token.abi.encodeFunctionData('transfer', [sender.address, 10n ** 24n]) as `0x${string}`), 100_000n),
  ])
  for (const block of [await seal(producer, [decode(deploy), decode(deployCompute)]), await seal(producer, funding.map(decode))]) await follower.chain.importBlock(block)
  return { tokenAddress, computeAddress }
}

/** Seals `blocks` on the producer, then imports them on the follower, timing each side. */
async function measure(producer: Node, follower: Node, workload: string, blocks: TypedTransaction[][]): Promise<ExecutionFigures> {
  const sealed: Block[] = []
  const cpu = process.cpuUsage()
  let started = performance.now()
  for (const txs of blocks) sealed.push(await seal(producer, txs))
  const buildMs = performance.now() - started
  started = performance.now()
  for (const block of sealed) {
    if ((await follower.chain.importBlock(block)) !== 'canonical') throw new Error(`block ${block.header.number} not imported as canonical`)
  }
  const importMs = performance.now() - started
  const { user, system } = process.cpuUsage(cpu)
  const transactions = blocks.reduce((sum, txs) => sum + txs.length, 0)
  const gasUsed = sealed.reduce((sum, block) => sum + block.header.gasUsed, 0n)
  return { workload, transactions, gasUsed, buildMsPer1000: (buildMs / transactions) * 1000, importMsPer1000: (importMs / transactions) * 1000, cpuMsPer1000: ((user + system) / 1000 / transactions) * 1000 }
}

/** Calls of BenchCompute's `work(COMPUTE_ROUNDS)` (about 1.36 million gas each) per block: the interpreter's own speed. */
const COMPUTE_PER_BLOCK = 10

/**
 * ETH and ERC-20 transfers, `blocks` blocks of `perBlock` each, and `blocks` blocks of
 * COMPUTE_PER_BLOCK compute-bound calls, built and imported in process (`evmPatches` false: the
 * EVM's steps as EthereumJS runs them).
 */
export async function measureExecution(options: { blocks: number; perBlock: number; evmPatches?: boolean; onTimed?: (timed: () => Promise<void>) => Promise<void> }): Promise<ExecutionFigures[]> {
  const [producer, follower] = await Promise.all([openNode(options.evmPatches ?? true), openNode(options.evmPatches ?? true)])
  try {
    const senders = senderKeys(100, 'execution')
    const token = benchToken()
    const { tokenAddress, computeAddress } = await setUp(producer, follower, token, senders)
    const transfer = (to: string) => hexToBytes(token.abi.encodeFunctionData('transfer', [to, 1n]) as `0x${string}`)
    const batch = (build: (sender: Sender, i: number) => string) =>
      Array.from({ length: options.blocks }, () => Array.from({ length: options.perBlock }, (_, i) => decode(build(senders[i % senders.length], i))))
    const ethBlocks = batch((sender, i) => sign(sender.key, sender.nonce++, senders[(i + 1) % senders.length].address, 1n, new Uint8Array(), 21_000n))
    const tokenBlocks = batch((sender, i) => sign(sender.key, sender.nonce++, tokenAddress, 0n, transfer(senders[(i + 1) % senders.length].address), 100_000n))
    const work = hexToBytes(benchCompute().abi.encodeFunctionData('work', [COMPUTE_ROUNDS]) as `0x${string}`)
    const computeBlocks = Array.from({ length: options.blocks }, () =>
      Array.from({ length: COMPUTE_PER_BLOCK }, (_, i) => decode(sign(senders[i].key, senders[i].nonce++, computeAddress, 0n, work, COMPUTE_CALL_GAS))),
    )
    // Senders recovered before the clock starts: the pool does that at admission.
    for (const txs of [...ethBlocks, ...tokenBlocks, ...computeBlocks]) for (const tx of txs) tx.getSenderAddress()
    const figures: ExecutionFigures[] = []
    const timed = async () => {
      figures.push(await measure(producer, follower, 'ETH transfers', ethBlocks))
      figures.push(await measure(producer, follower, 'ERC-20 transfers', tokenBlocks))
      figures.push(await measure(producer, follower, `compute-bound calls, work(${COMPUTE_ROUNDS})`, computeBlocks))
    }
    await (options.onTimed ?? ((run) => run()))(timed)
    return figures
  } finally {
    await Promise.all([producer.close(), follower.close()])
  }
}

/** The figures as a markdown table. */
export function executionTable(figures: ExecutionFigures[]): string {
  const rows = figures.map((f) => {
    const mgas = (ms: number) => ((Number(f.gasUsed) / f.transactions) * 1000) / (ms * 1000)
    return `| ${f.workload} (${f.transactions}) | ${f.buildMsPer1000.toFixed(0)} ms (${mgas(f.buildMsPer1000).toFixed(1)} Mgas/s) | ${f.importMsPer1000.toFixed(0)} ms (${mgas(f.importMsPer1000).toFixed(1)} Mgas/s) | ${f.cpuMsPer1000.toFixed(0)} ms |`
  })
  return ['| in-process execution | build + seal + commit per 1,000 tx | verify + execute + commit per 1,000 tx | CPU, both sides, per 1,000 tx |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { blocks: { type: 'string', default: '6' }, 'per-block': { type: 'string', default: '1000' }, 'cpu-prof': { type: 'string' }, 'evm-patches': { type: 'string', default: 'on' } } })
  const profileDir = values['cpu-prof']
  const onTimed =
    profileDir === undefined
      ? undefined
      : async (timed: () => Promise<void>) => {
          const session = new Session()
          session.connect()
          await session.post('Profiler.enable')
          await session.post('Profiler.start')
          await timed()
          const { profile } = await session.post('Profiler.stop')
          writeFileSync(join(profileDir, `execution-${Date.now()}.cpuprofile`), JSON.stringify(profile))
          session.disconnect()
        }
  console.log(executionTable(await measureExecution({ blocks: Number(values.blocks), perBlock: Number(values['per-block']), evmPatches: values['evm-patches'] !== 'off', onTimed })))
}
