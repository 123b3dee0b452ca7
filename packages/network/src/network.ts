// The peer network: libp2p over TCP (noise, yamux), a status handshake, block and
// transaction gossip (gossipsub, validated by importing into the chain / adding to the
// pool), blocks-by-range for sync, static peers redialled with backoff, an optional
// allowlist and application-level penalties leading to bans.
import { createHash } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import { gossipsub, StrictNoSign, TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { Connection, ConnectionGater, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { blockErrorCode, isBenignBlockError, isUnknownParent, PeerFaultError, transactionVerdict, type PenaltyReason } from './errors.ts'
import type { ChainAccess, PoolAccess } from './interface.ts'
import { decodeRangeRequest, decodeStatus, encodeRangeRequest, encodeStatus, MalformedMessageError, MAX_RANGE_REQUEST_BYTES, MAX_STATUS_BYTES, protocols, type Protocols, type StatusMessage } from './messages.ts'
import { NetworkMetrics, type GossipTopicLabel } from './metrics.ts'
import { loadOrCreateNodeKey } from './node-key.ts'
import { resolveNetworkOptions, type NetworkOptions } from './options.ts'
import { PeerBook } from './peers.ts'
import { abortOnSignal, readAll, readOne, send } from './streams.ts'
import { Syncer, type SyncStatus } from './sync.ts'

/** gossipsub frames messages with it-length-prefixed's default 4 MiB limit; keep room for the RPC envelope. */
const MAX_GOSSIP_BYTES = 4 * 1024 * 1024 - 64 * 1024
const STATIC_PEER_TAG = 'busan-static-peer'
/** Content ids of transactions that arrived by gossip (gossipsub forwards those itself). */
const RECENT_GOSSIP_TRANSACTIONS = 32_768

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

type Node = Libp2p<{ identify: Identify; pubsub: GossipSub }>

interface StaticPeer {
  id: string
  address: Multiaddr
  delayMs: number
  timer?: NodeJS.Timeout
}

export class Network {
  readonly peerId: string
  private readonly node: Node
  private readonly chain: ChainAccess
  private readonly pool: PoolAccess
  private readonly logger: Logger
  private readonly metrics: NetworkMetrics | null
  private readonly options: NetworkOptions
  private readonly protocols: Protocols
  private readonly book: PeerBook
  private readonly syncer: Syncer
  private readonly allowlist: ReadonlySet<string> | undefined
  private readonly staticPeers = new Map<string, StaticPeer>()
  private readonly gossipedTransactions = new Set<string>()
  private readonly cleanups: (() => void)[] = []
  private statusTimer: NodeJS.Timeout | undefined
  private state: 'created' | 'started' | 'stopped' = 'created'

  private constructor(init: NetworkInit, node: Node, book: PeerBook, options: NetworkOptions, allowlist: ReadonlySet<string> | undefined) {
    this.node = node
    this.peerId = node.peerId.toString()
    this.chain = init.chain
    this.pool = init.pool
    this.logger = init.logger
    this.options = options
    this.book = book
    this.allowlist = allowlist
    this.protocols = protocols(init.chain.chainId)
    this.metrics = init.metrics === null ? null : new NetworkMetrics(init.metrics, () => this.peerCount())
    this.syncer = new Syncer({
      chain: this.chain,
      peers: book,
      options,
      logger: this.logger,
      metrics: this.metrics,
      requestRange: (peerId, start, count, signal) => this.requestRange(peerId, start, count, signal),
      penalise: (peerId, reason, detail) => this.penalise(peerId, reason, detail),
    })
    for (const address of init.bootnodes ?? []) this.rememberStatic(address)
  }

  static async create(init: NetworkInit): Promise<Network> {
    const options = resolveNetworkOptions(init.options)
    const logger = init.logger
    const allowlist = init.allowlist === undefined ? undefined : new Set(init.allowlist.map((id) => peerIdFromString(id).toString()))
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
    const privateKey = await loadOrCreateNodeKey(init.dataDir, logger)
    const node: Node = await createLibp2p({
      start: false,
      privateKey,
      addresses: { listen: init.listen ?? ['/ip4/0.0.0.0/tcp/30303'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: gater,
      connectionManager: { maxConnections: options.maxPeers },
      nodeInfo: { name: 'busan', version: '1' },
      services: {
        identify: identify(),
        pubsub: gossipsub({
          globalSignaturePolicy: StrictNoSign,
          msgIdFn: (message: Message) => contentId(message.topic, message.data),
          emitSelf: false,
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          fallbackToFloodsub: false,
          allowedTopics: [topics.blocksTopic, topics.transactionsTopic],
          maxInboundDataLength: 4 * 1024 * 1024,
          scoreParams: {
            // Application penalties (invalid sync data, malformed requests) lower the gossip score too.
            appSpecificScore: (peer: string) => -book.penalty(peer),
            appSpecificWeight: 0.5,
            topics: {
              [topics.blocksTopic]: topicScore(1),
              [topics.transactionsTopic]: topicScore(0.2),
            },
          },
        }),
      },
    })
    return new Network(init, node, book, options, allowlist)
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`network already ${this.state}`)
    this.state = 'started'
    const node = this.node
    const handlerOptions = { maxInboundStreams: this.options.maxInboundStreams, maxOutboundStreams: this.options.syncRequestsInFlight + 4 }
    await node.handle(this.protocols.status, (stream, connection) => this.serveStatus(stream, connection), handlerOptions)
    await node.handle(this.protocols.blocksByRange, (stream, connection) => this.serveRange(stream, connection), handlerOptions)
    const onConnect = (event: CustomEvent<PeerId>) => this.onPeerConnect(event.detail)
    const onDisconnect = (event: CustomEvent<PeerId>) => this.onPeerDisconnect(event.detail)
    node.addEventListener('peer:connect', onConnect)
    node.addEventListener('peer:disconnect', onDisconnect)
    this.cleanups.push(() => {
      node.removeEventListener('peer:connect', onConnect)
      node.removeEventListener('peer:disconnect', onDisconnect)
    })

    const pubsub = node.services.pubsub
    pubsub.topicValidators.set(this.protocols.blocksTopic, (peer, message) => this.validateBlock(peer, message))
    pubsub.topicValidators.set(this.protocols.transactionsTopic, (peer, message) => this.validateTransaction(peer, message))
    await node.start()
    pubsub.subscribe(this.protocols.blocksTopic)
    pubsub.subscribe(this.protocols.transactionsTopic)

    this.cleanups.push(this.chain.onHead((block, sealedHere) => {
      if (sealedHere) void this.publishBlock(block)
    }))
    this.cleanups.push(this.pool.onPending((raw) => {
      if (this.gossipedTransactions.has(contentIdHex(this.protocols.transactionsTopic, raw))) return
      void this.publishTransaction(raw)
    }))
    this.statusTimer = setInterval(() => this.refreshStatuses(), this.options.statusIntervalMs)
    this.statusTimer.unref()

    const head = this.chain.head()
    this.logger.info({ peerId: this.peerId, listen: this.multiaddrs(), chainId: this.chain.chainId.toString(), head: Number(head.number), staticPeers: this.staticPeers.size, allowlist: this.allowlist?.size ?? null }, 'peer network started')
    for (const peer of this.staticPeers.values()) void this.dialStatic(peer)
  }

  async stop(): Promise<void> {
    if (this.state !== 'started') {
      this.state = 'stopped'
      return
    }
    this.state = 'stopped'
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer)
    for (const peer of this.staticPeers.values()) if (peer.timer !== undefined) clearTimeout(peer.timer)
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    const syncStopped = this.syncer.stop()
    await this.node.stop()
    await syncStopped
    this.logger.info('peer network stopped')
  }

  /** Our listen addresses, each ending in /p2p/<peerId> (what other nodes put in their bootnodes). */
  multiaddrs(): string[] {
    return this.node.getMultiaddrs().map((address) => address.toString())
  }

  peerCount(): number {
    return this.node.getPeers().length
  }

  peers(): PeerInfo[] {
    const byPeer = new Map<string, Connection[]>()
    for (const connection of this.node.getConnections()) {
      const id = connection.remotePeer.toString()
      byPeer.set(id, [...(byPeer.get(id) ?? []), connection])
    }
    return [...byPeer].map(([id, connections]) => {
      const head = this.book.get(id)?.head
      return {
        id,
        addresses: connections.map((connection) => connection.remoteAddr.toString()),
        direction: connections[0].direction,
        ...(head === undefined ? {} : { head: { number: head.number, hash: bytesToHex(head.hash), td: head.td } }),
      }
    })
  }

  nodeInfo(): NodeInfo {
    const head = this.chain.head()
    return {
      id: this.peerId,
      listenAddrs: this.multiaddrs(),
      chainId: this.chain.chainId,
      genesis: bytesToHex(this.chain.genesisHash),
      head: { number: head.number, hash: bytesToHex(head.hash), td: head.totalDifficulty },
      protocols: [this.protocols.status, this.protocols.blocksByRange, this.protocols.blocksTopic, this.protocols.transactionsTopic],
    }
  }

  /**
   * Gossip reach: peers subscribed to our block topic (they get what we publish) and those in
   * our block-topic mesh (they get what we forward; the mesh forms on gossipsub heartbeats).
   */
  gossipPeers(): { subscribers: number; mesh: number } {
    if (this.state !== 'started') return { subscribers: 0, mesh: 0 }
    const pubsub = this.node.services.pubsub as GossipSub & { getMeshPeers?(topic: string): string[] }
    return { subscribers: pubsub.getSubscribers(this.protocols.blocksTopic).length, mesh: pubsub.getMeshPeers?.(this.protocols.blocksTopic).length ?? 0 }
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
    const peer = this.rememberStatic(address)
    if (peer.timer !== undefined) clearTimeout(peer.timer)
    peer.timer = undefined
    peer.delayMs = this.options.redialMinMs
    await this.dialStatic(peer, true)
  }

  /** Gossips a block (our sealed blocks are published automatically); returns how many peers it was sent to. */
  async publishBlock(block: Block): Promise<number> {
    const data = block.serialize()
    if (data.length > MAX_GOSSIP_BYTES) {
      // Too large for a gossip frame: peers learn of it from our status and fetch it by range.
      this.logger.warn({ number: Number(block.header.number), bytes: data.length }, 'block too large to gossip; announcing status instead')
      this.refreshStatuses(true)
      return 0
    }
    return this.publish('blocks', this.protocols.blocksTopic, data)
  }

  /** Gossips a raw signed transaction (local pending transactions are published automatically). */
  async publishTransaction(raw: Uint8Array): Promise<number> {
    if (raw.length > this.options.maxTransactionBytes) return 0
    return this.publish('transactions', this.protocols.transactionsTopic, raw)
  }

  private async publish(label: GossipTopicLabel, topic: string, data: Uint8Array): Promise<number> {
    if (this.state !== 'started') return 0
    try {
      const result = await this.node.services.pubsub.publish(topic, data)
      this.metrics?.gossipOut(label, 'published')
      return result.recipients.length
    } catch (error) {
      this.metrics?.gossipOut(label, 'failed')
      this.logger.debug({ topic: label, err: error }, 'gossip publish failed')
      return 0
    }
  }

  // ---- peers: connect, status, static peers, penalties ----

  private onPeerConnect(peer: PeerId): void {
    const id = peer.toString()
    this.book.add(id)
    this.logger.debug({ peer: id }, 'peer connected')
    // Both sides send their status on connect; whichever exchange finishes first informs both.
    void this.exchangeStatus(peer).catch((error: unknown) => {
      if (this.state !== 'started' || this.node.getConnections(peer).length === 0) return
      if (error instanceof PeerFaultError) this.penalise(id, error.reason, error.message)
      if (this.book.get(id)?.head !== undefined) return // the other direction succeeded
      this.logger.info({ peer: id, err: (error as Error).message }, 'status exchange failed; disconnecting')
      void this.node.hangUp(peer).catch(() => undefined)
    })
  }

  private onPeerDisconnect(peer: PeerId): void {
    const id = peer.toString()
    const known = this.book.get(id)?.head !== undefined
    this.book.remove(id)
    this.logger[known ? 'info' : 'debug']({ peer: id, peers: this.peerCount() }, 'peer disconnected')
    const staticPeer = this.staticPeers.get(id)
    if (staticPeer !== undefined && this.state === 'started') this.scheduleRedial(staticPeer)
  }

  private localStatus(): StatusMessage {
    const head = this.chain.head()
    return { chainId: this.chain.chainId, genesisHash: this.chain.genesisHash, headNumber: head.number, headHash: head.hash, totalDifficulty: head.totalDifficulty }
  }

  private async exchangeStatus(peer: PeerId): Promise<void> {
    const signal = AbortSignal.timeout(this.options.statusTimeoutMs)
    const stream = await this.node.dialProtocol(peer, this.protocols.status, { signal })
    const detach = abortOnSignal(stream, signal)
    try {
      await send(stream, encodeStatus(this.localStatus()), signal)
      await stream.close({ signal })
      const status = decodeMessage(await readOne(stream, MAX_STATUS_BYTES), decodeStatus)
      this.onStatus(peer, status)
    } catch (error) {
      throw signal.aborted ? new PeerFaultError('timeout', 'status exchange timed out') : error
    } finally {
      detach()
    }
  }

  private async serveStatus(stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.options.statusTimeoutMs)
    const detach = abortOnSignal(stream, signal)
    try {
      const status = decodeMessage(await readOne(stream, MAX_STATUS_BYTES), decodeStatus)
      await send(stream, encodeStatus(this.localStatus()), signal)
      await stream.close({ signal })
      this.metrics?.servedRequest('status')
      this.onStatus(connection.remotePeer, status)
    } catch (error) {
      this.requestFailed(stream, connection, error)
    } finally {
      detach()
    }
  }

  private onStatus(peer: PeerId, status: StatusMessage): void {
    const id = peer.toString()
    if (status.chainId !== this.chain.chainId || bytesToHex(status.genesisHash) !== bytesToHex(this.chain.genesisHash)) {
      this.logger.warn({ peer: id, chainId: status.chainId.toString(), genesis: bytesToHex(status.genesisHash) }, 'peer on another chain; disconnecting')
      this.book.ban(id, this.options.banMs, 'incompatible chain')
      void this.node.hangUp(peer).catch(() => undefined)
      return
    }
    const state = this.book.get(id)
    if (state === undefined) return
    const first = state.head === undefined
    this.book.noteHead(id, { number: status.headNumber, hash: status.headHash, td: status.totalDifficulty }, true)
    state.statusAt = Date.now()
    if (first) this.logger.info({ peer: id, head: Number(status.headNumber), td: status.totalDifficulty.toString(), peers: this.peerCount() }, 'peer ready')
    const staticPeer = this.staticPeers.get(id)
    if (staticPeer !== undefined) staticPeer.delayMs = this.options.redialMinMs
    if (status.totalDifficulty > this.chain.head().totalDifficulty) this.syncer.trigger()
  }

  /** Re-exchanges status with every peer (or those not heard from for a while). */
  private refreshStatuses(all = false): void {
    const stale = Date.now() - this.options.statusIntervalMs / 2
    for (const peer of this.book.all()) {
      if (!all && peer.statusAt > stale) continue
      void this.exchangeStatus(peerIdFromString(peer.id)).catch((error: unknown) => {
        if (error instanceof PeerFaultError) this.penalise(peer.id, error.reason, error.message)
      })
    }
    this.syncer.trigger()
  }

  /** A peer showed us a block whose parent we lack: learn its head and sync from it (at most once a second). */
  private requestSyncFrom(peer: PeerId): void {
    const state = this.book.get(peer.toString())
    if (state === undefined || Date.now() - state.refreshRequestedAt < 1000) return
    state.refreshRequestedAt = Date.now()
    void this.exchangeStatus(peer).catch(() => undefined)
  }

  private penalise(peerId: string, reason: PenaltyReason, detail: string): void {
    const points = this.options.penalties[reason]
    const total = this.book.penalise(peerId, points)
    this.metrics?.penalty(reason)
    this.logger.info({ peer: peerId, reason, detail, points: Math.round(total) }, 'peer penalised')
    if (total >= this.options.banThreshold && this.book.bannedFor(peerId) === 0) {
      this.book.ban(peerId, this.options.banMs, reason)
      this.metrics?.ban()
      this.logger.warn({ peer: peerId, reason, minutes: this.options.banMs / 60_000 }, 'peer banned')
      void this.node.hangUp(peerIdFromString(peerId)).catch(() => undefined)
    }
  }

  private rememberStatic(address: string): StaticPeer {
    const id = staticPeerId(address)
    const existing = this.staticPeers.get(id)
    const peer: StaticPeer = { id, address: multiaddr(address), delayMs: existing?.delayMs ?? this.options.redialMinMs, timer: existing?.timer }
    this.staticPeers.set(id, peer)
    return peer
  }

  private async dialStatic(peer: StaticPeer, rethrow = false): Promise<void> {
    peer.timer = undefined
    if (this.state !== 'started' || this.staticPeers.get(peer.id) !== peer) return
    const id = peerIdFromString(peer.id)
    if (this.node.getConnections(id).length > 0) return
    try {
      // A high tag value keeps the connection manager from pruning static peers when full.
      await this.node.peerStore.merge(id, { tags: { [STATIC_PEER_TAG]: { value: 100 } } })
      await this.node.dial(peer.address, { signal: AbortSignal.timeout(this.options.requestTimeoutMs) })
    } catch (error) {
      this.logger.debug({ peer: peer.id, address: peer.address.toString(), err: (error as Error).message, retryMs: peer.delayMs }, 'dial failed')
      this.scheduleRedial(peer)
      if (rethrow) throw error
    }
  }

  private scheduleRedial(peer: StaticPeer): void {
    if (this.state !== 'started' || peer.timer !== undefined) return
    const delay = Math.max(peer.delayMs, this.book.bannedFor(peer.id))
    peer.delayMs = Math.min(peer.delayMs * 2, this.options.redialMaxMs)
    peer.timer = setTimeout(() => void this.dialStatic(peer), delay)
    peer.timer.unref()
  }

  // ---- gossip validation ----

  private async validateBlock(from: PeerId, message: Message): Promise<TopicValidatorResult> {
    const verdict = await this.blockVerdict(from, message.data)
    this.metrics?.gossipIn('blocks', verdict)
    return verdict === 'accept' ? TopicValidatorResult.Accept : verdict === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }

  private async blockVerdict(from: PeerId, data: Uint8Array): Promise<'accept' | 'ignore' | 'reject'> {
    const id = from.toString()
    if (data.length > MAX_GOSSIP_BYTES) {
      this.penalise(id, 'malformedMessage', `gossip block of ${data.length} bytes`)
      return 'reject'
    }
    let block: Block
    try {
      block = this.chain.decodeBlock(data)
    } catch (error) {
      this.penalise(id, 'malformedMessage', `undecodable block: ${(error as Error).message}`)
      return 'reject'
    }
    const number = block.header.number
    const hash = block.hash()
    if (this.chain.blockByHash(hash) !== undefined) {
      this.noteGossipHead(id, block)
      return 'ignore'
    }
    try {
      const outcome = await this.chain.importBlock(block)
      this.noteGossipHead(id, block)
      if (outcome === 'known') return 'ignore'
      this.logger.debug({ peer: id, number: Number(number), hash: bytesToHex(hash), outcome }, 'gossip block imported')
      return 'accept'
    } catch (error) {
      if (isUnknownParent(error)) {
        this.book.noteHead(id, { number, hash, td: 0n }, false)
        this.requestSyncFrom(from)
        return 'ignore'
      }
      const code = blockErrorCode(error)
      if (code === undefined) {
        this.logger.warn({ peer: id, number: Number(number), err: error }, 'gossip block import failed')
        return 'ignore'
      }
      if (isBenignBlockError(code)) return 'ignore'
      this.penalise(id, 'invalidBlock', `block ${number} ${bytesToHex(hash)}: ${(error as Error).message}`)
      return 'reject'
    }
  }

  /** A block the peer forwarded is on its chain: raise its known head (exact td when it is our head now). */
  private noteGossipHead(id: string, block: Block): void {
    const head = this.chain.head()
    const td = bytesToHex(head.hash) === bytesToHex(block.hash()) ? head.totalDifficulty : 0n
    this.book.noteHead(id, { number: block.header.number, hash: block.hash(), td }, false)
  }

  private async validateTransaction(from: PeerId, message: Message): Promise<TopicValidatorResult> {
    const verdict = await this.transactionVerdict(from, message.data)
    this.metrics?.gossipIn('transactions', verdict)
    return verdict === 'accept' ? TopicValidatorResult.Accept : verdict === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }

  private async transactionVerdict(from: PeerId, data: Uint8Array): Promise<'accept' | 'ignore' | 'reject'> {
    if (data.length > this.options.maxTransactionBytes) {
      this.penalise(from.toString(), 'invalidTransaction', `transaction of ${data.length} bytes`)
      return 'reject'
    }
    const id = contentIdHex(this.protocols.transactionsTopic, data)
    this.rememberGossipedTransaction(id)
    try {
      await this.pool.addRaw(data)
      return 'accept'
    } catch (error) {
      const verdict = transactionVerdict(error)
      if (verdict !== 'invalid') return 'ignore'
      this.penalise(from.toString(), 'invalidTransaction', (error as Error).message)
      return 'reject'
    }
  }

  private rememberGossipedTransaction(id: string): void {
    this.gossipedTransactions.delete(id)
    this.gossipedTransactions.add(id)
    if (this.gossipedTransactions.size > RECENT_GOSSIP_TRANSACTIONS) {
      const oldest = this.gossipedTransactions.values().next().value
      if (oldest !== undefined) this.gossipedTransactions.delete(oldest)
    }
  }

  // ---- blocks-by-range ----

  private async serveRange(stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.options.requestTimeoutMs)
    const detach = abortOnSignal(stream, signal)
    try {
      const request = decodeMessage(await readOne(stream, MAX_RANGE_REQUEST_BYTES), (data) => decodeRangeRequest(data, this.options.maxRangeBlocks))
      let bytes = 0
      for (let i = 0; i < request.count; i++) {
        const block = this.chain.blockByNumber(request.start + BigInt(i))
        if (block === undefined) break
        const rlp = block.serialize()
        if (i > 0 && bytes + rlp.length > this.options.maxResponseBytes) break
        bytes += rlp.length
        await send(stream, rlp, signal)
      }
      await stream.close({ signal })
      this.metrics?.servedRequest('blocks-by-range')
    } catch (error) {
      this.requestFailed(stream, connection, error)
    } finally {
      detach()
    }
  }

  private requestFailed(stream: Stream, connection: Connection, error: unknown): void {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    if (error instanceof PeerFaultError) this.penalise(connection.remotePeer.toString(), error.reason, error.message)
    else this.logger.debug({ peer: connection.remotePeer.toString(), protocol: stream.protocol, err: (error as Error).message }, 'request not served')
  }

  /** The peer's canonical blocks [start, start + count), checked to be consecutive and linked; may be fewer. */
  private async requestRange(peerId: string, start: bigint, count: number, cancel: AbortSignal): Promise<Block[]> {
    const peer = peerIdFromString(peerId)
    if (this.node.getConnections(peer).length === 0) throw new Error(`peer ${peerId} not connected`)
    const signal = AbortSignal.any([cancel, AbortSignal.timeout(this.options.requestTimeoutMs)])
    const stream = await this.node.dialProtocol(peer, this.protocols.blocksByRange, { signal })
    stream.maxReadBufferLength = this.options.maxResponseBytes + this.options.maxBlockBytes
    const detach = abortOnSignal(stream, signal)
    let messages: Uint8Array[]
    try {
      await send(stream, encodeRangeRequest({ start, count }), signal)
      await stream.close({ signal })
      messages = await readAll(stream, { maxBytes: this.options.maxBlockBytes, maxCount: count, maxTotal: this.options.maxResponseBytes + this.options.maxBlockBytes })
    } catch (error) {
      if (signal.aborted && !cancel.aborted) throw new PeerFaultError('timeout', `blocks-by-range ${start}+${count} timed out`)
      throw error
    } finally {
      detach()
    }
    const blocks: Block[] = []
    for (const [index, rlp] of messages.entries()) {
      let block: Block
      try {
        block = this.chain.decodeBlock(rlp)
      } catch (error) {
        throw new PeerFaultError('badResponse', `undecodable block in range response: ${(error as Error).message}`)
      }
      const expected = start + BigInt(index)
      if (block.header.number !== expected) throw new PeerFaultError('badResponse', `range response has block ${block.header.number} where ${expected} belongs`)
      if (index > 0 && bytesToHex(block.header.parentHash) !== bytesToHex(blocks[index - 1].hash())) throw new PeerFaultError('badResponse', `range response not linked at block ${expected}`)
      blocks.push(block)
    }
    return blocks
  }
}

