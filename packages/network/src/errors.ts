// Classifying failures: whose fault is it, and how much should the peer be penalised.

export type PenaltyReason = 'invalidBlock' | 'invalidTransaction' | 'malformedMessage' | 'badResponse' | 'timeout' | 'invalidConsensusMessage'

/** A peer sent something it should not have: wrong shape, broken links, too much data, too slow. */
export class PeerFaultError extends Error {
  readonly reason: PenaltyReason

  constructor(reason: PenaltyReason, message: string) {
    super(message)
    this.name = 'PeerFaultError'
    this.reason = reason
  }
}

/** A block that breaks a consensus rule (the chain's BlockError: a string `code` such as 'invalid state root'). */
export function blockErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return undefined
  // BlockError codes are lower-case words ('invalid state root'); Node's are ERR_X / ENOENT.
  return error.name === 'BlockError' || /^[a-z][a-z ]*$/.test(code) ? code : undefined
}

/** Block errors that do not prove the sender wrong: our clock or our missing history may be the cause. */
const BENIGN_BLOCK_ERRORS = new Set(['future block', 'unknown ancestor'])

export function isBenignBlockError(code: string): boolean {
  return BENIGN_BLOCK_ERRORS.has(code)
}

export function isUnknownParent(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('unknown parent')
}

/** Pool rejections that prove the transaction itself invalid (anything else depends on our pool's state). */
const INVALID_TRANSACTION_REASONS = new Set([
  'rlp',
  'invalid-transaction',
  'tx-type-not-supported',
  'invalid-chain-id',
  'oversized-data',
  'max-initcode-size',
  'nonce-max',
  'invalid-sender',
  'tip-above-fee-cap',
  'intrinsic-gas',
  'floor-data-gas',
  'empty-authorization-list',
])

export type TransactionVerdict = 'known' | 'invalid' | 'refused'

export function transactionVerdict(error: unknown): TransactionVerdict {
  const reason = (error as { reason?: unknown } | undefined)?.reason
  if (reason === 'already-known') return 'known'
  if (typeof reason === 'string' && INVALID_TRANSACTION_REASONS.has(reason)) return 'invalid'
  return 'refused'
}
