// The nodes the benchmark measures: Busan Chain, and anvil (or Hardhat's EDR node) as the
// baseline run on the same machine in the same run, so the figures compare as a ratio.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { resolve } from 'node:path'
import { startAnvilProcess, startDevNode, type DevNode } from '@busan/testkit'

export interface BenchTarget {
  name: string
  rpcUrl: string
  /** Block assembly figures, when the node reports them (ours does in its logs). */
  sealedBlocks(): { txs: number; ms: number }[]
  stop(): Promise<void>
}

/** A dev node sealing every `period` s (0: on demand); on a kept `dataDir` when given, else on a temporary one removed at stop. */
export async function startBusan(period: number, dataDir?: string): Promise<BenchTarget> {
  const node: DevNode = await startDevNode({ period, dataDir })
  return {
    name: `busan (period ${period})`,
    rpcUrl: node.rpcUrl,
    sealedBlocks: () => node.logs.filter((entry) => entry.msg === 'sealed block').map((entry) => ({ txs: entry.txs as number, ms: entry.ms as number })),
    async stop() {
      await node.stop()
      if (dataDir === undefined) node.cleanup()
    },
  }
}

export async function startHardhatNode(port: number): Promise<BenchTarget> {
  const repoRoot = resolve(import.meta.dirname, '../../..')
  // The package's exports hide its CLI file; the bin entry in node_modules is the stable path.
  const hardhatBin = resolve(repoRoot, 'node_modules/hardhat/dist/src/cli.js')
  const child = spawn(process.execPath, [hardhatBin, 'node', '--port', String(port)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((ready, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('Started HTTP and WebSocket JSON-RPC server')) ready()
    })
    child.once('exit', (code) => reject(new Error(`hardhat node exited with ${code}`)))
  })
  return {
    name: 'hardhat node (EDR, in memory, automine)',
    rpcUrl: `http://127.0.0.1:${port}`,
    sealedBlocks: () => [],
    async stop() {
      child.kill('SIGTERM')
      await new Promise((done) => child.once('exit', done))
    },
  }
}

/**
 * anvil (the pinned @foundry-rs/anvil-linux-amd64), in memory, as issue 11 sets it up: a block
 * every second with a 1-billion gas limit, Osaka rules as the dev chain's.
 */
export async function startAnvil(): Promise<BenchTarget> {
  const anvil = await startAnvilProcess(['--block-time', '1', '--gas-limit', '1000000000', '--hardfork', 'osaka'])
  return { name: 'anvil 1.7.1 (in memory, 1 s blocks, 1e9 gas limit)', rpcUrl: anvil.url, sealedBlocks: () => [], stop: () => anvil.stop() }
}
