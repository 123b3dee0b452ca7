// The peers the node keeps connected. Static peers (bootnodes, admin_addPeer) are dialled
// at start and redialled with backoff for good. Peers learned from the peer exchange (each
// node publishes its id and addresses on a gossip topic, @libp2p/pubsub-peer-discovery) and
// peers that connected to us are kept too, up to maxDiscoveredPeers: redialled on disconnect
// until DISCOVERED_PEER_RETRIES dials in a row fail, then forgotten until heard of again. So
// the network stays connected when any one node, a bootnode included, goes away. The
// allowlist and bans apply to every dial (the connection gater).
import type { PeerId, PeerInfo } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { NetworkContext } from './context.ts'

const STATIC_PEER_TAG = 'busan-static-peer'
const DISCOVERED_PEER_TAG = 'busan-discovered-peer'
/** Failed dials in a row after which a discovered peer is forgotten. */
const DISCOVERED_PEER_RETRIES = 5

interface KeptPeer {
  id: string
  kind: 'static' | 'discovered'
  /** Where a static peer is dialled; a discovered one is dialled at the addresses the peer store has. */
  address?: Multiaddr
  delayMs: number
  failures: number
  timer?: NodeJS.Timeout
}

/** The peer id in a multiaddr ending in /p2p/<id>; throws for anything else. */
export function staticPeerId(address: string): string {
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

/** A peer id as the allowlist names it (base58btc, 12D3KooW... or Qm...), normalised; throws for anything else. */
export function allowlistPeerId(id: string): string {
  try {
    return peerIdFromString(id).toString()
  } catch (error) {
    throw new Error(`invalid peer id ${id}: ${(error as Error).message}`)
  }
}

export class PeerKeeper {
  private readonly ctx: NetworkContext
  private readonly allowlist: ReadonlySet<string> | undefined
  private readonly kept = new Map<string, KeptPeer>()
  private discoveredCount = 0
  private readonly cleanups: (() => void)[] = []

  constructor(ctx: NetworkContext, allowlist: ReadonlySet<string> | undefined) {
    this.ctx = ctx
    this.allowlist = allowlist
  }

  get staticCount(): number {
    return [...this.kept.values()].filter((peer) => peer.kind === 'static').length
  }

  /** Adds a static peer (multiaddr with /p2p/<peerId>), not dialled yet. */
  rememberStatic(address: string): KeptPeer {
    const id = staticPeerId(address)
    const existing = this.kept.get(id)
    if (existing?.kind === 'discovered') this.discoveredCount--
    const peer: KeptPeer = { id, kind: 'static', address: multiaddr(address), delayMs: existing?.delayMs ?? this.ctx.options.redialMinMs, failures: 0, timer: existing?.timer }
    this.kept.set(id, peer)
    return peer
  }

  /** Dials every static peer and starts keeping discovered ones. */
  start(): void {
    const { node } = this.ctx
    const onDiscovery = (event: CustomEvent<PeerInfo>) => this.keepDiscovered(event.detail.id)
    node.addEventListener('peer:discovery', onDiscovery)
    this.cleanups.push(() => node.removeEventListener('peer:discovery', onDiscovery))
    for (const peer of this.kept.values()) void this.dial(peer)
  }

  stop(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    for (const peer of this.kept.values()) if (peer.timer !== undefined) clearTimeout(peer.timer)
  }

  /** Adds a static peer and dials it at once; rejects when that dial fails (it is retried with backoff). */
  async addPeer(address: string): Promise<void> {
    const peer = this.rememberStatic(address)
    if (peer.timer !== undefined) clearTimeout(peer.timer)
    peer.timer = undefined
    peer.delayMs = this.ctx.options.redialMinMs
    await this.dial(peer, true)
  }

  /** A peer connected (either direction): keep it if there is room. */
  connected(peer: PeerId): void {
    this.keepDiscovered(peer)
  }

  /** A peer completed the status exchange: its redial backoff starts over. */
  ready(id: string): void {
    const peer = this.kept.get(id)
    if (peer === undefined) return
    peer.delayMs = this.ctx.options.redialMinMs
    peer.failures = 0
  }

  disconnected(id: string): void {
    const peer = this.kept.get(id)
    if (peer !== undefined && this.ctx.started()) this.scheduleRedial(peer)
  }

  private keepDiscovered(peerId: PeerId): void {
    const id = peerId.toString()
    if (!this.ctx.started() || this.kept.has(id) || id === this.ctx.node.peerId.toString()) return
    if (this.discoveredCount >= this.ctx.options.maxDiscoveredPeers) return
    if ((this.allowlist !== undefined && !this.allowlist.has(id)) || this.ctx.book.bannedFor(id) > 0) return
    const peer: KeptPeer = { id, kind: 'discovered', delayMs: this.ctx.options.redialMinMs, failures: 0 }
    this.kept.set(id, peer)
    this.discoveredCount++
    this.ctx.metrics?.discoveredPeer()
    this.ctx.logger.debug({ peer: id, discovered: this.discoveredCount }, 'keeping discovered peer')
    void this.dial(peer)
  }

  private async dial(peer: KeptPeer, rethrow = false): Promise<void> {
    peer.timer = undefined
    const { node, options, logger } = this.ctx
    if (!this.ctx.started() || this.kept.get(peer.id) !== peer) return
    const id = peerIdFromString(peer.id)
    if (node.getConnections(id).length > 0) return
    try {
      // A high tag value keeps the connection manager from pruning kept peers when full.
      await node.peerStore.merge(id, { tags: peer.kind === 'static' ? { [STATIC_PEER_TAG]: { value: 100 } } : { [DISCOVERED_PEER_TAG]: { value: 50 } } })
      await node.dial(peer.address ?? id, { signal: AbortSignal.timeout(options.requestTimeoutMs) })
    } catch (error) {
      peer.failures++
      logger.debug({ peer: peer.id, address: peer.address?.toString(), err: (error as Error).message, retryMs: peer.delayMs }, 'dial failed')
      if (peer.kind === 'discovered' && peer.failures >= DISCOVERED_PEER_RETRIES) await this.forget(peer)
      else this.scheduleRedial(peer)
      if (rethrow) throw error
    }
  }

  /** Drops a discovered peer that keeps failing; out of the peer store too, so its next announcement counts as new. */
  private async forget(peer: KeptPeer): Promise<void> {
    this.kept.delete(peer.id)
    this.discoveredCount--
    this.ctx.logger.debug({ peer: peer.id, failures: peer.failures }, 'forgetting unreachable discovered peer')
    await this.ctx.node.peerStore.delete(peerIdFromString(peer.id)).catch(() => undefined)
  }

  private scheduleRedial(peer: KeptPeer): void {
    if (!this.ctx.started() || peer.timer !== undefined) return
    const delay = Math.max(peer.delayMs, this.ctx.book.bannedFor(peer.id))
    peer.delayMs = Math.min(peer.delayMs * 2, this.ctx.options.redialMaxMs)
    peer.timer = setTimeout(() => void this.dial(peer), delay)
    peer.timer.unref()
  }
}
