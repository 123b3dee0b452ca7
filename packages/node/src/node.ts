import { join } from 'node:path'
import { bytesToHex } from '@ethereumjs/util'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { Chain, ChainMetrics, createConsensus } from '@busan/chain'
import { createChainCommon, type GenesisFile } from '@busan/chain-config'
import { KeyValueStore, TrieNodeStore, registerDbMetrics } from '@busan/db'
import { buildRpcServer, type NetworkBackend } from '@busan/rpc'
import type { Network } from '@busan/network'
import { TxPool } from '@busan/txpool'
import { createRpcBackend } from './backend/rpc-backend.ts'
import { CLIENT_NAME, CLIENT_VERSION, type NodeConfig } from './config.ts'
import type { Logger } from 'pino'
import { createLogger } from './logger.ts'
import { PoolMaintainer, headContext, headStateReader } from './pool-maintainer.ts'
import { blockProducers } from './producers.ts'
import { RpcWorkerPool } from './rpc-workers/index.ts'
import { SenderRecoveryThread } from './sender-recovery/index.ts'
import { registerThreadHeapMetrics } from './thread-heap-metrics.ts'
import { AddressIndexRebuild } from './address-index-rebuild.ts'
import { EXPLORER_DIST, explorerBuilt } from '@busan/explorer'
import { blobVerifier, networkOptions, openJournal, poolOptions } from './txpool-config.ts'

/** JSON-ready: bigints as decimal strings, as geth prints difficulties and chain ids. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)))
}

/** The peer network as the RPC's net_/admin_/eth_syncing methods see it. */
function networkBackend(network: Network, clientVersion: string): NetworkBackend {
  return {
    peerCount: () => network.peerCount(),
    listening: () => true,
    syncing: () => network.syncing(),
    peers: () => network.peers().map((peer) => plain(peer)),
    nodeInfo: () => plain({ name: clientVersion, ...network.nodeInfo() }),
    addPeer: async (address) => {
      try {
        await network.addPeer(address)
        return true
      } catch {
        return false
      }
    },
  }
}

/** A node that runs alone (the dev chain): no peers, nothing to dial. */
function withoutPeers(clientVersion: string): NetworkBackend {
  return {
    peerCount: () => 0,
    listening: () => true,
    syncing: () => false,
    peers: () => [],
    nodeInfo: () => ({ name: clientVersion, listenAddrs: [] }),
    addPeer: async () => false,
  }
}

export interface RunningNode {
  chain: Chain
  pool: TxPool
  /** The peer network (absent on a node that runs alone, the dev chain). */
  network: Network | undefined
  /** http://host:port of the JSON-RPC endpoint (WebSocket on the same address). */
  rpcUrl: string
  stop(): Promise<void>
}

/**
 * Opens a data directory's database and chain on `genesis`, writing the genesis block when
 * the directory is new: what `init`, `import`, `export` and the node share. Throws when the
 * directory holds another genesis or another process has it open (RocksDB's lock).
 */
export async function openChain(dataDir: string, genesis: GenesisFile, options: { logger: Logger; metrics?: Registry; syncWrites?: boolean; quietEmptyBlocks?: boolean }) {
  const kv = await KeyValueStore.open(join(dataDir, 'chaindata'))
  try {
    const common = createChainCommon(genesis)
    const trieStore = new TrieNodeStore(kv)
    const consensus = createConsensus(genesis, kv, trieStore, common)
    const chain = await Chain.open({
      kv,
      common,
      genesis,
      engine: consensus.engine,
      trieStore,
      logger: options.logger.child({ module: 'chain' }),
      metrics: options.metrics === undefined ? null : new ChainMetrics(options.metrics),
      syncWrites: options.syncWrites,
      quietEmptyBlocks: options.quietEmptyBlocks,
    })
    return { kv, common, consensus, chain }
  } catch (error) {
    await kv.close()
    throw error
  }
}

/** Writes the genesis block into a new data directory (`busan init`). */
export async function initDataDir(dataDir: string, genesis: GenesisFile): Promise<void> {
  const { kv } = await openChain(dataDir, genesis, { logger: createLogger('warn') })
  await kv.close()
}

/** The built explorer to serve, when asked for; a warning when it was asked for but never built. */
function explorerDir(config: NodeConfig, logger: Logger): string | undefined {
  if (config.http.explorer !== true) return undefined
  if (explorerBuilt()) return EXPLORER_DIST
  logger.warn('the explorer is not built (npm run build:explorer): /explorer/ is not served')
  return undefined
}

/** Starts the peer network (`Network.create`) over the node's chain and pool, loading libp2p on first use. */
async function startNetwork(options: Omit<Parameters<typeof Network.create>[0], 'chain' | 'pool'> & { chain: Chain; pool: TxPool }): Promise<Network> {
  const { Network, chainAccess, poolAccess } = await import('@busan/network')
  return Network.create({ ...options, chain: chainAccess(options.chain), pool: poolAccess(options.pool) })
}

