// The one catalog of JSON-RPC error codes this server answers with, and the error type that
// carries them. Messages follow geth wherever geth has one, since tooling matches on them.

/** JSON-RPC error codes. The -327xx/-326xx range is JSON-RPC 2.0; the rest is geth/EIP-1474. */
export const ErrorCode = {
  /** Body is not valid JSON. */
  ParseError: -32700,
  /** Not a valid request object; also "empty batch", "batch too large", oversized body. */
  InvalidRequest: -32600,
  /** Unknown method, unknown subscription name, subscriptions over HTTP. */
  MethodNotFound: -32601,
  /** A parameter failed validation ("invalid argument N: ..."). */
  InvalidParams: -32602,
  /** Unexpected failure inside the server; details go to the log, not the client. */
  Internal: -32603,
  /** A method of a served namespace that the node's configuration turns off (Besu: "Method not enabled"). */
  MethodNotEnabled: -32604,
  /** Generic server-side failure with a meaningful message (geth's default code). */
  Server: -32000,
  /** Call timed out (geth: "execution aborted (timeout = 5s)" is -32000; this is for request timeouts). */
  Timeout: -32002,
  /** A batch response went over the configured byte budget (geth: "response too large"). */
  ResponseTooLarge: -32003,
  /** A query limit was hit: eth_getLogs block range or result count, subscriptions per connection. */
  LimitExceeded: -32005,
  /** The EVM reverted; `data` is the revert data as 0x hex. */
  ExecutionReverted: 3,
} as const

export interface ErrorObject {
  code: number
  message: string
  data?: unknown
}

/** An error that reaches the client as-is: JSON-RPC `code`, `message` and optional `data`. */
export class RpcError extends Error {
  readonly code: number
  readonly data: unknown
  constructor(code: number, message: string, data?: unknown) {
    super(message)
    this.name = 'RpcError'
    this.code = code
    this.data = data
  }

  toJSON(): ErrorObject {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data }
  }
}

export const parseError = (detail?: string): RpcError => new RpcError(ErrorCode.ParseError, detail === undefined ? 'parse error' : `parse error: ${detail}`)
export const invalidRequest = (message = 'invalid request'): RpcError => new RpcError(ErrorCode.InvalidRequest, message)
export const methodNotFound = (method: string): RpcError =>
  new RpcError(ErrorCode.MethodNotFound, `the method ${method} does not exist/is not available`)
export const invalidParams = (message: string): RpcError => new RpcError(ErrorCode.InvalidParams, message)
export const serverError = (message: string, data?: unknown): RpcError => new RpcError(ErrorCode.Server, message, data)
export const limitExceeded = (message: string): RpcError => new RpcError(ErrorCode.LimitExceeded, message)
export const internalError = (): RpcError => new RpcError(ErrorCode.Internal, 'internal error')

// geth's messages for the conditions several methods share.
export const HEADER_NOT_FOUND = 'header not found'
export const HEADER_FOR_HASH_NOT_FOUND = 'header for hash not found'
export const HASH_NOT_CANONICAL = 'hash is not currently canonical'
export const FILTER_NOT_FOUND = 'filter not found'

/**
 * The error object for anything a handler threw, or undefined when it is not a client-facing
 * error (the caller answers -32603 "internal error" and logs the original).
 * Accepted: RpcError, or any object with an integer `code` and a string `message` (how the
 * node's pool and chain report errors), with its `data` if present.
 */
export function errorObjectOf(err: unknown): ErrorObject | undefined {
  if (err instanceof RpcError) return err.toJSON()
  if (typeof err !== 'object' || err === null) return undefined
  const { code, message, data } = err as { code?: unknown; message?: unknown; data?: unknown }
  if (typeof code !== 'number' || !Number.isInteger(code) || typeof message !== 'string') return undefined
  return data === undefined ? { code, message } : { code, message, data: safeData(data) }
}

function safeData(data: unknown): unknown {
  if (data instanceof Uint8Array) return `0x${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')}`
  if (typeof data === 'bigint') return `0x${data.toString(16)}`
  return data
}

// --- Revert reasons ------------------------------------------------------------------------

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

/**
 * geth's revert error: code 3, "execution reverted" (plus ": <reason>" when the data is an
 * Error(string) or a Panic(uint256)), and the raw revert data as `data`.
 */
export function revertError(returnData: Uint8Array): RpcError {
  const reason = decodeRevertReason(returnData)
  const hex = `0x${Buffer.from(returnData.buffer, returnData.byteOffset, returnData.byteLength).toString('hex')}`
  return new RpcError(ErrorCode.ExecutionReverted, reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`, hex)
}
