// A Clique sealer network of real `busan` processes on 127.0.0.1 for the network end-to-end
// tests: one temporary directory per cluster holding the genesis file, an encrypted keystore
// and password file per key, and a data directory per node. `busan init` runs once per
// cluster; the other data directories are copies of that one (an init costs a process start).
// Each node gets its p2p identity up front (an Ed25519 key written where the node keeps it,
// <datadir>/network/node-key) and a free p2p port, so every node's multiaddr is known before
// any starts: all nodes can start at once with each other as bootnodes (a full mesh), and a
// restarted node listens on the same address under the same peer id. JSON-RPC ports are
// picked by the OS (--http.port 0).
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ethers } from 'ethers'
import { devGenesis, withConsensus, type GenesisFile, type QbftConfig } from '@busan/chain-config'
import { nodeKeyPath } from '@busan/network'
import { mainScript, startNodeProcess, type NodeProcess } from '@busan/testkit'

const run = promisify(execFile)

export const HTTP_API = 'eth,net,web3,txpool,clique,qbft,admin,debug'

/** A sealer (or would-be sealer) key with its keystore file and password file. */
export interface NodeKey {
  address: string
  privateKey: string
  keystore: string
  password: string
}

export interface StartOptions {
  /** Seal with this key (`--keystore`); a follower (no signer) without. */
  key?: NodeKey
  /** Multiaddrs with /p2p/<id> (`--bootnodes`). */
  bootnodes?: string[]
  /** Peer ids (`--allowlist`): only these may connect. */
  allowlist?: string[]
  logLevel?: 'info' | 'debug'
  /** More flags for `busan run` (e.g. --discovery.interval 1s). */
  extraArgs?: string[]
}

export interface HeadInfo {
  number: number
  hash: string
  stateRoot: string
  parentHash: string
  difficulty: number
  timestamp: number
  extraData: string
  miner: string
  transactions: string[]
}

/** Block JSON as the node answers eth_getBlockBy* (transaction hashes only). */
export interface BlockJson {
  number: string
  hash: string
  parentHash: string
  nonce: string
  mixHash: string
  sha3Uncles: string
  logsBloom: string
  stateRoot: string
  miner: string
  difficulty: string
  extraData: string
  gasLimit: string
  gasUsed: string
  timestamp: string
  transactionsRoot: string
  receiptsRoot: string
  baseFeePerGas?: string
  withdrawalsRoot?: string
  blobGasUsed?: string
  excessBlobGas?: string
  parentBeaconBlockRoot?: string
  requestsHash?: string
  transactions: string[]
}

export function headInfo(block: BlockJson): HeadInfo {
  return {
    number: Number(block.number),
    hash: block.hash,
    stateRoot: block.stateRoot,
    parentHash: block.parentHash,
    difficulty: Number(block.difficulty),
    timestamp: Number(block.timestamp),
    extraData: block.extraData,
    miner: block.miner,
    transactions: block.transactions,
  }
}

/** Lowest port a node's p2p port is drawn from. */
const P2P_PORTS_FROM = 10_000

/** The first port of the kernel's ephemeral range (what outgoing connections and `listen(0)` take). */
function ephemeralPortsStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    if (Number.isInteger(low) && low > 0) return low
  } catch {
    // Not Linux: IANA's dynamic range starts at 49152.
  }
  return 49_152
}

/** Whether 127.0.0.1:`port` can be bound now (bound and released). */
function bindable(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A free TCP port on 127.0.0.1 below the kernel's ephemeral range. A node keeps its p2p port
 * across restarts (its peers dial it), and one taken from the ephemeral range can be given, while
 * the node is down, to another node's outgoing connection: the restart then fails with "port in
 * use" (seen in CI). Below the range only an explicit bind takes a port.
 */
async function freePort(): Promise<number> {
  const below = ephemeralPortsStart()
  if (below - P2P_PORTS_FROM < 1_000) throw new Error(`ephemeral ports start at ${below}: no room below them for p2p ports`)
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = P2P_PORTS_FROM + Math.floor(Math.random() * (below - P2P_PORTS_FROM))
    if (await bindable(port)) return port
  }
  throw new Error(`no free port found in ${P2P_PORTS_FROM}-${below - 1}`)
}

