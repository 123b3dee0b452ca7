// Test fixtures: real chains over RocksDB temp directories, a ChainAccess adapter over
// Chain, a small in-memory pool, sealing helpers and networks on 127.0.0.1.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Block, createBlockHeader } from '@ethereumjs/block'
import { createFeeMarket1559Tx, createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { pino, type Logger } from 'pino'
import { Registry } from 'prom-client'
import { Chain, CliqueEngine, type TransactionSource } from '@busan/chain'
import { createChainCommon, devAccounts, devGenesis, type GenesisFile } from '@busan/chain-config'
import { KeyValueStore } from '@busan/db'
import { Network, chainAccess, type ChainAccess, type NetworkOptions, type PoolAccess } from '../src/index.ts'

export const genesis = devGenesis({ period: 0 })
export const common = createChainCommon(genesis)
export const accounts = devAccounts()
export const sealerKey = hexToBytes(accounts[0].privateKey as `0x${string}`)
export const logger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })

const cleanups: (() => Promise<void> | void)[] = []

/** Runs every registered cleanup (networks stopped first, then databases closed, then directories removed). */
export async function cleanup(): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) await step()
}

export function tempDir(prefix = 'busan-net-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface TestChain {
  chain: Chain
  engine: CliqueEngine
  access: ChainAccess
  dir: string
  /** Closes the database (a restart reopens the directory with openChain({ dir })). */
  close(): Promise<void>
}

export async function openChain(options: { genesis?: GenesisFile; dir?: string } = {}): Promise<TestChain> {
  const file = options.genesis ?? genesis
  const dir = options.dir ?? tempDir('busan-chain-')
  const kv = await KeyValueStore.open(dir)
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await kv.close()
  }
  cleanups.push(close)
  const engine = new CliqueEngine(kv, file.config.clique!)
  const chain = await Chain.open({ kv, common: createChainCommon(file), genesis: file, engine, logger, metrics: null })
  return { chain, engine, access: chainAccess(chain), dir, close }
}

function source(txs: TypedTransaction[]): TransactionSource {
  let i = 0
  return { next: () => (i < txs.length ? { tx: txs[i], sender: txs[i++].getSenderAddress().bytes } : undefined), skipSender: () => {} }
}

/** Seals a block on top of the chain's head with dev account `signer` (0: the dev chain's only sealer). */
export async function seal(t: TestChain, txs: TypedTransaction[] = [], signer = 0): Promise<Block> {
  const parent = t.chain.head
  const address = hexToBytes(accounts[signer].address as `0x${string}`)
  const plan = await t.engine.plan(parent.header, address, Date.now())
  assert.ok(!('refused' in plan), `account ${signer} may seal on ${parent.header.number}`)
  const privateKey = hexToBytes(accounts[signer].privateKey as `0x${string}`)
  const sealed = await t.chain.produceBlock({ parent, plan, signer: address, privateKey, producer: t.engine, source: source(txs), requireTransactions: false })
  assert.ok(sealed !== undefined)
  return sealed.block
}

/** `count` signed transfers from dev account `from` starting at `nonce`. */
export function transfers(count: number, nonce: number, from = 1): TypedTransaction[] {
  const key = hexToBytes(accounts[from].privateKey as `0x${string}`)
  return Array.from({ length: count }, (_, i) =>
    createFeeMarket1559Tx(
      { chainId: 31337n, nonce: nonce + i, to: accounts[9].address as `0x${string}`, value: 1000n + BigInt(i), gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n },
      { common },
    ).sign(key),
  )
}

/** The block with header `changes`, sealed again by `key` (a valid signature, possibly by a non-signer). */
export function resealed(t: TestChain, block: Block, changes: Record<string, unknown>, key = sealerKey): Block {
  const extraData = block.header.extraData.subarray(0, block.header.extraData.length - 65)
  const unsealed = createBlockHeader({ ...block.header.toJSON(), ...changes, extraData }, { common, params: {} })
  return new Block(t.engine.seal(unsealed, key), block.transactions, [], [], { common, params: {} })
}

