// The one catalog of JSON-RPC error codes this server answers with, and the error type that
// carries them. Messages follow geth wherever geth has one, since tooling matches on them.
import { decodeRevertReason } from '@busan/tracing'

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

/**
 * geth's revert error: code 3, "execution reverted" (plus ": <reason>" when the data is an
 * Error(string) or a Panic(uint256)), and the raw revert data as `data`.
 */
export function revertError(returnData: Uint8Array): RpcError {
  const reason = decodeRevertReason(returnData)
  const hex = `0x${Buffer.from(returnData.buffer, returnData.byteOffset, returnData.byteLength).toString('hex')}`
  return new RpcError(ErrorCode.ExecutionReverted, reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`, hex)
}