/** One node of a cluster: its process (while running), JSON-RPC and p2p identity. */
export class ClusterNode {
  readonly name: string
  readonly dataDir: string
  readonly peerId: string
  readonly p2pPort: number
  options: StartOptions = {}
  process: NodeProcess | undefined
  provider: ethers.JsonRpcProvider | undefined
  /** The log lines of each run of this node (each run's array fills as long as it runs). */
  private readonly runs: Record<string, unknown>[][] = []

  constructor(name: string, dataDir: string, peerId: string, p2pPort: number) {
    this.name = name
    this.dataDir = dataDir
    this.peerId = peerId
    this.p2pPort = p2pPort
  }

  get running(): boolean {
    return this.process !== undefined
  }

  /** The multiaddr others dial. */
  get enode(): string {
    return `/ip4/127.0.0.1/tcp/${this.p2pPort}/p2p/${this.peerId}`
  }

  /** The signer address (lowercase) when the node runs with a key. */
  get address(): string | undefined {
    return this.options.key?.address.toLowerCase()
  }

  get rpcUrl(): string {
    if (this.process === undefined) throw new Error(`${this.name} is not running`)
    return this.process.rpcUrl
  }

  async start(options: StartOptions = this.options): Promise<this> {
    if (this.process !== undefined) throw new Error(`${this.name} is running`)
    this.options = options
    const args = [
      'run', '--datadir', this.dataDir,
      '--http.port', '0', '--http.api', HTTP_API,
      '--p2p.addr', '127.0.0.1', '--p2p.port', String(this.p2pPort),
      '--log-level', options.logLevel ?? 'info',
      // One RPC worker thread, not one per core: these nodes serve few EVM calls, and five of
      // them share two cores, so each start loads one thread's modules instead of two.
      '--rpc.workers', '1',
      ...(options.bootnodes !== undefined && options.bootnodes.length > 0 ? ['--bootnodes', options.bootnodes.join(',')] : []),
      ...(options.allowlist !== undefined ? ['--allowlist', options.allowlist.join(',')] : []),
      ...(options.key !== undefined ? ['--keystore', options.key.keystore, '--password', options.key.password] : []),
      ...(options.extraArgs ?? []),
    ]
    const child = await startNodeProcess(args, this.dataDir, { name: this.name, echo: process.env.BUSAN_E2E_ECHO === '1' })
    this.process = child
    this.runs.push(child.logs)
    this.provider = new ethers.JsonRpcProvider(child.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 })
    // startNodeProcess returns once JSON-RPC listens; the p2p side starts right after.
    const deadline = Date.now() + 20_000
    while (!child.logs.some((entry) => entry.msg === 'p2p listening')) {
      if (child.process.exitCode !== null || Date.now() > deadline) {
        await this.kill()
        throw new Error(`${this.name}: p2p did not start`)
      }
      await sleep(20)
    }
    const info = await this.rpc<{ id: string }>('admin_nodeInfo')
    if (info.id !== this.peerId) throw new Error(`${this.name}: peer id ${info.id}, expected ${this.peerId} from its node key`)
    return this
  }

  private detach(): void {
    this.provider?.destroy()
    this.provider = undefined
    this.process = undefined
  }

  /** Graceful stop (SIGTERM): the node closes its database. One that hangs is killed, and that fails the test. */
  async stop(): Promise<void> {
    const child = this.process
    if (child === undefined) return
    this.detach()
    const timer = new AbortController()
    const stopped = await Promise.race([child.stop().then(() => true), sleep(20_000, false, { signal: timer.signal }).catch(() => false)])
    timer.abort()
    if (!stopped) {
      await child.kill()
      throw new Error(`${this.name} did not stop within 20 s of SIGTERM (killed)`)
    }
  }

  /** SIGKILL: no shutdown at all. */
  async kill(): Promise<void> {
    const child = this.process
    if (child === undefined) return
    this.detach()
    await child.kill()
  }

  async restart(options: StartOptions = this.options): Promise<this> {
    await this.stop()
    return this.start(options)
  }

  /** One JSON-RPC call (ethers' provider.send: errors become exceptions). */
  rpc<T = any>(method: string, params: unknown[] = []): Promise<T> {
    if (this.provider === undefined) throw new Error(`${this.name} is not running`)
    return this.provider.send(method, params) as Promise<T>
  }

  async block(tag: number | string = 'latest'): Promise<BlockJson | null> {
    return this.rpc<BlockJson | null>('eth_getBlockByNumber', [typeof tag === 'number' ? ethers.toQuantity(tag) : tag, false])
  }

  async head(): Promise<HeadInfo> {
    const block = await this.block('latest')
    if (block === null) throw new Error(`${this.name}: no latest block`)
    return headInfo(block)
  }

  async blockNumber(): Promise<number> {
    return Number(await this.rpc<string>('eth_blockNumber'))
  }

  async signers(tag: number | string = 'latest'): Promise<string[]> {
    return (await this.rpc<string[]>('clique_getSigners', [typeof tag === 'number' ? ethers.toQuantity(tag) : tag])).map((a) => a.toLowerCase())
  }

  /** Every log line of every run of this node. */
  allLogs(): Record<string, unknown>[] {
    return this.runs.flat()
  }
}

