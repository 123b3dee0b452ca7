import type { GenesisFile } from '@busan/chain-config'
import type { LogLevel } from './logger.ts'

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
  }
  /** The peer network; absent for a node that runs alone (the dev chain). */
  p2p?: {
    /** libp2p multiaddrs to listen on, e.g. /ip4/0.0.0.0/tcp/30303. */
    listen: string[]
    /** Peers to dial at start and keep connected (multiaddrs ending in /p2p/<peer id>). */
    bootnodes: string[]
    /** When set, only these peer ids may connect (the city's permissioned sealer network). */
    allowlist?: string[]
  }
  /** Addresses reported by eth_accounts (the dev accounts in dev mode). */
  accounts: Uint8Array[]
  logLevel: LogLevel
}

export const CLIENT_NAME = 'BusanChain'
export const CLIENT_VERSION = '0.1.0'
