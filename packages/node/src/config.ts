import type { GenesisFile } from '@busan/chain-config'
import type { LogFormat, LogLevel } from './logger.ts'

export interface SignerKey {
  address: Uint8Array
  privateKey: Uint8Array
}

export interface NodeConfig {
  /** Everything the node keeps lives under this directory (RocksDB in `chaindata/`). */
  dataDir: string
  genesis: GenesisFile
  /** Seals blocks with this key when set; a plain (non-sealing) node otherwise. */
  signer?: SignerKey
  http: {
    host: string
    port: number
    corsOrigins: string[]
    /** JSON-RPC namespaces served (geth --http.api). */
    namespaces: string[]
    /** Serve the city explorer at /explorer/ (on by default in dev, `--explorer` on run). */
    explorer?: boolean
  }
  /** The peer network; absent for a node that runs alone (the dev chain). */
  p2p?: {
    /** libp2p multiaddrs to listen on, e.g. /ip4/0.0.0.0/tcp/30303. */
    listen: string[]
    /** Peers to dial at start and keep connected (multiaddrs ending in /p2p/<peer id>). */
    bootnodes: string[]
    /** When set, only these peer ids may connect (the city's permissioned sealer network). */
    allowlist?: string[]
    /** How often this node publishes its address on the peer exchange, in ms (default 10 s). */
    discoveryIntervalMs?: number
  }
  /** The transaction pool (geth's --txpool.* flags); defaults for what is absent. */
  txpool?: {
    /** Queued transactions' lifetime, in ms (--txpool.lifetime, 3 h). */
    lifetimeMs?: number
    /** How often the journal of local transactions is rewritten, in ms (--txpool.rejournal, 1 min). */
    rejournalMs?: number
    /** How often local transactions still unmined are announced to peers again, in ms (--txpool.rebroadcast, 10 s). */
    rebroadcastMs?: number
    /** Accept legacy transactions without EIP-155 replay protection (geth's --rpc.allow-unprotected-txs, off). */
    allowUnprotected?: boolean
  }
  /** Limits of the JSON-RPC server's heavy work (geth's --rpc.* flags where geth has them). */
  rpc?: {
    /** Gas cap of eth_call / eth_estimateGas / eth_createAccessList; 0 = none (geth --rpc.gascap, 50,000,000). */
    gasCap?: bigint
    /** Time budget of one request's EVM calls, in ms; 0 = none (geth --rpc.evmtimeout, 5 s). */
    evmTimeoutMs?: number
    /** Worker threads for calls, proofs and log queries (default: the machine's cores, at most 8). */
    workers?: number
    /** Heavy jobs that may wait for a worker thread before calls are refused with -32005 (default 64). */
    workQueue?: number
    /** Widest eth_getLogs block range; 0 = none, the default (as geth; Besu's --rpc-max-logs-range). */
    logsRange?: number
    /** Most logs one eth_getLogs answers, more is refused with -32005; 0 = no limit (default 10,000, as hosted RPC providers cap it). */
    logsLimit?: number
    /**
     * Peers GET /readiness wants (Besu's --min-peers for its readiness check). Default: 1 for a
     * node on a peer network, 0 for one without (the dev chain).
     */
    minPeers?: number
  }
  /**
   * Fsync the WAL for every block before the head moves (imported blocks too). Blocks this
   * node seals are synced regardless. Default: on for a sealer, off for an RPC node.
   */
  dbSync?: boolean
  /**
   * Share of the block period this node's blocks spend selecting and executing transactions,
   * in percent, 1-100 (Besu's --poa-block-txs-selection-max-time, default 75); the instant dev
   * sealer (period 0) has no limit.
   */
  txsSelectionMaxTimePercent?: number
  /**
   * Private keys of the accounts eth_accounts lists and the node signs for (eth_sendTransaction,
   * eth_sign, personal_sign, eth_signTypedData_v4, eth_signTransaction): the dev accounts in dev
   * mode, none on `busan run` (which holds no user keys).
   */
  accountKeys: Uint8Array[]
  logLevel: LogLevel
  /** The dev chain (`busan dev`): its empty blocks are logged at debug, not info. */
  dev?: boolean
  /** --log.format: json lines (the default here) or pino-pretty text. */
  logFormat?: LogFormat
}

export const CLIENT_NAME = 'BusanChain'
export const CLIENT_VERSION = '0.1.0'
