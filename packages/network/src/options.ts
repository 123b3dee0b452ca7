// Tunables of the peer network. Every limit on what a peer may send us lives here, so the
// protocol code has no magic numbers and tests can shorten timers.

export interface NetworkOptions {
  /** Connections libp2p keeps at most (inbound and outbound together). */
  maxPeers: number
  /** Largest block RLP accepted in gossip or in a sync response. */
  maxBlockBytes: number
  /** Largest transaction accepted in gossip (geth's txMaxSize is 128 KiB). */
  maxTransactionBytes: number
  /** Blocks one blocks-by-range request may ask for. */
  maxRangeBlocks: number
  /** A blocks-by-range response stops before exceeding this many bytes (at least one block is sent). */
  maxResponseBytes: number
  /** Whole request/response exchange (dial, request, full response). */
  requestTimeoutMs: number
  /** Status exchange right after connecting. */
  statusTimeoutMs: number
  /** Every peer's status is refreshed this often (a missed gossip block is noticed at the latest then). */
  statusIntervalMs: number
  /** blocks-by-range requests kept in flight while syncing (download overlaps import). */
  syncRequestsInFlight: number
  /** Blocks asked for per sync request (at most maxRangeBlocks). */
  syncBatchBlocks: number
  /** Sync progress is logged at info this often. */
  syncLogIntervalMs: number
  /** A peer that failed a sync round is not chosen again for this long. */
  syncPeerCooldownMs: number
  /** Redial of a static peer (bootnode or addPeer) starts at this delay and doubles up to redialMaxMs. */
  redialMinMs: number
  redialMaxMs: number
  /** Application-level penalty points at which a peer is disconnected and banned. */
  banThreshold: number
  /** How long a banned (or incompatible) peer is refused. */
  banMs: number
  /** Penalty points halve over this time. */
  penaltyHalfLifeMs: number
  /** Penalty points per offence. */
  penalties: {
    invalidBlock: number
    invalidTransaction: number
    malformedMessage: number
    badResponse: number
    timeout: number
    /** A consensus message with a bad signature, from a non-validator, for a far-future height. */
    invalidConsensusMessage: number
  }
  /** Streams a peer may have open at once on each request protocol. */
  maxInboundStreams: number
  /**
   * Transactions submitted through this node and still in its pool are announced to every
   * peer again this often, in ms, so one whose first gossip reached no sealer is not lost.
   */
  rebroadcastIntervalMs: number
  /** Each node publishes its id and addresses on the peer-exchange topic this often, in ms. */
  discoveryIntervalMs: number
  /** Peers learned from the peer exchange that are dialled and kept (redialled on disconnect). */
  maxDiscoveredPeers: number
}

export const defaultNetworkOptions: Readonly<NetworkOptions> = Object.freeze({
  maxPeers: 100,
  maxBlockBytes: 10 * 1024 * 1024,
  maxTransactionBytes: 128 * 1024,
  maxRangeBlocks: 128,
  maxResponseBytes: 8 * 1024 * 1024,
  requestTimeoutMs: 20_000,
  statusTimeoutMs: 10_000,
  statusIntervalMs: 15_000,
  syncRequestsInFlight: 4,
  syncBatchBlocks: 128,
  syncLogIntervalMs: 5_000,
  syncPeerCooldownMs: 10_000,
  redialMinMs: 1_000,
  redialMaxMs: 60_000,
  banThreshold: 100,
  banMs: 10 * 60_000,
  penaltyHalfLifeMs: 5 * 60_000,
  penalties: Object.freeze({
    invalidBlock: 40,
    invalidTransaction: 10,
    malformedMessage: 25,
    badResponse: 25,
    timeout: 5,
    invalidConsensusMessage: 25,
  }),
  maxInboundStreams: 8,
  rebroadcastIntervalMs: 10_000,
  discoveryIntervalMs: 10_000,
  maxDiscoveredPeers: 25,
})

export function resolveNetworkOptions(overrides: Partial<NetworkOptions> | undefined): NetworkOptions {
  const options: NetworkOptions = { ...defaultNetworkOptions, ...overrides, penalties: { ...defaultNetworkOptions.penalties, ...overrides?.penalties } }
  if (options.syncBatchBlocks > options.maxRangeBlocks) options.syncBatchBlocks = options.maxRangeBlocks
  if (options.syncBatchBlocks < 1 || options.syncRequestsInFlight < 1) throw new Error('syncBatchBlocks and syncRequestsInFlight must be at least 1')
  for (const key of ['rebroadcastIntervalMs', 'discoveryIntervalMs'] as const) {
    if (!(options[key] > 0)) throw new Error(`${key} must be positive`)
  }
  return options
}
