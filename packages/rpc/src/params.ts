// Parameter schemas: one small decoder per JSON-RPC parameter type, composed per method.
// Decoders turn JSON into the backend's types and fail with geth's wording, so a client sees
// e.g. "invalid argument 0: hex string has length 2, want 40 for common.Address". The
// `goType` names are geth's Go types: tooling and people already know those messages.
import type { CallRequest } from './backend.ts'
import { invalidParams } from './errors.ts'

/** A decoding failure; the dispatcher prefixes "invalid argument N: ". */
export class ParamError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ParamError'
  }
}

export interface Decoder<T> {
  /** geth's Go type, used in messages. */
  readonly goType: string
  /** `field` is the struct path ("TransactionArgs.from") when decoding an object member. */
  decode(value: unknown, field?: string): T
}

export interface Param<T> {
  readonly name: string
  readonly decoder: Decoder<T>
  readonly optional: boolean
}

export function required<T>(name: string, decoder: Decoder<T>): Param<T> {
  return { name, decoder, optional: false }
}

/** May be omitted or null; only trailing parameters can be optional. */
export function optional<T>(name: string, decoder: Decoder<T>): Param<T | undefined> {
  return { name, decoder: decoder as Decoder<T | undefined>, optional: true }
}

// --- messages --------------------------------------------------------------------------------

export function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'boolean') return 'bool'
  return typeof value // string, number, object
}

/** encoding/json's UnmarshalTypeError text. */
export function typeError(what: string, goType: string, field?: string): ParamError {
  return new ParamError(
    field === undefined
      ? `json: cannot unmarshal ${what} into Go value of type ${goType}`
      : `json: cannot unmarshal ${what} into Go struct field ${field} of type ${goType}`,
  )
}

export const MISSING_PREFIX = 'hex string without 0x prefix'
export const ODD_LENGTH = 'hex string of odd length'
export const SYNTAX = 'invalid hex string'
const EMPTY_NUMBER = 'hex string "0x"'
const LEADING_ZERO = 'hex number with leading zero digits'
export const HEX_RE = /^[0-9a-fA-F]*$/

export function has0x(s: string): boolean {
  return s.length >= 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')
}

/**
 * The bytes of `digits` (hex, even length, already checked), in an ArrayBuffer of their own.
 * Not `Buffer.from(digits, 'hex')`: for short inputs that is a view into Node's shared pool
 * (`Buffer.poolSize`, 64 KiB on Node 24), and a view handed to a worker thread (a call's `to`
 * and `data`, a raw transaction) is cloned with its whole backing buffer: 64 KiB a message
 * where 20-200 bytes are meant.
 */
export function hexBytes(digits: string): Uint8Array {
  const bytes = new Uint8Array(digits.length >>> 1)
  Buffer.from(bytes.buffer, 0, bytes.length).write(digits, 'hex')
  return bytes
}

// --- primitive decoders ----------------------------------------------------------------------

/** A fixed-length byte string (common.Address, common.Hash): 0x + exactly 2*length hex digits. */
function fixedBytes(length: number, goType: string): Decoder<Uint8Array> {
  return {
    goType,
    decode(value, field) {
      if (typeof value !== 'string') throw typeError('non-string', goType, field)
      let digits = value
      if (value.length > 0) {
        if (!has0x(value)) throw typeError(MISSING_PREFIX, goType, field)
        digits = value.slice(2)
        if (digits.length % 2 !== 0) throw typeError(ODD_LENGTH, goType, field)
      }
      if (digits.length !== length * 2) throw new ParamError(`hex string has length ${digits.length}, want ${length * 2} for ${goType}`)
      if (!HEX_RE.test(digits)) throw typeError(SYNTAX, goType, field)
      return hexBytes(digits)
    },
  }
}

export const address: Decoder<Uint8Array> = fixedBytes(20, 'common.Address')
export const hash: Decoder<Uint8Array> = fixedBytes(32, 'common.Hash')

/** Arbitrary bytes (hexutil.Bytes): 0x + even number of hex digits; "" and "0x" are empty. */
export const bytes: Decoder<Uint8Array> = {
  goType: 'hexutil.Bytes',
  decode(value, field) {
    if (typeof value !== 'string') throw typeError('non-string', this.goType, field)
    if (value.length === 0) return new Uint8Array(0)
    if (!has0x(value)) throw typeError(MISSING_PREFIX, this.goType, field)
    const digits = value.slice(2)
    if (digits.length % 2 !== 0) throw typeError(ODD_LENGTH, this.goType, field)
    if (!HEX_RE.test(digits)) throw typeError(SYNTAX, this.goType, field)
    return hexBytes(digits)
  },
}

