// Revert data decoded as geth's abi.UnpackRevert does: Error(string) and Panic(uint256).

const ERROR_SELECTOR = '08c379a0' // Error(string)
const PANIC_SELECTOR = '4e487b71' // Panic(uint256)

/** Solidity panic codes, worded as geth words them. */
const PANIC_REASONS: Record<number, string> = {
  0x00: 'generic panic',
  0x01: 'assert(false)',
  0x11: 'arithmetic underflow or overflow',
  0x12: 'division or modulo by zero',
  0x21: 'enum overflow',
  0x22: 'invalid encoded storage byte array accessed',
  0x31: 'out-of-bounds array access; popping on an empty array',
  0x32: 'out-of-bounds access of an array or bytesSlice',
  0x41: 'out of memory',
  0x51: 'uninitialized function',
}

/** The reason in Error(string) or Panic(uint256) revert data, as geth's abi.UnpackRevert; else undefined. */
export function decodeRevertReason(data: Uint8Array): string | undefined {
  if (data.length < 4) return undefined
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const selector = buf.subarray(0, 4).toString('hex')
  const body = buf.subarray(4)
  if (selector === ERROR_SELECTOR) {
    if (body.length < 64) return undefined
    const offset = readWord(body, 0)
    if (offset === undefined || offset + 32 > body.length) return undefined
    const length = readWord(body, offset)
    if (length === undefined || offset + 32 + length > body.length) return undefined
    return body.subarray(offset + 32, offset + 32 + length).toString('utf8')
  }
  if (selector === PANIC_SELECTOR) {
    if (body.length < 32) return undefined
    const code = BigInt(`0x${body.subarray(0, 32).toString('hex')}`)
    const reason = code <= 0xffn ? PANIC_REASONS[Number(code)] : undefined
    return reason ?? `unknown panic code: 0x${code.toString(16)}`
  }
  return undefined
}

/** A 32-byte big-endian word as a safe integer, or undefined if it does not fit. */
function readWord(buf: Buffer, at: number): number | undefined {
  if (at + 32 > buf.length) return undefined
  for (let i = at; i < at + 24; i++) if (buf[i] !== 0) return undefined
  const value = buf.readBigUInt64BE(at + 24)
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value)
}
