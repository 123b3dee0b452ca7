// EIP-712 orders for CityExchange, signed as a wallet would sign them.
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types'
import type { TypedDataDomain } from 'ethers'

export const SIDE = { BUY: 0, SELL: 1 } as const

export interface Order {
  signer: string
  side: number
  assetId: bigint
  amount: bigint
  price: bigint
  paymentToken: string
  expiry: bigint
  salt: bigint
}

export interface SignedOrder {
  order: Order
  signature: string
}

export const ORDER_TYPES = {
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

export function exchangeDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: 'Busan City Exchange', version: '1', chainId, verifyingContract }
}

export async function signOrder(signer: HardhatEthersSigner, order: Order, domain: TypedDataDomain): Promise<SignedOrder> {
  return { order, signature: await signer.signTypedData(domain, ORDER_TYPES, order) }
}
