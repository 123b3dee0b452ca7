// The genesis file is geth's format (config + alloc), so operators can reuse what they know,
// with Besu's `config.qbft` section for QBFT networks. geth's fork fields (block numbers and
// times, `blobSchedule`) set the fork schedule (common.ts); a Clique or QBFT genesis without
// them runs every fork through Prague from block 0. A genesis with `ethash` or no consensus
// section describes a chain the node imports and serves but does not produce blocks for.
import { readFile } from 'node:fs/promises'
import { parseQbftConfig, parseQbftTransitions, type QbftConfig, type QbftTransition } from './qbft-config.ts'

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
    /** Clique (EIP-225); with `qbft.startblock` too, the chain moves to QBFT at that block. */
    clique?: CliqueConfig
    /** QBFT (Besu's section; any key case, `xemptyblockperiodseconds` accepted). */
    qbft?: Partial<QbftConfig> & Record<string, unknown>
    transitions?: { qbft?: QbftTransition[] }
    /** A proof-of-work chain (import and serve only; seals are not checked, see docs/operators.md). */
    ethash?: Record<string, unknown>
    /** geth's fork blocks and times (`homesteadBlock`, ..., `shanghaiTime`, ...), `blobSchedule`, `terminalTotalDifficulty`. */
    [forkField: string]: unknown
  }
  timestamp?: string
  /** QBFT genesis: the Istanbul digest (0x6374...6365) as Besu writes it; zero otherwise. */
  mixHash?: string
  nonce?: string
  coinbase?: string
  /** 32 bytes vanity + 20 bytes per initial signer + 65 zero bytes for the seal. */
  extraData: string
  gasLimit: string
  difficulty?: string
  baseFeePerGas?: string
  excessBlobGas?: string
  blobGasUsed?: string
  alloc: Record<string, GenesisAccount>
}

export async function readGenesisFile(path: string): Promise<GenesisFile> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as GenesisFile
  validateGenesis(parsed)
  return parsed
}

/**
 * Checks a genesis file and fills in QBFT defaults (`config.qbft` becomes a full QbftConfig,
 * `config.transitions.qbft` a checked list). Throws one Error naming every bad field.
 * The QBFT extraData itself is decoded, and refused with the field named, by the chain.
 */
export function validateGenesis(genesis: GenesisFile): void {
  const problems: string[] = []
  if (!Number.isSafeInteger(genesis.config?.chainId) || genesis.config.chainId <= 0) problems.push('config.chainId must be a positive integer')
  const clique = genesis.config?.clique
  const qbft = genesis.config?.qbft
  if (clique !== undefined) {
    if (!Number.isInteger(clique.period) || clique.period < 0) problems.push('config.clique.period must be a non-negative integer')
    if (!Number.isInteger(clique.epoch) || clique.epoch <= 0) problems.push('config.clique.epoch must be a positive integer')
    const extraHexLength = (genesis.extraData ?? '').replace(/^0x/, '').length / 2
    const signerBytes = extraHexLength - 32 - 65
    if (signerBytes <= 0 || signerBytes % 20 !== 0) problems.push('extraData must hold 32 bytes vanity, at least one 20-byte signer and 65 zero bytes')
  }
  if (qbft !== undefined) {
    genesis.config.qbft = parseQbftConfig(qbft, problems, clique !== undefined) as GenesisFile['config']['qbft']
    const transitions = parseQbftTransitions(genesis.config.transitions?.qbft, problems)
    if (genesis.config.transitions?.qbft !== undefined) genesis.config.transitions.qbft = transitions
    if (!/^0x([0-9a-fA-F]{2})+$/.test(genesis.extraData ?? '')) problems.push('extraData must be hex bytes (QBFT: RLP [vanity, validators, vote, round, seals])')
  } else if (genesis.config?.transitions?.qbft !== undefined) problems.push('config.transitions.qbft needs config.qbft')
  for (const [field, value] of Object.entries(genesis.config ?? {})) {
    if (/(Block|Time)$/.test(field) && value !== null && (!Number.isSafeInteger(value) || (value as number) < 0)) problems.push(`config.${field} must be a non-negative integer`)
  }
  if (genesis.config?.eip155Block !== genesis.config?.eip158Block) problems.push('config.eip155Block and config.eip158Block must be equal (Spurious Dragon is one fork here, as in EthereumJS)')
  if (!/^0x([0-9a-fA-F]{2})*$/.test(genesis.extraData ?? '0x')) problems.push('extraData must be hex bytes')
  if (genesis.gasLimit === undefined) problems.push('gasLimit is required')
  for (const field of HEADER_QUANTITIES) {
    const value = genesis[field]
    // geth writes absent header fields as null ("baseFeePerGas": null).
    if (value !== undefined && value !== null && !isQuantity(value)) problems.push(`${field} must be a number (decimal digits or 0x hex), got ${JSON.stringify(value)}`)
  }
  for (const field of ['mixHash', 'coinbase'] as const) {
    const value = genesis[field]
    if (value !== undefined && value !== null && !/^0x[0-9a-fA-F]+$/.test(String(value))) problems.push(`${field} must be 0x hex, got ${JSON.stringify(value)}`)
  }
  if (genesis.alloc === undefined || typeof genesis.alloc !== 'object' || genesis.alloc === null) problems.push('alloc is required')
  else problems.push(...allocProblems(genesis.alloc).slice(0, MAX_ALLOC_PROBLEMS))
  if (problems.length > 0) throw new Error(`invalid genesis: ${problems.join('; ')}`)
}

