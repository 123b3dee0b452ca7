// The peer network: libp2p over TCP (noise, yamux) with the parts in their own files: the
// status handshake (status.ts), gossip of blocks and transactions (gossip.ts), blocks by
// range for sync (range.ts, sync.ts), pooled-transaction announcements and rebroadcast
// (tx-exchange.ts), and the peers kept connected: static ones and those found by the peer
// exchange (peering.ts). An optional allowlist and application-level penalties leading to
// bans gate every connection.
import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Connection, ConnectionGater, PeerId } from '@libp2p/interface'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { createLibp2p } from 'libp2p'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { penalise, type Libp2pNode, type NetworkContext } from './context.ts'
import { Gossip, gossipService } from './gossip.ts'
import type { ChainAccess, PoolAccess } from './interface.ts'
import { protocols } from './messages.ts'
import { NetworkMetrics } from './metrics.ts'
import { loadOrCreateNodeKey } from './node-key.ts'
import { resolveNetworkOptions, type NetworkOptions } from './options.ts'
import { PeerKeeper, allowlistPeerId, staticPeerId } from './peering.ts'
import { PeerBook } from './peers.ts'
import { requestRange, serveRange } from './range.ts'
import { StatusExchange } from './status.ts'
import { Syncer, type SyncStatus } from './sync.ts'
import { TransactionExchange } from './tx-exchange.ts'

export interface NetworkInit {
  /** The node's data directory; the node key lives in <dataDir>/network/node-key. */
  dataDir: string
  /** Multiaddrs to listen on; default ['/ip4/0.0.0.0/tcp/30303']. */
  listen?: string[]
  /** Static peers (multiaddrs with /p2p/<peerId>), dialled at start and redialled on disconnect. */
  bootnodes?: string[]
  /** When set, only these peer ids may connect (inbound and outbound). */
  allowlist?: string[]
  chain: ChainAccess
  pool: PoolAccess
  logger: Logger
  metrics: Registry | null
  options?: Partial<NetworkOptions>
}

export interface PeerHeadInfo {
  number: bigint
  hash: string
  td: bigint
}

export interface PeerInfo {
  id: string
  addresses: string[]
  direction: 'inbound' | 'outbound'
  /** Last known head: exact after a status exchange, raised by gossip. */
  head?: PeerHeadInfo
}

export interface NodeInfo {
  id: string
  listenAddrs: string[]
  chainId: bigint
  genesis: string
  head: PeerHeadInfo
  protocols: string[]
}

export class Network {
  readonly peerId: string
  private readonly ctx: NetworkContext
  private readonly allowlist: ReadonlySet<string> | undefined
  private readonly status: StatusExchange
  private readonly gossip: Gossip
  private readonly transactions: TransactionExchange
  private readonly keeper: PeerKeeper
  private readonly syncer: Syncer
  private readonly cleanups: (() => void)[] = []
  private statusTimer: NodeJS.Timeout | undefined
  private state: 'created' | 'started' | 'stopped' = 'created'

  private constructor(init: NetworkInit, node: Libp2pNode, book: PeerBook, options: NetworkOptions, allowlist: ReadonlySet<string> | undefined) {
    this.peerId = node.peerId.toString()
    this.allowlist = allowlist
    const ctx: NetworkContext = {
      node,
      chain: init.chain,
      pool: init.pool,
      logger: init.logger,
      metrics: init.metrics === null ? null : new NetworkMetrics(init.metrics, () => this.peerCount(), () => this.syncDistance()),
      options,
      protocols: protocols(init.chain.chainId),
      book,
      started: () => this.state === 'started',
    }
    this.ctx = ctx
    this.keeper = new PeerKeeper(ctx, allowlist)
    this.transactions = new TransactionExchange(ctx)
    this.syncer = new Syncer({
      chain: ctx.chain,
      peers: book,
      options,
      logger: ctx.logger,
      metrics: ctx.metrics,
      requestRange: (peerId, start, count, signal) => requestRange(ctx, peerId, start, count, signal),
      penalise: (peerId, reason, detail) => penalise(ctx, peerId, reason, detail),
    })
    this.status = new StatusExchange(ctx, {
      ready: (peer) => {
        this.keeper.ready(peer.toString())
        this.transactions.peerReady(peer)
      },
      behind: () => this.syncer.trigger(),
    })
    this.gossip = new Gossip(ctx, { requestSyncFrom: (peer) => this.status.requestSyncFrom(peer), announceHead: () => this.refreshStatuses(true) })
    for (const address of init.bootnodes ?? []) this.keeper.rememberStatic(address)
  }

