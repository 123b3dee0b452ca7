// A QBFT network of real `busan run` validator processes on 127.0.0.1 for the benchmark:
// the devnet genesis (genesis/devnet.json, as `busan dev` uses; devGenesis() without it) run by
// QBFT with `options.validators` validators of deterministic keys, each with its own data directory and
// keystore, started one after the other with every earlier validator as a bootnode (a full
// mesh), and ready once every validator has all others as peers and blocks are committed.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { bytesToHex } from '@ethereumjs/util'
import { devGenesis, readGenesisFile, withConsensus, type GenesisFile } from '@busan/chain-config'
import { tempDataDir, type NodeProcess } from '@busan/testkit'
import { until } from './heads.ts'
import { initAndRun, keystoreArgs } from './processes.ts'
import { RpcClient } from './rpc-client.ts'
import { senderKeys } from './workload.ts'

const repoRoot = resolve(import.meta.dirname, '../../..')

export interface QbftNetworkOptions {
  validators: number
  /** blockperiodseconds. */
  period: number
  /** requesttimeoutseconds: round 0's timeout (round r waits this x 2^r). */
  requestTimeoutSeconds: number
  /** Where validator 0 writes a V8 CPU profile (`--cpu-prof`) when it stops; none by default. */
  profileDir?: string
}

export interface QbftNetwork {
  /** The validators, in start order; validator 0 is the benchmark's entry node. */
  nodes: NodeProcess[]
  /** Stops every validator (SIGTERM, waiting for each to exit) and removes the network's directory. */
  stop(): Promise<void>
}

/** The genesis: the devnet genesis (system contracts, dev accounts funded) under QBFT. */
async function qbftGenesis(validators: string[], options: QbftNetworkOptions): Promise<GenesisFile> {
  const devnet = join(repoRoot, 'genesis/devnet.json')
  const base = existsSync(devnet) ? await readGenesisFile(devnet) : devGenesis()
  const genesis = withConsensus(base, { consensus: 'qbft', period: options.period, validators })
  genesis.config.qbft!.requesttimeoutseconds = options.requestTimeoutSeconds
  return genesis
}

/** Starts the validators and resolves once each has every other one as a peer and block 2 is committed. */
export async function startQbftNetwork(options: QbftNetworkOptions): Promise<QbftNetwork> {
  const base = tempDataDir('busan-bench-qbft-')
  const nodes: NodeProcess[] = []
  const stop = async () => {
    for (const node of nodes) await node.stop()
    rmSync(base, { recursive: true, force: true })
  }
  try {
    const keys = senderKeys(options.validators, 'validator').map((key) => ({ address: key.address, privateKey: bytesToHex(key.key) }))
    const genesisPath = join(base, 'genesis.json')
    writeFileSync(genesisPath, JSON.stringify(await qbftGenesis(keys.map((key) => key.address), options)))
    for (const [i, key] of keys.entries()) {
      const bootnodes = nodes.map((node) => node.p2pAddrs[0])
      const args = [
        '--http.api', 'eth,net,web3,txpool,qbft',
        ...(bootnodes.length > 0 ? ['--bootnodes', bootnodes.join(',')] : []),
        ...(await keystoreArgs(base, `validator-${i}`, key)),
      ]
      const profile = i === 0 && options.profileDir !== undefined ? `--cpu-prof --cpu-prof-dir=${options.profileDir}` : undefined
      nodes.push(await initAndRun(genesisPath, join(base, `validator-${i}`), args, profile))
    }
    const clients = nodes.map((node) => new RpcClient(node.rpcUrl))
    await until(async () => (await Promise.all(clients.map((c) => c.call<string>('net_peerCount')))).every((count) => Number(count) >= nodes.length - 1), 60_000)
    await until(async () => Number(await clients[0].call<string>('eth_blockNumber')) >= 2, 60_000)
    return { nodes, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** CPU time (user + system, seconds) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
