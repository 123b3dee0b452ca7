// The city's system contracts and their fixed genesis addresses.
//
// Scheme: 0x00000000000000000000000000000000B05 + kind + 00 + index, where "B05" reads "Busan",
// kind 0 is the ERC-1967 proxy (the address everyone uses) and kind 1 the implementation
// behind it at genesis, and the index is the contract's position below. Both live far from
// the precompiles and from any CREATE or CREATE2 address, and an upgrade only changes the
// implementation slot of the proxy, so the proxy addresses never change.

export type SystemContractKey = 'council' | 'bpassRegistry' | 'voucher' | 'commodities' | 'exchange' | 'validatorSet'

export interface SystemContract {
  key: SystemContractKey
  /** Hardhat artifact (contract) name. */
  name: string
  /** ERC-1967 proxy: the contract's public address. */
  address: string
  /** Implementation the proxy points to at genesis. */
  implementation: string
}

function fixedAddress(kind: 0 | 1, index: number): string {
  return `0x00000000000000000000000000000000b05${kind}00${index.toString(16).padStart(2, '0')}`
}

const ORDER: [SystemContractKey, string][] = [
  ['council', 'CityCouncil'],
  ['bpassRegistry', 'BPassRegistry'],
  ['voucher', 'CityVoucher'],
  ['commodities', 'CityCommodities'],
  ['exchange', 'CityExchange'],
  ['validatorSet', 'ValidatorSet'],
]

/** In deployment order. */
export const SYSTEM_CONTRACTS: readonly SystemContract[] = ORDER.map(([key, name], i) => ({
  key,
  name,
  address: fixedAddress(0, i + 1),
  implementation: fixedAddress(1, i + 1),
}))

export function systemContract(key: SystemContractKey): SystemContract {
  const found = SYSTEM_CONTRACTS.find((contract) => contract.key === key)
  if (found === undefined) throw new Error(`unknown system contract ${key}`)
  return found
}

/** The proxy contract every system contract sits behind. */
export const PROXY_ARTIFACT_NAME = 'ERC1967Proxy'