  static async create(init: NetworkInit): Promise<Network> {
    const options = resolveNetworkOptions(init.options)
    const allowlist = init.allowlist === undefined ? undefined : new Set(init.allowlist.map(allowlistPeerId))
    for (const address of init.bootnodes ?? []) staticPeerId(address) // fail fast on a bad bootnode
    const book = new PeerBook(options.penaltyHalfLifeMs)
    const refused = (peer: PeerId): boolean => {
      const id = peer.toString()
      return (allowlist !== undefined && !allowlist.has(id)) || book.bannedFor(id) > 0
    }
    const gater: ConnectionGater = {
      denyDialPeer: refused,
      denyInboundEncryptedConnection: refused,
      denyOutboundEncryptedConnection: refused,
    }
    const topics = protocols(init.chain.chainId)
    const node: Libp2pNode = await createLibp2p({
      start: false,
      privateKey: await loadOrCreateNodeKey(init.dataDir, init.logger),
      addresses: { listen: init.listen ?? ['/ip4/0.0.0.0/tcp/30303'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: gater,
      connectionManager: { maxConnections: options.maxPeers },
      nodeInfo: { name: 'busan', version: '1' },
      peerDiscovery: [pubsubPeerDiscovery({ interval: options.discoveryIntervalMs, topics: [topics.peersTopic] })],
      services: { identify: identify(), pubsub: gossipService(topics, book, options) },
    })
    return new Network(init, node, book, options, allowlist)
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`network already ${this.state}`)
    this.state = 'started'
    const { node, options, protocols, book, logger, chain } = this.ctx
    const handlerOptions = { maxInboundStreams: options.maxInboundStreams, maxOutboundStreams: options.syncRequestsInFlight + 4 }
    await node.handle(protocols.status, (stream, connection) => this.status.serve(stream, connection), handlerOptions)
    await node.handle(protocols.blocksByRange, (stream, connection) => serveRange(this.ctx, stream, connection), handlerOptions)
    await node.handle(protocols.pooledTransactionHashes, (stream, connection) => this.transactions.serveAnnouncement(stream, connection), handlerOptions)
    await node.handle(protocols.pooledTransactions, (stream, connection) => this.transactions.serveRequest(stream, connection), handlerOptions)
    const onConnect = (event: CustomEvent<PeerId>) => {
      book.add(event.detail.toString())
      logger.debug({ peer: event.detail.toString() }, 'peer connected')
      this.keeper.connected(event.detail)
      this.status.onConnect(event.detail)
    }
    const onDisconnect = (event: CustomEvent<PeerId>) => this.onPeerDisconnect(event.detail)
    node.addEventListener('peer:connect', onConnect)
    node.addEventListener('peer:disconnect', onDisconnect)
    this.cleanups.push(() => {
      node.removeEventListener('peer:connect', onConnect)
      node.removeEventListener('peer:disconnect', onDisconnect)
    })

    this.gossip.attach()
    await node.start()
    this.cleanups.push(this.gossip.subscribe())
    this.statusTimer = setInterval(() => this.refreshStatuses(), options.statusIntervalMs)
    this.statusTimer.unref()
    this.transactions.start()

    const head = chain.head()
    logger.info({ peerId: this.peerId, listen: this.multiaddrs(), chainId: chain.chainId.toString(), head: Number(head.number), staticPeers: this.keeper.staticCount, allowlist: this.allowlist?.size ?? null }, 'peer network started')
    this.keeper.start()
  }

  async stop(): Promise<void> {
    if (this.state !== 'started') {
      this.state = 'stopped'
      return
    }
    this.state = 'stopped'
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer)
    this.transactions.stop()
    this.keeper.stop()
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    const syncStopped = this.syncer.stop()
    await this.ctx.node.stop()
    await syncStopped
    this.ctx.logger.info('peer network stopped')
  }

  /** Our listen addresses, each ending in /p2p/<peerId> (what other nodes put in their bootnodes). */
  multiaddrs(): string[] {
    return this.ctx.node.getMultiaddrs().map((address) => address.toString())
  }