/** The composition root: builds every part in order and hands each exactly what it needs. */
export async function startNode(config: NodeConfig): Promise<RunningNode> {
  const logger = createLogger(config.logLevel, config.logFormat)
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  const { kv, common, consensus, chain } = await openChain(config.dataDir, config.genesis, { logger, metrics: registry, syncWrites: config.dbSync ?? config.signer !== undefined, quietEmptyBlocks: config.dev })
  registerDbMetrics(kv, registry)
  const workers = new RpcWorkerPool(
    { dbHandle: kv.handle, genesis: config.genesis, portableCrypto: true },
    { threads: config.rpc?.workers, maxQueue: config.rpc?.workQueue },
    logger.child({ module: 'rpc-workers' }),
    registry,
  )
  // The threads load while the rest starts; the node listens once they have.
  const workersWarm = workers.warmUp()

  const addressIndex = new AddressIndexRebuild(chain, kv, workers, logger.child({ module: 'address-index' }))
  await addressIndex.prepare()

  const senderRecovery = new SenderRecoveryThread(config.genesis, logger.child({ module: 'txpool' }))
  const pool = new TxPool({
    common,
    state: headStateReader(chain, chain.head),
    head: headContext(chain.head),
    // The pool names its module itself.
    logger,
    metrics: registry,
    options: poolOptions(config),
    blobVerifier: chain.engine.blobTransactions ? blobVerifier(chain, workers) : undefined,
    senderRecovery: senderRecovery.recover,
  })
  registerThreadHeapMetrics(registry, [
    { name: 'rpc', threads: () => workers.threads },
    { name: 'sender-recovery', threads: () => senderRecovery.threads },
  ])
  const maintainer = new PoolMaintainer(chain, pool, logger.child({ module: 'txpool' }))
  const journal = await openJournal(pool, config, logger.child({ module: 'txpool' }))

  const clientVersion = `${CLIENT_NAME}/v${CLIENT_VERSION}/${process.platform}-${process.arch}/node${process.versions.node}`
  // libp2p (about 500 modules) loads only for a node with a peer network, not for the dev chain.
  const network =
    config.p2p === undefined
      ? undefined
      : await startNetwork({
          dataDir: config.dataDir,
          listen: config.p2p.listen,
          bootnodes: config.p2p.bootnodes,
          allowlist: config.p2p.allowlist,
          chain,
          pool,
          logger: logger.child({ module: 'network' }),
          metrics: registry,
          options: networkOptions(config),
        })
  const producers = blockProducers({ chain, consensus, kv, pool: maintainer, network, signer: config.signer, txsSelectionMaxTimePercent: config.txsSelectionMaxTimePercent, logger, metrics: registry })

  const backend = createRpcBackend({
    chain,
    consensus,
    qbftValidator: producers.qbft,
    pool,
    accountKeys: config.accountKeys,
    clientVersion,
    network: network === undefined ? withoutPeers(clientVersion) : networkBackend(network, clientVersion),
    workers,
  })
  const server = await buildRpcServer(
    backend,
    { corsOrigins: config.http.corsOrigins, namespaces: config.http.namespaces, rpcGasCap: config.rpc?.gasCap, callTimeoutMs: config.rpc?.evmTimeoutMs, logsBlockRangeCap: config.rpc?.logsRange, logsMaxResults: config.rpc?.logsLimit, minPeers: config.rpc?.minPeers ?? (config.p2p === undefined ? 0 : 1) },
    { logger: logger.child({ module: 'rpc' }), metrics: registry, explorerDir: explorerDir(config, logger) },
  )
  await workersWarm
  await server.listen({ host: config.http.host, port: config.http.port })
  const address = server.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.http.port
  const rpcUrl = `http://${config.http.host}:${port}`
  if (network !== undefined) {
    await network.start()
    logger.info({ peerId: network.peerId, addrs: network.multiaddrs() }, 'p2p listening')
  }
  // Last, once everything is up: tools (and testkit) take this line as the node being ready.
  logger.info({ url: rpcUrl, chainId: config.genesis.config.chainId, signer: config.signer === undefined ? null : bytesToHex(config.signer.address) }, 'JSON-RPC listening (HTTP and WebSocket)')
  producers.start()
  addressIndex.start()

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      logger.info('stopping')
      // Every step runs even when an earlier one fails, and each failure is logged with its
      // step: the database is closed last, after every thread that reads it has stopped.
      const failures: string[] = []
      const step = async (name: string, run: () => Promise<unknown> | undefined) => {
        try {
          await run()
        } catch (err) {
          failures.push(name)
          logger.error({ err, step: name }, `shutdown: stopping the ${name} failed`)
        }
      }
      await step('block producers', () => producers.stop())
      await step('address index rebuild', () => addressIndex.stop())
      await step('network', () => network?.stop())
      await step('JSON-RPC server', () => server.close())
      await step('RPC worker threads', () => workers.close())
      await step('sender recovery thread', () => senderRecovery.close())
      await step('transaction pool', async () => {
        maintainer.stop()
        journal.stop()
      })
      await step('database', () => kv.close())
      if (failures.length > 0) throw new Error(`shutdown failed: ${failures.join(', ')}`)
      logger.info('stopped')
    })()
    return stopping
  }
  return { chain, pool, network, rpcUrl, stop }
}