/** Deterministic keys, so the signer order (sorted addresses) is the same on every run. */
export function testKey(label: string): { address: string; privateKey: string } {
  const privateKey = ethers.id(`busan-e2e-network-${label}`)
  return { address: new ethers.Wallet(privateKey).address, privateKey }
}

export class Cluster {
  readonly dir: string
  readonly genesisPath: string
  readonly period: number
  readonly keys: NodeKey[]
  readonly nodes: ClusterNode[] = []
  private initialised: Promise<void> | undefined

  private constructor(dir: string, genesisPath: string, period: number, keys: NodeKey[]) {
    this.dir = dir
    this.genesisPath = genesisPath
    this.period = period
    this.keys = keys
  }

  /**
   * A new cluster directory: `keys` keystores (labels `<name>-key-<i>`), of which the first
   * `signers` are the genesis signers (QBFT validators with `consensus: 'qbft'`, whose settings
   * `qbft` overrides; with a `validatorcontractaddress` the genesis lists none), and a genesis
   * from `base` (default devGenesis(): the 10 dev
   * accounts funded) with those signers in extraData.
   */
  static create(options: { name: string; keys: number; signers: number; period: number; consensus?: 'clique' | 'qbft'; qbft?: Partial<QbftConfig>; base?: GenesisFile }): Cluster {
    const dir = mkdtempSync(join(tmpdir(), `busan-e2e-${options.name}-`))
    const keys: NodeKey[] = []
    for (let i = 0; i < options.keys; i++) {
      const { address, privateKey } = testKey(`${options.name}-key-${i}`)
      const password = join(dir, `password-${i}.txt`)
      const keystore = join(dir, `keystore-${i}.json`)
      writeFileSync(password, `secret-${i}\n`, { mode: 0o600 })
      // A light scrypt (geth's --lightkdf is N=4096): the node decrypts it at every start.
      writeFileSync(keystore, ethers.encryptKeystoreJsonSync({ address, privateKey }, `secret-${i}`, { scrypt: { N: 1 << 12 } }), { mode: 0o600 })
      keys.push({ address, privateKey, keystore, password })
    }
    // A validator-contract network lists no validators in its extraData: the contract does.
    const listed = options.qbft?.validatorcontractaddress === undefined ? keys.slice(0, options.signers).map((key) => key.address) : []
    const genesis = withConsensus(options.base ?? devGenesis(), { consensus: options.consensus ?? 'clique', period: options.period, validators: listed })
    if (genesis.config.qbft !== undefined) Object.assign(genesis.config.qbft, options.qbft)
    const genesisPath = join(dir, 'genesis.json')
    writeFileSync(genesisPath, `${JSON.stringify(genesis, null, 2)}\n`)
    return new Cluster(dir, genesisPath, options.period, keys)
  }

