// The peer network's figures for `npm run bench`: how fast a fresh follower imports a chain
// from a sealer over libp2p, and how long a sealed block takes to reach the follower.
// Real processes (`busan run`), real RocksDB directories, 127.0.0.1.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { devAccounts, devGenesis } from '@busan/chain-config'
import { tempDataDir, type NodeProcess } from '@busan/testkit'
import { until, watchHeads } from './heads.ts'
import { initAndRun, keystoreArgs } from './processes.ts'
import { RpcClient } from './rpc-client.ts'
import { ethTransfer, fundSenders, senderKeys, sign, timedPhase, type Shape } from './workload.ts'

export interface NetworkFigures {
  blocks: number
  transactions: number
  /** From the follower being up to it holding the head: connecting, handshake and sync. */
  catchUpSeconds: number
  /** Between the follower's own 'sync started' and 'sync finished' log lines: import speed. */
  syncBlocksPerSecond: number
  syncTransactionsPerSecond: number
  propagationMedianMs: number
  propagationMaxMs: number
}

export async function measureNetwork(options: { senders: number; perSender: number; shape: Shape; latencySamples: number }): Promise<NetworkFigures> {
  const base = tempDataDir('busan-bench-net-')
  const nodes: NodeProcess[] = []
  try {
    const [sealerAccount] = devAccounts(1)
    const genesis = join(base, 'genesis.json')
    writeFileSync(genesis, JSON.stringify(devGenesis({ period: 0 })))
    const run = (name: string, extra: string[]) => initAndRun(genesis, join(base, name), extra)
    const sealer = await run('sealer', await keystoreArgs(base, 'sealer', sealerAccount))
    nodes.push(sealer)
    const sealerRpc = new RpcClient(sealer.rpcUrl)

    // A chain worth syncing: the transfer workload, sealed as fast as the sealer can.
    const senders = senderKeys(options.senders)
    await fundSenders(sealerRpc, senders, options.shape)
    await timedPhase(sealerRpc, senders, options.perSender, options.shape, ethTransfer(senders))
    const head = BigInt(await sealerRpc.call<string>('eth_blockNumber'))
    let transactions = 0
    for (let n = 1n; n <= head; n++) transactions += Number(BigInt(await sealerRpc.call<string>('eth_getBlockTransactionCountByNumber', [`0x${n.toString(16)}`])))

    // A fresh follower: from the moment it is up (it dials the sealer right after) until it holds the sealer's head.
    const follower = await run('follower', ['--bootnodes', sealer.p2pAddrs[0]])
    const started = performance.now()
    nodes.push(follower)
    const followerRpc = new RpcClient(follower.rpcUrl)
    await until(async () => BigInt(await followerRpc.call<string>('eth_blockNumber')) >= head, 600_000)
    const catchUpSeconds = (performance.now() - started) / 1000
    const logTime = (message: string) => Date.parse(String(follower.logs.find((entry) => entry.msg === message)?.time))
    await until(async () => !Number.isNaN(logTime('sync finished')), 10_000)
    const syncSeconds = (logTime('sync finished') - logTime('sync started')) / 1000

    // Propagation: one transaction at a time, each sealed block timed at both ends.
    const atSealer = watchHeads(sealer.wsUrl)
    const atFollower = watchHeads(follower.wsUrl)
    await Promise.all([atSealer.ready, atFollower.ready])
    const latencies: number[] = []
    const [probe] = senders
    for (let i = 0; i < options.latencySamples; i++) {
      const before = atSealer.arrivals.size
      await sealerRpc.call('eth_sendRawTransaction', [sign(probe.key, probe.nonce++, senders[1].address, 1n, new Uint8Array(), 21_000n)])
      await until(async () => atSealer.arrivals.size > before, 30_000)
      const hash = [...atSealer.arrivals.keys()].at(-1)!
      await until(async () => atFollower.arrivals.has(hash), 30_000)
      latencies.push(atFollower.arrivals.get(hash)! - atSealer.arrivals.get(hash)!)
    }
    atSealer.close()
    atFollower.close()
    latencies.sort((a, b) => a - b)
    return {
      blocks: Number(head),
      transactions,
      catchUpSeconds,
      syncBlocksPerSecond: Number(head) / syncSeconds,
      syncTransactionsPerSecond: transactions / syncSeconds,
      propagationMedianMs: latencies[Math.floor(latencies.length / 2)],
      propagationMaxMs: latencies[latencies.length - 1],
    }
  } finally {
    for (const node of nodes) await node.stop()
    rmSync(base, { recursive: true, force: true })
  }
}
