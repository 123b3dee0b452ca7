// EIP-712 orders for CityExchange, signed as a wallet would sign them.
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types'
import type { TypedDataDomain } from 'ethers'
import { EXCHANGE_ORDER_TYPES, ORDER_SIDE, type ExchangeOrder } from '@busan/genesis-builder'

export const SIDE = ORDER_SIDE
export type Order = ExchangeOrder

export interface SignedOrder {
  order: Order
  signature: string
}

export const ORDER_TYPES = EXCHANGE_ORDER_TYPES

export function exchangeDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: 'Busan City Exchange', version: '1', chainId, verifyingContract }
}

export async function signOrder(signer: HardhatEthersSigner, order: Order, domain: TypedDataDomain): Promise<SignedOrder> {
  return { order, signature: await signer.signTypedData(domain, ORDER_TYPES, order) }
}