  /**
   * Data directories for `names` (not started): the first `busan init`s the cluster's
   * template directory, each node gets a copy of it, a node key and a free p2p port.
   */
  async init(...names: string[]): Promise<ClusterNode[]> {
    const template = join(this.dir, 'template')
    // Bounded: an init that never exits (a handle left open) must fail the test, not hang it.
    this.initialised ??= run(process.execPath, [mainScript, 'init', '--genesis', this.genesisPath, '--datadir', template], { timeout: 60_000, killSignal: 'SIGKILL' }).then(() => undefined)
    await this.initialised
    const nodes: ClusterNode[] = []
    for (const name of names) {
      const dataDir = join(this.dir, name)
      cpSync(template, dataDir, { recursive: true })
      const key = await generateKeyPair('Ed25519')
      mkdirSync(join(dataDir, 'network'), { recursive: true, mode: 0o700 })
      writeFileSync(nodeKeyPath(dataDir), privateKeyToProtobuf(key), { mode: 0o600 })
      const node = new ClusterNode(name, dataDir, peerIdFromPrivateKey(key).toString(), await freePort())
      this.nodes.push(node)
      nodes.push(node)
    }
    return nodes
  }

  /**
   * Gives a stopped node an empty chain again (the genesis only), as after losing its disk; it
   * keeps its node key and keystore, so it rejoins under the same identity.
   */
  resetChainData(node: ClusterNode): void {
    if (node.running) throw new Error(`${node.name} is running`)
    rmSync(join(node.dataDir, 'chaindata'), { recursive: true, force: true })
    rmSync(join(node.dataDir, 'transactions.rlp'), { force: true })
    cpSync(join(this.dir, 'template', 'chaindata'), join(node.dataDir, 'chaindata'), { recursive: true })
  }

  /** Multiaddrs of all nodes but `node` (a full mesh of static peers). */
  bootnodesFor(node: ClusterNode, among: ClusterNode[] = this.nodes): string[] {
    return among.filter((other) => other !== node).map((other) => other.enode)
  }

  node(name: string): ClusterNode {
    const node = this.nodes.find((candidate) => candidate.name === name)
    if (node === undefined) throw new Error(`no node ${name}`)
    return node
  }

  running(): ClusterNode[] {
    return this.nodes.filter((node) => node.running)
  }

  /** The last `lines` log lines of every node, for a failure message. */
  logTail(lines = 25): string {
    return this.nodes
      .map((node) => {
        const logs = node.allLogs().slice(-lines)
        return `--- ${node.name} (${node.address ?? 'follower'}) ---\n${logs.map((entry) => JSON.stringify(entry)).join('\n')}`
      })
      .join('\n')
  }

  /**
   * Kills every node (SIGKILL: nothing to keep) and removes the directory.
   * BUSAN_E2E_LOGS=DIR writes every node's log lines to DIR/<cluster>-<node>.jsonl first;
   * BUSAN_E2E_KEEP=1 keeps the directory.
   */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()))
    const logDir = process.env.BUSAN_E2E_LOGS
    if (logDir !== undefined && logDir !== '') {
      mkdirSync(logDir, { recursive: true })
      const prefix = basename(this.dir)
      for (const node of this.nodes) writeFileSync(join(logDir, `${prefix}-${node.name}.jsonl`), node.allLogs().map((entry) => JSON.stringify(entry)).join('\n') + '\n')
    }
    if (process.env.BUSAN_E2E_KEEP === '1') {
      process.stdout.write(`cluster kept in ${this.dir}\n`)
      return
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}
