// RLP helpers QBFT needs beyond @ethereumjs/rlp: Besu's strict integer scalars (minimal
// big-endian, no leading zeros, 0 = the empty string) and lists built from items that are
// already encoded (a proposal embeds a whole block without decoding and re-encoding it).
import { RLP } from '@ethereumjs/rlp'
import { concatBytes } from '@ethereumjs/util'

/** Thrown for bytes that are not a well-formed QBFT structure. */
export class QbftDecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'QbftDecodeError'
  }
}

/** Minimal big-endian bytes of a non-negative integer (0 -> empty), as Besu's writeLongScalar. */
export function scalar(value: bigint | number): Uint8Array {
  let n = BigInt(value)
  if (n < 0n) throw new RangeError('scalars are non-negative')
  const bytes: number[] = []
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn))
    n >>= 8n
  }
  return Uint8Array.from(bytes)
}

/** Reads a scalar as Besu's readLongScalar: bytes, at most `maxBytes`, no leading zero. */
export function readScalar(item: unknown, what: string, maxBytes = 8): bigint {
  if (!(item instanceof Uint8Array)) throw new QbftDecodeError(`${what}: expected a scalar, got a list`)
  if (item.length > maxBytes) throw new QbftDecodeError(`${what}: scalar longer than ${maxBytes} bytes`)
  if (item.length > 0 && item[0] === 0) throw new QbftDecodeError(`${what}: scalar with a leading zero`)
  let n = 0n
  for (const byte of item) n = (n << 8n) | BigInt(byte)
  return n
}

/** A round number: a 4-byte-at-most scalar (Besu's readIntScalar), below 2^31. */
export function readRound(item: unknown, what = 'round'): number {
  const round = readScalar(item, what, 4)
  if (round > 0x7fffffffn) throw new QbftDecodeError(`${what}: ${round} is out of range`)
  return Number(round)
}

export function readBytes(item: unknown, what: string, length?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new QbftDecodeError(`${what}: expected bytes, got a list`)
  if (length !== undefined && item.length !== length) throw new QbftDecodeError(`${what}: expected ${length} bytes, got ${item.length}`)
  return item
}

export function readList(item: unknown, what: string, length?: number): unknown[] {
  if (!Array.isArray(item)) throw new QbftDecodeError(`${what}: expected a list`)
  if (length !== undefined && item.length !== length) throw new QbftDecodeError(`${what}: expected ${length} items, got ${item.length}`)
  return item
}

/** RLP-decodes `bytes` as one item with nothing left over. */
export function decodeRlp(bytes: Uint8Array, what: string): unknown {
  try {
    return RLP.decode(bytes)
  } catch (error) {
    throw new QbftDecodeError(`${what}: ${(error as Error).message}`)
  }
}

/** An RLP list whose items are given already encoded. */
export function encodeListOfEncoded(items: Uint8Array[]): Uint8Array {
  const body = concatBytes(...items)
  if (body.length < 56) return concatBytes(Uint8Array.of(0xc0 + body.length), body)
  const length = scalar(body.length)
  return concatBytes(Uint8Array.of(0xf7 + length.length), length, body)
}
