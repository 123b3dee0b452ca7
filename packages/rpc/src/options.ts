// Server options. Defaults follow geth's where geth has the same knob.

export interface GasPriceOracleOptions {
  /** Recent blocks sampled (geth --gpo.blocks). */
  blocks?: number
  /** Percentile of the sampled tips suggested (geth --gpo.percentile). */
  percentile?: number
  /** Tip suggested while no block has a transaction to sample, in wei. */
  defaultTip?: bigint
  /** Highest tip ever suggested, in wei (geth --gpo.maxprice). */
  maxTip?: bigint
  /** Tips below this are not sampled, in wei (geth --gpo.ignoreprice). */
  ignoreTip?: bigint
}

export interface RpcOptions {
  /**
   * Namespaces served (geth --http.api). `admin` and the voting half of `clique` change what
   * the node does: serve them only where operators alone can reach.
   */
  namespaces?: string[]
  /** Origins allowed by CORS and for WebSocket upgrades; `*` allows any. */
  corsOrigins?: string[]
  /** Host header values accepted (DNS-rebinding guard, geth --http.vhosts); `*` accepts any. */
  vhosts?: string[]
  /** Largest HTTP request body, in bytes (geth: 5 MiB). */
  maxBodyBytes?: number
  /** Largest WebSocket message, in bytes (geth: 32 MiB). */
  wsMaxMessageBytes?: number
  /** Most requests in one batch (geth --rpc.batch-request-limit). */
  maxBatchSize?: number
  /** Byte budget of one batch response; calls past it answer -32003 (geth --rpc.batch-response-max-size). */
  maxBatchResponseBytes?: number
  /** Gas cap of eth_call / eth_estimateGas / eth_createAccessList; 0 = uncapped (geth --rpc.gascap). */
  rpcGasCap?: bigint | number
  /**
   * Time budget in ms of one HTTP request or WebSocket message for its heavy calls (EVM
   * calls, proofs, log queries), shared by a batch; 0 = none (geth --rpc.evmtimeout).
   */
  callTimeoutMs?: number
  /** Widest eth_getLogs / eth_getFilterLogs block range; 0 = unlimited. */
  logsBlockRangeCap?: number
  /** Peers GET /readiness wants by default (Besu's `minPeers`; a request may ask for another number). */
  minPeers?: number
  /** Most logs one query returns before failing; 0 = unlimited. */
  logsMaxResults?: number
  /** A filter not polled for this long is removed (geth: 5 minutes). */
  filterTimeoutMs?: number
  /** Most items a filter buffers between polls; the oldest are dropped past it. */
  filterMaxBuffered?: number
  /** Most polling filters installed at once (all clients); more are refused with -32005. */
  maxFilters?: number
  /** Most blocks eth_feeHistory looks at (geth: 1024). */
  feeHistoryMaxBlocks?: number
  /** Most reward percentiles eth_feeHistory takes (geth: 100). */
  feeHistoryMaxPercentiles?: number
  /** Most live subscriptions on one WebSocket connection. */
  maxSubscriptionsPerConnection?: number
  /** Most live subscriptions on the server (all connections). */
  maxSubscriptions?: number
  /** Most open WebSocket connections; more are closed at once with 1013 (try again later). */
  maxWsConnections?: number
  /** A WebSocket client that lets this many bytes queue up unread is disconnected. */
  wsMaxBufferedBytes?: number
  gasPriceOracle?: GasPriceOracleOptions
}

export interface ResolvedRpcOptions {
  namespaces: string[]
  corsOrigins: string[]
  vhosts: string[]
  maxBodyBytes: number
  wsMaxMessageBytes: number
  maxBatchSize: number
  maxBatchResponseBytes: number
  rpcGasCap: bigint
  callTimeoutMs: number
  logsBlockRangeCap: number
  minPeers: number
  logsMaxResults: number
  filterTimeoutMs: number
  filterMaxBuffered: number
  maxFilters: number
  feeHistoryMaxBlocks: number
  feeHistoryMaxPercentiles: number
  maxSubscriptionsPerConnection: number
  maxSubscriptions: number
  maxWsConnections: number
  wsMaxBufferedBytes: number
  gasPriceOracle: Required<GasPriceOracleOptions>
}

const GWEI = 1_000_000_000n

export const DEFAULT_RPC_OPTIONS: Readonly<ResolvedRpcOptions> = Object.freeze({
  namespaces: ['eth', 'net', 'web3', 'txpool', 'clique'],
  corsOrigins: ['*'],
  vhosts: ['*'],
  maxBodyBytes: 5 * 1024 * 1024,
  wsMaxMessageBytes: 32 * 1024 * 1024,
  maxBatchSize: 1000,
  maxBatchResponseBytes: 25_000_000,
  rpcGasCap: 50_000_000n,
  callTimeoutMs: 5_000,
  // No range cap, as geth: the address and topic indexes, the result cap and the time budget
  // bound a wide query, and dashboards query from block 0.
  logsBlockRangeCap: 0,
  minPeers: 0,
  logsMaxResults: 10_000,
  filterTimeoutMs: 5 * 60 * 1000,
  filterMaxBuffered: 10_000,
  maxFilters: 10_000,
  feeHistoryMaxBlocks: 1024,
  feeHistoryMaxPercentiles: 100,
  maxSubscriptionsPerConnection: 1000,
  maxSubscriptions: 10_000,
  maxWsConnections: 256,
  wsMaxBufferedBytes: 4 * 1024 * 1024,
  gasPriceOracle: Object.freeze({ blocks: 20, percentile: 60, defaultTip: GWEI, maxTip: 500n * GWEI, ignoreTip: 2n }),
})