/** The header fields geth's genesis takes as numbers (hex or decimal strings, or JSON numbers). */
const HEADER_QUANTITIES = ['gasLimit', 'difficulty', 'timestamp', 'baseFeePerGas', 'nonce', 'excessBlobGas', 'blobGasUsed'] as const
/** An alloc of thousands of bad entries is one problem repeated: the first few say it. */
const MAX_ALLOC_PROBLEMS = 5

function isQuantity(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0
  return typeof value === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(value)
}

function isHexBytes(value: unknown, maxBytes = Infinity): boolean {
  return typeof value === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(value) && (value.length - 2) / 2 <= maxBytes
}

/** Each alloc entry as geth reads it: a 20-byte hex address (0x optional), a balance, and optionally nonce, code and 32-byte storage slots. */
function allocProblems(alloc: Record<string, unknown>): string[] {
  const problems: string[] = []
  for (const [address, account] of Object.entries(alloc)) {
    const at = `alloc["${address}"]`
    if (!/^(0x)?[0-9a-fA-F]{40}$/.test(address)) problems.push(`${at}: not a 20-byte hex address`)
    if (typeof account !== 'object' || account === null) {
      problems.push(`${at}: must be an object with a balance`)
      continue
    }
    const { balance, nonce, code, storage } = account as Record<string, unknown>
    if (!isQuantity(balance)) problems.push(`${at}.balance must be a number (decimal digits or 0x hex), got ${JSON.stringify(balance)}`)
    if (nonce !== undefined && nonce !== null && !isQuantity(nonce)) problems.push(`${at}.nonce must be a number (decimal digits or 0x hex), got ${JSON.stringify(nonce)}`)
    if (code !== undefined && code !== null && !isHexBytes(code)) problems.push(`${at}.code must be 0x hex bytes`)
    if (storage !== undefined && storage !== null) {
      const valid = typeof storage === 'object' && Object.entries(storage).every(([slot, value]) => isHexBytes(slot, 32) && isHexBytes(value, 32))
      if (!valid) problems.push(`${at}.storage must map 0x hex slots to 0x hex values of at most 32 bytes`)
    }
  }
  return problems
}

/** Whether the genesis names a proof-of-authority engine (Clique or QBFT) that this node can seal with. */
export function isProofOfAuthority(genesis: GenesisFile): boolean {
  return genesis.config.clique !== undefined || genesis.config.qbft !== undefined
}

/** The QBFT settings of a validated genesis (defaults filled in), or undefined on a Clique-only chain. */
export function qbftConfigOf(genesis: GenesisFile): QbftConfig | undefined {
  return genesis.config.qbft as QbftConfig | undefined
}
