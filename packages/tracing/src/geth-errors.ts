// EthereumJS's EVM error texts in geth's words (core/vm/errors.go), as geth's tracers print
// them in `error` fields: callers compare these strings, so they must be geth's exactly.

/** EthereumJS EVMError message -> geth's error text. */
const GETH_TEXT: Record<string, string> = {
  'out of gas': 'out of gas',
  'code store out of gas': 'contract creation code storage out of gas',
  'code size to deposit exceeds maximum code size': 'max code size exceeded',
  'invalid JUMP': 'invalid jump destination',
  revert: 'execution reverted',
  'static state change': 'write protection',
  'create collision': 'contract address collision',
  'value overflow': 'gas uint64 overflow',
  'insufficient balance': 'insufficient balance for transfer',
  'invalid bytecode deployed': 'invalid code: must not begin with 0xef',
  'initcode exceeds max initcode size': 'max initcode size exceeded',
  'value out of range': 'return data out of bounds',
}

const INVALID_JUMP = 'invalid JUMP'

/** geth's name of an opcode byte that is not defined ("opcode 0xc not defined"), or INVALID for 0xfe. */
export function undefinedOpcodeName(code: number): string {
  return code === 0xfe ? 'INVALID' : `opcode 0x${code.toString(16)} not defined`
}

const SSTORE = 0x55
const SSTORE_SENTRY_GAS = 2300n

/** Stack items an opcode takes (the Yellow Paper's delta), for geth's "stack underflow (have <=> need)". */
const STACK_INPUTS: Record<number, number> = {
  0x01: 2, 0x02: 2, 0x03: 2, 0x04: 2, 0x05: 2, 0x06: 2, 0x07: 2, 0x08: 3, 0x09: 3, 0x0a: 2, 0x0b: 2,
  0x10: 2, 0x11: 2, 0x12: 2, 0x13: 2, 0x14: 2, 0x15: 1, 0x16: 2, 0x17: 2, 0x18: 2, 0x19: 1, 0x1a: 2, 0x1b: 2, 0x1c: 2, 0x1d: 2, 0x1e: 1,
  0x20: 2, 0x31: 1, 0x35: 1, 0x37: 3, 0x39: 3, 0x3b: 1, 0x3c: 4, 0x3e: 3, 0x3f: 1, 0x40: 1, 0x49: 1,
  0x50: 1, 0x51: 1, 0x52: 2, 0x53: 2, 0x54: 1, 0x55: 2, 0x56: 1, 0x57: 2, 0x5c: 1, 0x5d: 2, 0x5e: 3,
  0xf0: 3, 0xf1: 7, 0xf2: 7, 0xf3: 2, 0xf4: 6, 0xf5: 4, 0xfa: 6, 0xfd: 2, 0xff: 1,
}

function stackInputs(opcode: number): number {
  if (opcode >= 0x80 && opcode <= 0x8f) return opcode - 0x7f // DUP1..DUP16
  if (opcode >= 0x90 && opcode <= 0x9f) return opcode - 0x8e // SWAP1..SWAP16
  if (opcode >= 0xa0 && opcode <= 0xa4) return opcode - 0x9e // LOG0..LOG4
  return STACK_INPUTS[opcode] ?? 0
}

/**
 * geth's text for the EVM error that ended a frame. `at` is the step it stopped at (its
 * opcode byte and stack height), for "invalid opcode: INVALID" and "stack underflow (1 <=> 2)".
 */
export function gethErrorText(message: string, at?: { opcode: number; stackLength: number; gasLeft?: bigint }): string {
  // EIP-2200: an SSTORE with 2,300 gas or less left fails before its cost is even computed.
  if (message === 'out of gas' && at?.opcode === SSTORE && at.gasLeft !== undefined && at.gasLeft <= SSTORE_SENTRY_GAS) return 'out of gas: not enough gas for reentrancy sentry'
  if (message === 'invalid opcode') return `invalid opcode: ${undefinedOpcodeName(at?.opcode ?? 0xfe)}`
  // EthereumJS appends where a bad jump happened ("invalid JUMP at <code hash>/<address>:<pc>").
  if (message.startsWith(`${INVALID_JUMP} at `)) return GETH_TEXT[INVALID_JUMP]
  if (message === 'stack underflow') return at === undefined ? 'stack underflow' : `stack underflow (${at.stackLength} <=> ${stackInputs(at.opcode)})`
  // Only opcodes that grow the stack by one overflow it: geth's limit for them is 1023 items.
  if (message === 'stack overflow') return at === undefined ? 'stack overflow' : `stack limit reached ${at.stackLength} (1023)`
  return GETH_TEXT[message] ?? message
}

/**
 * Errors geth raises before its opcode hook runs (gas, stack and opcode validity checks), so its
 * struct logger prints them on the failing step; errors raised while the opcode executes
 * (a bad jump, a write in a static call) leave that step without an error.
 */
export function failsBeforeStep(message: string): boolean {
  return message.startsWith('out of gas') || message === 'invalid opcode' || message === 'stack underflow' || message === 'stack overflow'
}
