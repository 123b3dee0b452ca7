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
  }
  /** Addresses reported by eth_accounts (the dev accounts in dev mode). */
  accounts: Uint8Array[]
  logLevel: LogLevel
}

export const CLIENT_NAME = 'BusanChain'
export const CLIENT_VERSION = '0.1.0'
