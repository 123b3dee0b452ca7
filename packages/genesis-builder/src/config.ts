// The genesis configuration: who governs, who issues identities, who runs the treasury, the
// vaults and the exchange. The builder checks the shape here; the contracts' initialisers check
// the policy (threshold reachable, roles known, ...) and the builder reports their errors.
import { readFile } from 'node:fs/promises'
import { isAddress, isHexString } from 'ethers'

/** B-Pass role bits, as in contracts/identity/IBPassRegistry.sol. */
export const BPASS_ROLE_BITS = {
  resident: 1 << 0,
  merchant: 1 << 1,
  business: 1 << 2,
  custodian: 1 << 3,
  exchangeOperator: 1 << 4,
} as const

export type BPassRoleName = keyof typeof BPASS_ROLE_BITS

/** Names the system voucher in `exchange.paymentTokens`, whose address the builder assigns. */
export const VOUCHER_PAYMENT_TOKEN = 'voucher'

export interface CouncilOwnerConfig {
  address: string
  weight: number
  /** Documentation only. */
  label?: string
}

export interface IdentityConfig {
  holder: string
  /** Must be one of `bpass.issuers`: the identity is registered from this account. */
  issuer: string
  /** Hash of the off-chain credential document; never personal data. */
  credentialHash: string
  roles: BPassRoleName[]
  /** Unix seconds. */
  validFrom: number
  /** Unix seconds; first second at which the credential is no longer valid. */
  validUntil: number
  label?: string
}

export interface AssetConfig {
  id: number
  custodian: string
  uri: string
  label?: string
}

export interface GenesisConfig {
  /** "dev" for devGenesis() of @busan/chain-config, or a geth-style genesis file relative to this config. */
  baseGenesis: string
  council: { owners: CouncilOwnerConfig[]; threshold: number }
  bpass: { issuers: string[]; identities: IdentityConfig[] }
  voucher: { name: string; symbol: string; treasurers: string[] }
  commodities: { custodians: string[]; assets: AssetConfig[] }
  exchange: {
    operators: string[]
    feeTreasury: string
    feeBps: number
    /** Addresses, or "voucher" for the system voucher. */
    paymentTokens: string[]
  }
  /** The QBFT validators the ValidatorSet contract starts with (validator-contract mode); at least one. */
  validatorSet: { validators: string[] }
}

export async function readGenesisConfig(path: string): Promise<GenesisConfig> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as GenesisConfig
  validateGenesisConfig(parsed)
  return parsed
}

export function rolesToBits(roles: BPassRoleName[]): number {
  return roles.reduce((bits, role) => bits | BPASS_ROLE_BITS[role], 0)
}

export function validateGenesisConfig(config: GenesisConfig): void {
  const problems: string[] = []
  const address = (value: unknown, where: string) => {
    if (typeof value !== 'string' || !isAddress(value)) problems.push(`${where} must be an address`)
  }
  const addresses = (value: unknown, where: string) => {
    if (!Array.isArray(value)) problems.push(`${where} must be a list of addresses`)
    else value.forEach((entry, i) => address(entry, `${where}[${i}]`))
  }
  const integer = (value: unknown, where: string) => {
    if (!Number.isSafeInteger(value) || (value as number) < 0) problems.push(`${where} must be a non-negative integer`)
  }
  const text = (value: unknown, where: string) => {
    if (typeof value !== 'string' || value.length === 0) problems.push(`${where} must be a non-empty string`)
  }

  text(config.baseGenesis, 'baseGenesis')
  if (!Array.isArray(config.council?.owners)) problems.push('council.owners must be a list')
  else {
    config.council.owners.forEach((owner, i) => {
      address(owner.address, `council.owners[${i}].address`)
      integer(owner.weight, `council.owners[${i}].weight`)
    })
  }
  integer(config.council?.threshold, 'council.threshold')

  addresses(config.bpass?.issuers, 'bpass.issuers')
  if (!Array.isArray(config.bpass?.identities)) problems.push('bpass.identities must be a list')
  else {
    config.bpass.identities.forEach((identity, i) => {
      const where = `bpass.identities[${i}]`
      address(identity.holder, `${where}.holder`)
      address(identity.issuer, `${where}.issuer`)
      if (!isHexString(identity.credentialHash, 32)) problems.push(`${where}.credentialHash must be 32 bytes of hex`)
      if (!Array.isArray(identity.roles) || identity.roles.some((role) => !(role in BPASS_ROLE_BITS))) {
        problems.push(`${where}.roles must list roles among ${Object.keys(BPASS_ROLE_BITS).join(', ')}`)
      }
      integer(identity.validFrom, `${where}.validFrom`)
      integer(identity.validUntil, `${where}.validUntil`)
    })
  }

  text(config.voucher?.name, 'voucher.name')
  text(config.voucher?.symbol, 'voucher.symbol')
  addresses(config.voucher?.treasurers, 'voucher.treasurers')

  addresses(config.commodities?.custodians, 'commodities.custodians')
  if (!Array.isArray(config.commodities?.assets)) problems.push('commodities.assets must be a list')
  else {
    config.commodities.assets.forEach((asset, i) => {
      integer(asset.id, `commodities.assets[${i}].id`)
      address(asset.custodian, `commodities.assets[${i}].custodian`)
      text(asset.uri, `commodities.assets[${i}].uri`)
    })
  }

  addresses(config.exchange?.operators, 'exchange.operators')
  address(config.exchange?.feeTreasury, 'exchange.feeTreasury')
  integer(config.exchange?.feeBps, 'exchange.feeBps')
  if (!Array.isArray(config.exchange?.paymentTokens)) problems.push('exchange.paymentTokens must be a list')
  else {
    config.exchange.paymentTokens.forEach((token, i) => {
      if (token !== VOUCHER_PAYMENT_TOKEN) address(token, `exchange.paymentTokens[${i}]`)
    })
  }

  addresses(config.validatorSet?.validators, 'validatorSet.validators')
  if (Array.isArray(config.validatorSet?.validators) && config.validatorSet.validators.length === 0) problems.push('validatorSet.validators must name at least one validator')

  if (problems.length > 0) throw new Error(`invalid genesis config: ${problems.join('; ')}`)
}