  peerCount(): number {
    return this.ctx.node.getPeers().length
  }

  peers(): PeerInfo[] {
    const byPeer = new Map<string, Connection[]>()
    for (const connection of this.ctx.node.getConnections()) {
      const id = connection.remotePeer.toString()
      byPeer.set(id, [...(byPeer.get(id) ?? []), connection])
    }
    return [...byPeer].map(([id, connections]) => {
      const head = this.ctx.book.get(id)?.head
      return {
        id,
        addresses: connections.map((connection) => connection.remoteAddr.toString()),
        direction: connections[0].direction,
        ...(head === undefined ? {} : { head: { number: head.number, hash: bytesToHex(head.hash), td: head.td } }),
      }
    })
  }

  nodeInfo(): NodeInfo {
    const { chain, protocols: ids } = this.ctx
    const head = chain.head()
    return {
      id: this.peerId,
      listenAddrs: this.multiaddrs(),
      chainId: chain.chainId,
      genesis: bytesToHex(chain.genesisHash),
      head: { number: head.number, hash: bytesToHex(head.hash), td: head.totalDifficulty },
      protocols: [ids.status, ids.blocksByRange, ids.pooledTransactionHashes, ids.pooledTransactions, ids.blocksTopic, ids.transactionsTopic, ids.peersTopic],
    }
  }

  /**
   * Gossip reach: peers subscribed to our block topic (they get what we publish) and those in
   * our block-topic mesh (they get what we forward; the mesh forms on gossipsub heartbeats).
   */
  gossipPeers(): { subscribers: number; mesh: number } {
    if (this.state !== 'started') return { subscribers: 0, mesh: 0 }
    const pubsub = this.ctx.node.services.pubsub as GossipSub & { getMeshPeers?(topic: string): string[] }
    const topic = this.ctx.protocols.blocksTopic
    return { subscribers: pubsub.getSubscribers(topic).length, mesh: pubsub.getMeshPeers?.(topic).length ?? 0 }
  }

  /** Blocks the sync still has to import (0 when not syncing). */
  private syncDistance(): number {
    const status = this.syncing()
    return status === false ? 0 : Number(status.highestBlock - status.currentBlock)
  }

  /** False, or the sync progress (eth_syncing). */
  syncing(): false | SyncStatus {
    return this.syncer.status()
  }

  /**
   * Adds a static peer (multiaddr with /p2p/<peerId>) and dials it; it is redialled on
   * disconnect from then on. Rejects when the address is invalid or the first dial fails
   * (the peer stays static and is retried with backoff).
   */
  async addPeer(address: string): Promise<void> {
    if (this.state !== 'started') throw new Error('network not started')
    await this.keeper.addPeer(address)
  }

  /** Gossips a block (our sealed blocks are published automatically); returns how many peers it was sent to. */
  publishBlock(block: Block): Promise<number> {
    return this.gossip.publishBlock(block)
  }

  /**
   * The BFT consensus transport: joins the consensus topic (validators only) and hands each
   * message to `handler`, whose verdict ('accept' relays, 'reject' penalises the sender)
   * gossipsub applies. Returns the leave function.
   */
  onConsensusMessage(handler: (bytes: Uint8Array) => Promise<'accept' | 'ignore' | 'reject'>): () => void {
    return this.gossip.joinConsensus(handler)
  }

  /** Gossips a consensus message to the validators (code byte + RLP); returns how many peers it went to. */
  broadcastConsensus(bytes: Uint8Array): Promise<number> {
    return this.gossip.publishConsensus(bytes)
  }

  /** Gossips a raw signed transaction (local pending transactions are published automatically). */
  publishTransaction(raw: Uint8Array): Promise<number> {
    return this.gossip.publishTransaction(raw)
  }

  private onPeerDisconnect(peer: PeerId): void {
    const id = peer.toString()
    const known = this.ctx.book.get(id)?.head !== undefined
    this.ctx.book.remove(id)
    this.ctx.logger[known ? 'info' : 'debug']({ peer: id, peers: this.peerCount() }, 'peer disconnected')
    this.keeper.disconnected(id)
  }

  /** Re-exchanges status with every peer (or those not heard from for a while), then checks whether to sync. */
  private refreshStatuses(all = false): void {
    this.status.refresh(all)
    this.syncer.trigger()
  }
}