/** The digits of a hex quantity, or the reason it is not one (geth's checkNumberText). */
function quantityDigits(value: string, maxDigits: number, rangeMessage: string, emptyAllowed: boolean): string {
  if (value.length === 0) {
    if (emptyAllowed) return '0'
    throw new ParamError('empty hex string')
  }
  if (!has0x(value)) throw new ParamError(MISSING_PREFIX)
  const digits = value.slice(2)
  if (digits.length === 0) throw new ParamError(EMPTY_NUMBER)
  if (digits.length > 1 && digits[0] === '0') throw new ParamError(LEADING_ZERO)
  if (digits.length > maxDigits) throw new ParamError(rangeMessage)
  if (!HEX_RE.test(digits)) throw new ParamError(SYNTAX)
  return digits
}

function quantityDecoder(goType: string, maxDigits: number, rangeMessage: string): Decoder<bigint> {
  return {
    goType,
    decode(value, field) {
      if (typeof value !== 'string') throw typeError('non-string', goType, field)
      try {
        return BigInt(`0x${quantityDigits(value, maxDigits, rangeMessage, true)}`)
      } catch (err) {
        if (err instanceof ParamError) throw typeError(err.message, goType, field)
        throw err
      }
    },
  }
}

/** A 256-bit quantity (*hexutil.Big): 0x-prefixed, no leading zeros. */
export const quantity: Decoder<bigint> = quantityDecoder('*hexutil.Big', 64, 'hex number > 256 bits')
/** A 64-bit quantity (hexutil.Uint64): gas, nonces. */
export const uint64: Decoder<bigint> = quantityDecoder('hexutil.Uint64', 16, 'hex number > 64 bits')
/** A 256-bit quantity inside EIP-7702 authorizations (hexutil.U256). */
export const u256: Decoder<bigint> = quantityDecoder('*hexutil.U256', 64, 'hex number > 256 bits')

const uint: Decoder<bigint> = quantityDecoder('hexutil.Uint', 16, 'hex number > 64 bits')

/** An index (hexutil.Uint), as a JS number. */
export const index: Decoder<number> = {
  goType: 'hexutil.Uint',
  decode(value, field) {
    const n = uint.decode(value, field)
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n)
  },
}

export const bool: Decoder<boolean> = {
  goType: 'bool',
  decode(value, field) {
    if (typeof value !== 'boolean') throw typeError(jsonKind(value), 'bool', field)
    return value
  },
}

export const string: Decoder<string> = {
  goType: 'string',
  decode(value, field) {
    if (typeof value !== 'string') throw typeError(jsonKind(value), 'string', field)
    return value
  },
}

/** A count given as a JSON number, a decimal string or a hex string (math.HexOrDecimal64). */
export const hexOrDecimal: Decoder<bigint> = {
  goType: 'math.HexOrDecimal64',
  decode(value) {
    let text: string
    if (typeof value === 'number') text = String(value)
    else if (typeof value === 'string') text = value
    else throw new ParamError(`invalid hex or decimal integer ${JSON.stringify(JSON.stringify(value))}`)
    const ok = text === '' || (has0x(text) ? /^0[xX][0-9a-fA-F]{1,16}$/.test(text) : /^[0-9]{1,20}$/.test(text))
    const n = ok ? (text === '' ? 0n : BigInt(text)) : -1n
    if (n < 0n || n >= 1n << 64n) throw new ParamError(`invalid hex or decimal integer ${JSON.stringify(text)}`)
    return n
  },
}

/** A list of JSON numbers ([]float64). */
export const floats: Decoder<number[]> = {
  goType: '[]float64',
  decode(value, field) {
    if (!Array.isArray(value)) throw typeError(jsonKind(value), '[]float64', field)
    return value.map((v) => {
      if (typeof v !== 'number') throw typeError(jsonKind(v), 'float64', field)
      return v
    })
  },
}