function nonNegativeInt(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`rpc option ${name} must be an integer >= ${min}, got ${value}`)
  return value
}

function nonNegativeBig(name: string, value: bigint | number | undefined, fallback: bigint): bigint {
  if (value === undefined) return fallback
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`rpc option ${name} must be an integer, got ${value}`)
  const big = BigInt(value)
  if (big < 0n) throw new Error(`rpc option ${name} must be >= 0, got ${value}`)
  return big
}

/** Fills in defaults and rejects nonsense (negative sizes, empty origin lists...). */
export function resolveOptions(options: RpcOptions = {}): ResolvedRpcOptions {
  const d = DEFAULT_RPC_OPTIONS
  const gpo = options.gasPriceOracle ?? {}
  const list = (name: string, value: string[] | undefined, fallback: string[]): string[] => {
    if (value === undefined) return [...fallback]
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) {
      throw new Error(`rpc option ${name} must be a non-empty list of strings`)
    }
    return [...value]
  }
  const percentile = nonNegativeInt('gasPriceOracle.percentile', gpo.percentile, d.gasPriceOracle.percentile)
  if (percentile > 100) throw new Error(`rpc option gasPriceOracle.percentile must be <= 100, got ${percentile}`)
  return {
    namespaces: list('namespaces', options.namespaces, d.namespaces).map((n) => n.toLowerCase()),
    corsOrigins: list('corsOrigins', options.corsOrigins, d.corsOrigins),
    vhosts: list('vhosts', options.vhosts, d.vhosts).map((h) => h.toLowerCase()),
    maxBodyBytes: nonNegativeInt('maxBodyBytes', options.maxBodyBytes, d.maxBodyBytes, 1),
    wsMaxMessageBytes: nonNegativeInt('wsMaxMessageBytes', options.wsMaxMessageBytes, d.wsMaxMessageBytes, 1),
    maxBatchSize: nonNegativeInt('maxBatchSize', options.maxBatchSize, d.maxBatchSize, 1),
    maxBatchResponseBytes: nonNegativeInt('maxBatchResponseBytes', options.maxBatchResponseBytes, d.maxBatchResponseBytes),
    rpcGasCap: nonNegativeBig('rpcGasCap', options.rpcGasCap, d.rpcGasCap),
    callTimeoutMs: nonNegativeInt('callTimeoutMs', options.callTimeoutMs, d.callTimeoutMs),
    logsBlockRangeCap: nonNegativeInt('logsBlockRangeCap', options.logsBlockRangeCap, d.logsBlockRangeCap),
    minPeers: nonNegativeInt('minPeers', options.minPeers, d.minPeers),
    logsMaxResults: nonNegativeInt('logsMaxResults', options.logsMaxResults, d.logsMaxResults),
    filterTimeoutMs: nonNegativeInt('filterTimeoutMs', options.filterTimeoutMs, d.filterTimeoutMs, 1),
    filterMaxBuffered: nonNegativeInt('filterMaxBuffered', options.filterMaxBuffered, d.filterMaxBuffered, 1),
    maxFilters: nonNegativeInt('maxFilters', options.maxFilters, d.maxFilters, 1),
    feeHistoryMaxBlocks: nonNegativeInt('feeHistoryMaxBlocks', options.feeHistoryMaxBlocks, d.feeHistoryMaxBlocks, 1),
    feeHistoryMaxPercentiles: nonNegativeInt('feeHistoryMaxPercentiles', options.feeHistoryMaxPercentiles, d.feeHistoryMaxPercentiles, 1),
    maxSubscriptionsPerConnection: nonNegativeInt('maxSubscriptionsPerConnection', options.maxSubscriptionsPerConnection, d.maxSubscriptionsPerConnection, 1),
    maxSubscriptions: nonNegativeInt('maxSubscriptions', options.maxSubscriptions, d.maxSubscriptions, 1),
    maxWsConnections: nonNegativeInt('maxWsConnections', options.maxWsConnections, d.maxWsConnections, 1),
    wsMaxBufferedBytes: nonNegativeInt('wsMaxBufferedBytes', options.wsMaxBufferedBytes, d.wsMaxBufferedBytes, 1),
    gasPriceOracle: {
      blocks: nonNegativeInt('gasPriceOracle.blocks', gpo.blocks, d.gasPriceOracle.blocks, 1),
      percentile,
      defaultTip: nonNegativeBig('gasPriceOracle.defaultTip', gpo.defaultTip, d.gasPriceOracle.defaultTip),
      maxTip: nonNegativeBig('gasPriceOracle.maxTip', gpo.maxTip, d.gasPriceOracle.maxTip),
      ignoreTip: nonNegativeBig('gasPriceOracle.ignoreTip', gpo.ignoreTip, d.gasPriceOracle.ignoreTip),
    },
  }
}
