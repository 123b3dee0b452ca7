// Besu's health endpoints on the JSON-RPC port: GET /liveness answers while the process serves
// requests; GET /readiness says whether the node can be trusted to answer about the chain: it
// is not syncing (or within `maxBlocksBehind` of the best block its peers announced) and has at
// least `minPeers` peers. 200 with {"status":"UP"} or 503 with {"status":"DOWN"}, plus what was
// checked, so a load balancer or Kubernetes probe can use them as Besu's.
import type { NetworkBackend } from './backend.ts'

/** Besu's default for how far behind its peers' best block a node may be and still be ready. */
export const DEFAULT_MAX_BLOCKS_BEHIND = 2

export interface HealthAnswer {
  /** 200 (up) or 503 (down); 400 for a query parameter that is not a non-negative integer. */
  statusCode: 200 | 400 | 503
  body: Record<string, unknown>
}

/** GET /liveness: the node answers. */
export function liveness(): HealthAnswer {
  return { statusCode: 200, body: { status: 'UP' } }
}

/**
 * GET /readiness?minPeers=N&maxBlocksBehind=M (both optional, Besu's parameters): ready with at
 * least `minPeers` peers (default `defaultMinPeers`, the node's --min-peers) and at most
 * `maxBlocksBehind` blocks (default 2) behind the best block it is syncing to.
 */
export function readiness(network: NetworkBackend, query: Record<string, unknown>, defaultMinPeers: number): HealthAnswer {
  const minPeers = count(query.minPeers, defaultMinPeers)
  const maxBlocksBehind = count(query.maxBlocksBehind, DEFAULT_MAX_BLOCKS_BEHIND)
  if (minPeers === undefined || maxBlocksBehind === undefined) {
    return { statusCode: 400, body: { status: 'DOWN', error: 'minPeers and maxBlocksBehind must be non-negative integers' } }
  }
  const peers = network.peerCount()
  const sync = network.syncing()
  const blocksBehind = sync === false ? 0 : Number(sync.highestBlock > sync.currentBlock ? sync.highestBlock - sync.currentBlock : 0n)
  const up = peers >= minPeers && blocksBehind <= maxBlocksBehind
  return { statusCode: up ? 200 : 503, body: { status: up ? 'UP' : 'DOWN', peers, minPeers, syncing: sync !== false, blocksBehind, maxBlocksBehind } }
}

/** A query parameter as a non-negative integer, `fallback` when absent, undefined when malformed. */
function count(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined
  return Number(value)
}