/** Decodes a peer's message; a decoding failure is the peer's fault. */
function decodeMessage<T>(data: Uint8Array, decode: (data: Uint8Array) => T): T {
  try {
    return decode(data)
  } catch (error) {
    if (error instanceof MalformedMessageError) throw new PeerFaultError('malformedMessage', error.message)
    throw error
  }
}

function staticPeerId(address: string): string {
  let parsed: Multiaddr
  try {
    parsed = multiaddr(address)
  } catch (error) {
    throw new Error(`invalid peer address ${address}: ${(error as Error).message}`)
  }
  const id = parsed.getComponents().findLast((component) => component.name === 'p2p')?.value
  if (id === undefined) throw new Error(`peer address ${address} has no /p2p/<peerId>`)
  return peerIdFromString(id).toString()
}

/** Gossip message id: the content hash, so the same block or transaction from any peer is one message. */
function contentId(topic: string, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(topic).update(data).digest().subarray(0, 20)
}

function contentIdHex(topic: string, data: Uint8Array): string {
  return Buffer.from(contentId(topic, data)).toString('hex')
}

/**
 * Topic scoring: invalid messages (the validator's Reject) weigh quadratically and decay
 * slowly; delivery-rate penalties are off (a quiet chain delivers few blocks).
 */
function topicScore(topicWeight: number) {
  return {
    topicWeight,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1_000,
    timeInMeshCap: 300,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 10,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 60_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -10,
    invalidMessageDeliveriesDecay: 0.99,
  }
}