/**
 * A pool that keeps every well-formed signed transaction; `already-known` for repeats,
 * `rlp`/`invalid-sender` for garbage. Transactions added with `submit` count as local ones.
 */
export class TestPool implements PoolAccess {
  readonly transactions = new Map<string, Uint8Array>()
  readonly local = new Set<string>()
  private readonly listeners = new Set<(raw: Uint8Array, hash: Uint8Array) => void>()

  /** Adds a transaction as if submitted through this node's RPC. */
  async submit(raw: Uint8Array): Promise<void> {
    await this.addRaw(raw)
    this.local.add(bytesToHex(createTxFromRLP(raw, { common }).hash()))
  }

  get(hash: Uint8Array): Uint8Array | undefined {
    return this.transactions.get(bytesToHex(hash))
  }

  pendingHashes(): Uint8Array[] {
    return [...this.transactions.keys()].map((hash) => hexToBytes(hash as `0x${string}`))
  }

  localHashes(): Uint8Array[] {
    return [...this.local].map((hash) => hexToBytes(hash as `0x${string}`))
  }

  /** This pool recovers every sender in addRaw (the node's pool has the thread; test/e2e covers it). */
  async cacheSenders(): Promise<void> {}

  async addRaw(raw: Uint8Array): Promise<void> {
    let tx: TypedTransaction
    try {
      tx = createTxFromRLP(raw, { common })
    } catch (error) {
      throw Object.assign(new Error(`rlp: ${(error as Error).message}`), { reason: 'rlp' })
    }
    if (!tx.isSigned() || !tx.verifySignature()) throw Object.assign(new Error('invalid sender'), { reason: 'invalid-sender' })
    const hash = tx.hash()
    if (this.transactions.has(bytesToHex(hash))) throw Object.assign(new Error('already known'), { reason: 'already-known' })
    this.transactions.set(bytesToHex(hash), raw)
    for (const listener of this.listeners) listener(raw, hash)
  }

  onPending(listener: (raw: Uint8Array, hash: Uint8Array) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

export interface TestNode {
  network: Network
  chain: TestChain
  pool: TestPool
  registry: Registry
  dataDir: string
}

export const fastOptions: Partial<NetworkOptions> = { statusIntervalMs: 2_000, syncPeerCooldownMs: 500, redialMinMs: 200, redialMaxMs: 1_000, syncLogIntervalMs: 1_000 }

export async function startNode(options: { chain?: TestChain; dataDir?: string; bootnodes?: string[]; allowlist?: string[]; listen?: string[]; options?: Partial<NetworkOptions>; start?: boolean } = {}): Promise<TestNode> {
  const chain = options.chain ?? (await openChain())
  const pool = new TestPool()
  const registry = new Registry()
  const dataDir = options.dataDir ?? tempDir('busan-node-')
  const network = await Network.create({
    dataDir,
    listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0'],
    bootnodes: options.bootnodes ?? [],
    allowlist: options.allowlist,
    chain: chain.access,
    pool,
    logger,
    metrics: registry,
    options: { ...fastOptions, ...options.options },
  })
  cleanups.push(() => network.stop())
  if (options.start !== false) await network.start()
  return { network, chain, pool, registry, dataDir }
}

export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Waits until every node has all its connected peers in its block-topic mesh (gossip reaches and is forwarded). */
export async function gossipReady(...nodes: TestNode[]): Promise<void> {
  await waitFor('gossip mesh', () => nodes.every((node) => node.network.peerCount() > 0 && node.network.gossipPeers().mesh === node.network.peerCount()))
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sum of a counter's values whose labels include `labels`. */
export async function counter(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (metric === undefined) return 0
  const { values } = await metric.get()
  return values.filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted)).reduce((sum, value) => sum + value.value, 0)
}

export function sameHead(a: TestChain, b: TestChain): boolean {
  return equalsBytes(a.chain.head.hash(), b.chain.head.hash())
}
