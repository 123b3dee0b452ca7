// The genesis file is geth's format (config + alloc), so operators can reuse what they know.
// Busan Chain runs every fork through Prague from block 0; fork fields in `config` other than
// chainId and clique are ignored.
import { readFile } from 'node:fs/promises'

export interface GenesisAccount {
  balance: string
  nonce?: string
  code?: string
  storage?: Record<string, string>
}

export interface CliqueConfig {
  /** Seconds between blocks; 0 seals as soon as transactions are pending. */
  period: number
  /** Blocks between checkpoints that reset votes and list the signers in extraData. */
  epoch: number
}

export interface GenesisFile {
  config: {
    chainId: number
    clique: CliqueConfig
  }
  timestamp?: string
  /** 32 bytes vanity + 20 bytes per initial signer + 65 zero bytes for the seal. */
  extraData: string
  gasLimit: string
  difficulty?: string
  baseFeePerGas?: string
  alloc: Record<string, GenesisAccount>
}

export async function readGenesisFile(path: string): Promise<GenesisFile> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as GenesisFile
  validateGenesis(parsed)
  return parsed
}

export function validateGenesis(genesis: GenesisFile): void {
  const problems: string[] = []
  if (!Number.isSafeInteger(genesis.config?.chainId) || genesis.config.chainId <= 0) problems.push('config.chainId must be a positive integer')
  const clique = genesis.config?.clique
  if (clique === undefined) problems.push('config.clique is required')
  else {
    if (!Number.isInteger(clique.period) || clique.period < 0) problems.push('config.clique.period must be a non-negative integer')
    if (!Number.isInteger(clique.epoch) || clique.epoch <= 0) problems.push('config.clique.epoch must be a positive integer')
  }
  const extraHexLength = (genesis.extraData ?? '').replace(/^0x/, '').length / 2
  const signerBytes = extraHexLength - 32 - 65
  if (signerBytes <= 0 || signerBytes % 20 !== 0) problems.push('extraData must hold 32 bytes vanity, at least one 20-byte signer and 65 zero bytes')
  if (genesis.alloc === undefined || typeof genesis.alloc !== 'object') problems.push('alloc is required')
  if (problems.length > 0) throw new Error(`invalid genesis: ${problems.join('; ')}`)
}
