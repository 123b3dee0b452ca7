// The EIP-712 order CityExchange settles: what a wallet or dApp signs (domain: the exchange's
// `eip712Domain()`, i.e. its name and version, the chain id and the exchange's address).

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
