// The EIP-712 order CityExchange settles: what a wallet or dApp signs (domain: the exchange's
// `eip712Domain()`, i.e. its name and version, the chain id and the exchange's address). The
// builder publishes the domain and types in the deployments file (`eip712.exchangeOrder`), read
// from the deployed exchange itself, so a dApp signs orders with nothing but that file.
import { id, Interface, TypedDataEncoder, type InterfaceAbi } from 'ethers'
import type { GenesisVm } from './genesis-vm.ts'

export const ORDER_SIDE = { BUY: 0, SELL: 1 } as const

export interface ExchangeOrder {
  signer: string
  side: number
  assetId: bigint
  amount: bigint
  price: bigint
  paymentToken: string
  expiry: bigint
  salt: bigint
}

/** The `types` argument of ethers' `signTypedData` / viem's `signTypedData` for an order. */
export const EXCHANGE_ORDER_TYPES = {
  Order: [
    { name: 'signer', type: 'address' },
    { name: 'side', type: 'uint8' },
    { name: 'assetId', type: 'uint256' },
    { name: 'amount', type: 'uint256' },
    { name: 'price', type: 'uint256' },
    { name: 'paymentToken', type: 'address' },
    { name: 'expiry', type: 'uint64' },
    { name: 'salt', type: 'uint256' },
  ],
}

/**
 * What a dApp needs to sign a CityExchange order (EIP-712): the domain, the primary type and
 * the types (without `EIP712Domain`, which viem and ethers derive from the domain), plus the
 * `side` encoding. Passes as is to viem's `signTypedData({ domain, types, primaryType, message })`.
 */
export interface ExchangeOrderTypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: string }
  primaryType: 'Order'
  types: typeof EXCHANGE_ORDER_TYPES
  /** Values of `Order.side`. */
  sides: { buy: 0; sell: 1 }
}

/** ERC-5267 `fields` bits: name, version, chainId, verifyingContract (no salt, no extensions). */
const DOMAIN_FIELDS = 0x0f

/**
 * Reads the order domain from the exchange deployed at `address` in `vm` (ERC-5267's
 * `eip712Domain()`), and checks that `EXCHANGE_ORDER_TYPES` encodes to the contract's
 * `ORDER_TYPEHASH`. Throws when either differs from what the contract verifies.
 */
export async function exchangeOrderTypedData(vm: GenesisVm, address: string, abi: InterfaceAbi): Promise<ExchangeOrderTypedData> {
  const iface = new Interface(abi)
  const view = async (method: string) => iface.decodeFunctionResult(method, await vm.view({ from: address, to: address, data: iface.encodeFunctionData(method) }))
  const [fields, name, version, chainId, verifyingContract] = await view('eip712Domain')
  if (Number(BigInt(fields)) !== DOMAIN_FIELDS) throw new Error(`CityExchange's EIP-712 domain has fields ${fields}, expected name, version, chainId and verifyingContract`)
  const [typeHash] = await view('ORDER_TYPEHASH')
  const encoded = TypedDataEncoder.from(EXCHANGE_ORDER_TYPES).encodeType('Order')
  if (id(encoded) !== typeHash) throw new Error(`EXCHANGE_ORDER_TYPES encode ${encoded}, whose hash is not CityExchange's ORDER_TYPEHASH ${typeHash}`)
  return {
    domain: { name, version, chainId: Number(chainId), verifyingContract },
    primaryType: 'Order',
    types: EXCHANGE_ORDER_TYPES,
    sides: { buy: ORDER_SIDE.BUY, sell: ORDER_SIDE.SELL },
  }
}
