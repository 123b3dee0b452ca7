// Prometheus metrics of the peer network, on the registry the node gives it.
import { Counter, Gauge, type Registry } from 'prom-client'

export type GossipTopicLabel = 'blocks' | 'transactions' | 'consensus'
/** accept/ignore/reject for received messages (the validator's verdict); published/failed for our own. */
export type GossipOutcome = 'accept' | 'ignore' | 'reject' | 'published' | 'failed'

const NAMES = [
  'network_peers',
  'network_sync_distance_blocks',
  'network_gossip_messages_total',
  'network_sync_blocks_imported_total',
  'network_penalties_total',
  'network_bans_total',
  'network_requests_served_total',
  'network_pooled_transaction_hashes_announced_total',
  'network_pooled_transactions_fetched_total',
  'network_peers_discovered_total',
]

/** Why we announce pooled transaction hashes to a peer. */
export type AnnounceReason = 'connect' | 'rebroadcast'
/** Request protocols we answer. */
export type ServedProtocol = 'status' | 'blocks-by-range' | 'pooled-transactions'

export class NetworkMetrics {
  private readonly gossip: Counter<'topic' | 'direction' | 'outcome'>
  private readonly syncImported: Counter
  private readonly penalties: Counter<'reason'>
  private readonly bans: Counter
  private readonly served: Counter<'protocol'>
  private readonly announced: Counter<'reason'>
  private readonly fetched: Counter<'outcome'>
  private readonly discovered: Counter

  /** `peerCount` and `syncDistance` (blocks between the head and the highest block peers announced, 0 when not syncing) are read at each scrape. */
  constructor(registry: Registry, peerCount: () => number, syncDistance: () => number) {
    // One network per node; a second one on the same registry (tests) takes the names over.
    for (const name of NAMES) if (registry.getSingleMetric(name) !== undefined) registry.removeSingleMetric(name)
    const registers = [registry]
    new Gauge({
      name: 'network_peers',
      help: 'Connected peers',
      registers,
      collect() {
        this.set(peerCount())
      },
    })
    new Gauge({
      name: 'network_sync_distance_blocks',
      help: 'Blocks between the head and the highest block peers announced while syncing (eth_syncing); 0 when in sync',
      registers,
      collect() {
        this.set(syncDistance())
      },
    })
    this.gossip = new Counter({ name: 'network_gossip_messages_total', help: 'Gossip messages by topic, direction (in/out) and outcome', labelNames: ['topic', 'direction', 'outcome'], registers })
    this.syncImported = new Counter({ name: 'network_sync_blocks_imported_total', help: 'Blocks imported by the sync (not by gossip)', registers })
    this.penalties = new Counter({ name: 'network_penalties_total', help: 'Penalties given to peers, by reason', labelNames: ['reason'], registers })
    this.bans = new Counter({ name: 'network_bans_total', help: 'Peers disconnected and banned for repeated invalid data', registers })
    this.served = new Counter({ name: 'network_requests_served_total', help: 'Requests answered to peers, by protocol', labelNames: ['protocol'], registers })
    this.announced = new Counter({ name: 'network_pooled_transaction_hashes_announced_total', help: 'Pooled transaction hashes announced to peers: to a new peer (connect) or again for local transactions (rebroadcast)', labelNames: ['reason'], registers })
    this.fetched = new Counter({ name: 'network_pooled_transactions_fetched_total', help: 'Announced transactions fetched from peers, by the pool\'s verdict (accept, ignore, reject)', labelNames: ['outcome'], registers })
    this.discovered = new Counter({ name: 'network_peers_discovered_total', help: 'Peers learned from the peer exchange and kept', registers })
  }

  gossipIn(topic: GossipTopicLabel, outcome: GossipOutcome): void {
    this.gossip.inc({ topic, direction: 'in', outcome })
  }

  gossipOut(topic: GossipTopicLabel, outcome: GossipOutcome): void {
    this.gossip.inc({ topic, direction: 'out', outcome })
  }

  syncBlocks(count: number): void {
    this.syncImported.inc(count)
  }

  penalty(reason: string): void {
    this.penalties.inc({ reason })
  }

  ban(): void {
    this.bans.inc()
  }

  servedRequest(protocol: ServedProtocol): void {
    this.served.inc({ protocol })
  }

  announcedHashes(reason: AnnounceReason, count: number): void {
    this.announced.inc({ reason }, count)
  }

  fetchedTransaction(outcome: GossipOutcome): void {
    this.fetched.inc({ outcome })
  }

  discoveredPeer(): void {
    this.discovered.inc()
  }
}
