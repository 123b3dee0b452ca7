// Refusals of a transaction or call in geth's words, shared by the call executor and the
// tracer's replay: EthereumJS's texts carry block and transaction context geth's do not.
import { bytesToHex, toChecksumAddress } from '@ethereumjs/util'

/** An error meant for the caller, with its JSON-RPC code (geth uses -32000 for these). */
export class CallError extends Error {
  readonly code: number
  constructor(message: string, code = -32000) {
    super(message)
    this.code = code
  }
}

/** A state override that cannot be applied (geth refuses it before running, so it is not wrapped as a run's failure). */
export class OverrideError extends CallError {}

/** EthereumJS appends block and tx context to messages; callers want geth's short text. */
export function cleanMessage(message: string): string {
  return message.replace(/ \(block=.*$/s, '').replace(/ -> .*$/s, '')
}

/**
 * EthereumJS's refusals of a transaction (its constructor and runTx's checks) in geth's
 * words (core/error.go), where geth refuses the same thing; anything else keeps EthereumJS's
 * message, still as -32000: the caller's input caused it.
 */
const GETH_MESSAGES: [RegExp, (match: RegExpMatchArray, sender: string) => string][] = [
  [/initcode size of this transaction is too large: it is (\d+) while the max is (\d+)/, (m) => `max initcode size exceeded: code size ${m[1]} limit ${m[2]}`],
  [/INTRINSIC_GAS_TOO_LOW: tx gas limit (\d+) is lower than the minimum gas limit of (\d+)/, (m) => `intrinsic gas too low: have ${m[1]}, want ${m[2]}`],
  [/address is not EOA/, (_m, sender) => `sender not an eoa: address ${sender}`],
  [/EOACode7702Tx cannot create contracts/, (_m, sender) => `EIP-7702 transaction cannot be used to create contract (sender ${sender})`],
  [/authorization list is empty/, (_m, sender) => `EIP-7702 transaction with empty auth list (sender ${sender})`],
  [/sender doesn't have enough funds to send tx\. The (?:upfront|max) cost is: (\d+) and the sender's account \(\S+\) only has: (\d+)/, (m, sender) => `insufficient funds for gas * price + value: address ${sender} have ${m[2]} want ${m[1]}`],
  [/the tx doesn't have the correct nonce\. account has nonce of: (\d+) tx has nonce of: (\d+)/, (m, sender) => `nonce too ${BigInt(m[2]) > BigInt(m[1]) ? 'high' : 'low'}: address ${sender}, tx: ${m[2]} state: ${m[1]}`],
]

/** EthereumJS's refusal of a transaction (`error`) as a CallError with geth's message (core/error.go) where geth has one. */
export function callError(error: unknown, sender: Uint8Array): CallError {
  const message = cleanMessage(error instanceof Error ? error.message : String(error))
  for (const [pattern, geth] of GETH_MESSAGES) {
    const match = message.match(pattern)
    if (match !== null) return new CallError(geth(match, toChecksumAddress(bytesToHex(sender))))
  }
  return new CallError(message)
}

