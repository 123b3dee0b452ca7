// Pool rejections. Messages start with geth's error text (wallets and libraries such as
// ethers match on it) and may add detail after a colon; `reason` is a stable identifier
// for metrics and callers.

/** Stable identifiers of the reasons a transaction is rejected. */
export const TxPoolErrorReason = {
  /** Malformed encoding ("rlp: ...", "typed transaction too short"). */
  Rlp: 'rlp',
  /** Decodes but EthereumJS refuses it for another reason ("invalid transaction: ..."). */
  InvalidTransaction: 'invalid-transaction',
  TxTypeNotSupported: 'tx-type-not-supported',
  Unprotected: 'unprotected',
  InvalidChainId: 'invalid-chain-id',
  OversizedData: 'oversized-data',
  MaxInitCodeSize: 'max-initcode-size',
  NonceMax: 'nonce-max',
  InvalidSender: 'invalid-sender',
  GasLimit: 'gas-limit',
  /** Above the fork's per-transaction gas cap (EIP-7825, from Osaka). */
  GasLimitTooHigh: 'gas-limit-too-high',
  TipAboveFeeCap: 'tip-above-fee-cap',
  IntrinsicGas: 'intrinsic-gas',
  FloorDataGas: 'floor-data-gas',
  /** Tip below the pool's `minTip`. */
  MinTip: 'min-tip',
  FeeCapBelowBaseFee: 'fee-cap-below-base-fee',
  EmptyAuthorizationList: 'empty-authorization-list',
  AlreadyKnown: 'already-known',
  NonceTooLow: 'nonce-too-low',
  NonceTooHigh: 'nonce-too-high',
  InsufficientFunds: 'insufficient-funds',
  ReplacementUnderpriced: 'replacement-underpriced',
  AccountLimit: 'account-limit',
  /** Pool full and the transaction pays no more than the cheapest one it could displace. */
  Underpriced: 'underpriced',
  /** Pool full and nothing of another sender can be displaced. */
  PoolFull: 'pool-full',
  /** A blob transaction in its canonical form, without the blobs (geth's txpool validation). */
  MissingSidecar: 'missing-sidecar',
  /** A blob transaction whose sidecar does not match it or whose KZG proofs fail. */
  InvalidBlobSidecar: 'invalid-blob-sidecar',
} as const

export type TxPoolErrorReason = (typeof TxPoolErrorReason)[keyof typeof TxPoolErrorReason]

/** geth's text for each reason: every message starts with it. */
export const gethErrorText: Readonly<Record<TxPoolErrorReason, string>> = Object.freeze({
  'rlp': 'rlp',
  'invalid-transaction': 'invalid transaction',
  'tx-type-not-supported': 'transaction type not supported',
  'unprotected': 'only replay-protected (EIP-155) transactions allowed over RPC',
  'invalid-chain-id': 'invalid chain id for signer',
  'oversized-data': 'oversized data',
  'max-initcode-size': 'max initcode size exceeded',
  'nonce-max': 'nonce has max value',
  'invalid-sender': 'invalid sender',
  'gas-limit': 'exceeds block gas limit',
  'gas-limit-too-high': 'transaction gas limit too high',
  'tip-above-fee-cap': 'max priority fee per gas higher than max fee per gas',
  'intrinsic-gas': 'intrinsic gas too low',
  'floor-data-gas': 'insufficient gas for floor data gas cost',
  'min-tip': 'transaction underpriced',
  'fee-cap-below-base-fee': 'max fee per gas less than block base fee',
  'empty-authorization-list': 'set code tx must have at least one authorization tuple',
  'already-known': 'already known',
  'nonce-too-low': 'nonce too low',
  'nonce-too-high': 'nonce too high',
  'insufficient-funds': 'insufficient funds for gas * price + value',
  'replacement-underpriced': 'replacement transaction underpriced',
  'account-limit': 'account limit exceeded',
  'underpriced': 'transaction underpriced',
  'pool-full': 'txpool is full',
  'missing-sidecar': 'missing sidecar in blob transaction',
  'invalid-blob-sidecar': 'invalid blob sidecar',
})

/** JSON-RPC error code geth uses for pool rejections (eth_sendRawTransaction). */
export const TXPOOL_ERROR_CODE = -32000

export class TxPoolError extends Error {
  readonly code = TXPOOL_ERROR_CODE
  readonly reason: TxPoolErrorReason

  constructor(reason: TxPoolErrorReason, detail?: string) {
    const text = gethErrorText[reason]
    // geth appends most details after a colon, a few in parentheses ("... too high (cap: N, tx: M)").
    super(detail === undefined || detail === '' ? text : detail.startsWith('(') ? `${text} ${detail}` : `${text}: ${detail}`)
    this.name = 'TxPoolError'
    this.reason = reason
  }
}
