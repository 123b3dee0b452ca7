// The dev chain: the 10 accounts of the well-known test mnemonic, funded as Hardhat and
// anvil fund them, so every tutorial's key works. Account #0 seals.
import { pbkdf2Sync } from 'node:crypto'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, toChecksumAddress } from '@ethereumjs/util'
import { HDKey } from '@scure/bip32'
import { privateKeyToAddress } from './crypto.ts'
import { validateGenesis, type GenesisFile } from './genesis.ts'
import { withStandardPredeploys } from './predeploys.ts'

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
export const DEV_CHAIN_ID = 31337
export const DEV_ACCOUNT_COUNT = 10
/** 10,000 ETH per account, as Hardhat and anvil. */
export const DEV_ACCOUNT_BALANCE = 10_000n * 10n ** 18n
export const DEV_GAS_LIMIT = 60_000_000n

/**
 * The fork schedule of the city's chains (the dev chain, the devnet): every fork through Osaka
 * from genesis, in geth's genesis fields, with mainnet's blob parameters (EIP-7840's
 * `blobSchedule`). Osaka brings EIP-7951's secp256r1 precompile (B-Pass passkeys verified on
 * chain) and EIP-7825's per-transaction gas cap. Never Paris: a proof-of-authority chain has no merge.
 */
export const CITY_FORK_SCHEDULE = {
  homesteadBlock: 0,
  eip150Block: 0,
  eip155Block: 0,
  eip158Block: 0,
  byzantiumBlock: 0,
  constantinopleBlock: 0,
  petersburgBlock: 0,
  istanbulBlock: 0,
  muirGlacierBlock: 0,
  berlinBlock: 0,
  londonBlock: 0,
  arrowGlacierBlock: 0,
  grayGlacierBlock: 0,
  shanghaiTime: 0,
  cancunTime: 0,
  pragueTime: 0,
  osakaTime: 0,
  blobSchedule: {
    cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
    prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
    osaka: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
  },
}

export interface DevAccount {
  address: string
  privateKey: string
}

let derived: DevAccount[] = []

/**
 * The first `count` accounts of `DEV_MNEMONIC` on the Ethereum path m/44'/60'/0'/0/i (BIP-44),
 * with EIP-55 checksummed addresses and 0x-prefixed 32-byte private keys: the accounts Hardhat,
 * anvil and every wallet derive from that mnemonic.
 */
export function devAccounts(count = DEV_ACCOUNT_COUNT): DevAccount[] {
  if (derived.length < count) {
    // BIP-39's seed: PBKDF2-HMAC-SHA512 of the NFKD phrase, salt "mnemonic" (no passphrase), 2048 rounds.
    const seed = pbkdf2Sync(DEV_MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512')
    const external = HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'/0")
    derived = Array.from({ length: count }, (_, i) => {
      const privateKey = external.deriveChild(i).privateKey!
      return { address: toChecksumAddress(bytesToHex(privateKeyToAddress(privateKey))), privateKey: bytesToHex(privateKey) }
    })
  }
  return derived.slice(0, count).map((account) => ({ ...account }))
}

/** Clique extraData for a genesis or checkpoint block: vanity, signers, empty seal. */
export function cliqueGenesisExtraData(signers: string[]): string {
  const sorted = signers.map((s) => s.toLowerCase().replace(/^0x/, '')).sort()
  return `0x${'00'.repeat(32)}${sorted.join('')}${'00'.repeat(65)}`
}

/**
 * QBFT genesis extraData (Besu's format): RLP [32 zero bytes, validators, no vote, round 0,
 * no seals]. The validators are listed sorted, as every later block lists them; an empty list
 * is the genesis of a validator-contract network.
 */
export function qbftGenesisExtraData(validators: string[]): string {
  const sorted = validators.map((v) => v.toLowerCase().replace(/^0x/, '')).sort()
  return `0x${Buffer.from(RLP.encode([new Uint8Array(32), sorted.map((v) => Buffer.from(v, 'hex')), [], new Uint8Array(), []])).toString('hex')}`
}

/** Besu's mixHash of BFT blocks, the genesis included. */
export const ISTANBUL_MIX_HASH = '0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365'

export interface DevGenesisOptions {
  /** Seconds between blocks (Clique period / QBFT blockperiodseconds). Clique: 0 seals on demand. */
  period?: number
  accounts?: DevAccount[]
  /** Default clique; qbft makes account #0 (or `validators`) the QBFT validators. */
  consensus?: 'clique' | 'qbft'
  /** Clique signers / QBFT validators (addresses); default account #0. */
  validators?: string[]
}

/**
 * The dev chain's genesis: chain id 31337, every fork through Osaka from block 0, the accounts
 * funded with 10,000 ETH each, the standard predeploys (Multicall3, the CREATE2 proxy, EntryPoint
 * v0.7; see predeploys.ts) and `consensus` (Clique by default) run by `validators`.
 */
export function devGenesis(options: DevGenesisOptions = {}): GenesisFile {
  const accounts = options.accounts ?? devAccounts()
  const alloc: GenesisFile['alloc'] = {}
  for (const account of accounts) alloc[account.address.toLowerCase()] = { balance: `0x${DEV_ACCOUNT_BALANCE.toString(16)}` }
  const base = withStandardPredeploys({ config: { chainId: DEV_CHAIN_ID, ...CITY_FORK_SCHEDULE }, timestamp: '0x0', extraData: '0x', gasLimit: `0x${DEV_GAS_LIMIT.toString(16)}`, difficulty: '0x1', alloc })
  return withConsensus(base, { consensus: options.consensus ?? 'clique', period: options.period ?? 2, validators: options.validators ?? [accounts[0].address] })
}

/**
 * `base` (its chain id, allocation, gas limit...) run by `consensus` with `validators`: the
 * Clique section and signer extraData, or the QBFT section (Besu's defaults, a 4 s round
 * timeout so a lost round costs little on a small network), Istanbul mixHash and QBFT extraData.
 * `period`: seconds between blocks (QBFT at least 1).
 */
export function withConsensus(base: GenesisFile, options: { consensus: 'clique' | 'qbft'; period: number; validators: string[] }): GenesisFile {
  const { clique: _clique, qbft: _qbft, transitions: _transitions, ...chain } = base.config
  // Assigning keys `base` has keeps their order: genesis files are committed and diffed.
  const genesis: GenesisFile = { ...base }
  if (options.consensus === 'clique') {
    genesis.config = { ...chain, clique: { period: options.period, epoch: base.config.clique?.epoch ?? 30_000 } }
    genesis.extraData = cliqueGenesisExtraData(options.validators)
    delete genesis.mixHash
    return genesis
  }
  genesis.config = { ...chain, qbft: { blockperiodseconds: Math.max(1, options.period), epochlength: 30_000, requesttimeoutseconds: 4 } }
  genesis.extraData = qbftGenesisExtraData(options.validators)
  genesis.mixHash = ISTANBUL_MIX_HASH
  validateGenesis(genesis)
  return genesis
}