export function arrayOf<T>(item: Decoder<T>, maxItems?: number): Decoder<T[]> {
  const goType = `[]${item.goType}`
  return {
    goType,
    decode(value, field) {
      if (!Array.isArray(value)) throw typeError(jsonKind(value), goType, field)
      if (maxItems !== undefined && value.length > maxItems) throw new ParamError(`too many items: ${value.length}, want at most ${maxItems}`)
      return value.map((v) => item.decode(v, field))
    },
  }
}

/** Any JSON value, passed through (for parameters a handler inspects itself). */
export const any: Decoder<unknown> = { goType: 'interface {}', decode: (value) => value }

/**
 * A storage slot as geth's decodeHash takes it: hex, 0x optional, at most 32 bytes. geth decodes
 * it in the handler, so its errors are -32602 with the raw input quoted and no "invalid argument N".
 */
export interface StorageKey {
  key: Uint8Array // left-padded to 32 bytes
  inputLength: number
}
export const storageKey: Decoder<StorageKey> = {
  goType: 'string',
  decode(value, field) {
    if (typeof value !== 'string') throw typeError(jsonKind(value), 'string', field)
    let digits = has0x(value) ? value.slice(2) : value
    if (digits.length % 2 === 1) digits = `0${digits}`
    if (!HEX_RE.test(digits)) throw invalidParams(`invalid hex in storage key: ${JSON.stringify(value)}`)
    if (digits.length > 64) throw invalidParams(`storage key too long (want at most 32 bytes): ${JSON.stringify(value)}`)
    return { key: hexBytes(digits.padStart(64, '0')), inputLength: digits.length / 2 }
  },
}

// --- block selectors -------------------------------------------------------------------------

export type BlockTag = 'latest' | 'earliest' | 'pending' | 'safe' | 'finalized'
export type BlockSelector =
  | { kind: 'tag'; tag: BlockTag }
  | { kind: 'number'; number: bigint }
  | { kind: 'hash'; hash: Uint8Array; requireCanonical: boolean }

const TAGS = new Set<string>(['latest', 'earliest', 'pending', 'safe', 'finalized'])
const INT64_MAX = (1n << 63n) - 1n

function decodeBlockNumberText(text: string): BlockSelector {
  if (TAGS.has(text)) return { kind: 'tag', tag: text as BlockTag }
  const number = BigInt(`0x${quantityDigits(text, 16, 'hex number > 64 bits', false)}`)
  if (number > INT64_MAX) throw new ParamError('block number larger than int64')
  return { kind: 'number', number }
}

/** A block number or tag (rpc.BlockNumber): "latest", "earliest", "pending", "safe", "finalized" or 0x number. */
export const blockTag: Decoder<BlockSelector & { kind: 'tag' | 'number' }> = {
  goType: 'rpc.BlockNumber',
  decode(value) {
    // geth reads an unquoted value as the text itself, so 12 fails on the missing 0x prefix.
    const text = typeof value === 'string' ? value : JSON.stringify(value)
    return decodeBlockNumberText(text) as BlockSelector & { kind: 'tag' | 'number' }
  },
}

/** A block number, tag, hash, or EIP-1898 object {blockNumber} / {blockHash, requireCanonical}. */
export const blockTagOrHash: Decoder<BlockSelector> = {
  goType: 'rpc.BlockNumberOrHash',
  decode(value) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>
      const hasNumber = obj.blockNumber !== undefined && obj.blockNumber !== null
      const hasHash = obj.blockHash !== undefined && obj.blockHash !== null
      if (hasNumber && hasHash) throw new ParamError('cannot specify both BlockHash and BlockNumber, choose one or the other')
      if (hasHash) {
        const requireCanonical = obj.requireCanonical ?? false
        if (typeof requireCanonical !== 'boolean') throw typeError(jsonKind(requireCanonical), 'bool', 'BlockNumberOrHash.requireCanonical')
        return { kind: 'hash', hash: hash.decode(obj.blockHash, 'BlockNumberOrHash.blockHash'), requireCanonical }
      }
      if (hasNumber) return blockTag.decode(obj.blockNumber)
      throw new ParamError('invalid arguments; neither block nor hash specified')
    }
    if (typeof value !== 'string') throw typeError(jsonKind(value), 'string')
    if (value.length === 66) return { kind: 'hash', hash: hash.decode(value), requireCanonical: false }
    return decodeBlockNumberText(value)
  },
}
