// The time budget of one HTTP request or WebSocket message. Heavy calls (EVM execution,
// proofs, log queries) share it: a batch of them gets one budget, not one each, so a single
// request cannot hold the node's execution workers for longer than the configured timeout.
import { ErrorCode, RpcError, serverError } from './errors.ts'

/**
 * When the budget of a message received now runs out, in `performance.now()` milliseconds;
 * undefined when `timeoutMs` is 0 (no limit, geth's `--rpc.evmtimeout 0`).
 */
export function deadlineAfter(timeoutMs: number): number | undefined {
  return timeoutMs === 0 ? undefined : performance.now() + timeoutMs
}

/** A duration as Go's time.Duration prints it, as geth's messages show it: "200ms", "1.5s", "1m30s", "2h0m0s". */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = `${(ms % 60_000) / 1000}s`
  if (hours > 0) return `${hours}h${minutes}m${seconds}`
  return minutes > 0 ? `${minutes}m${seconds}` : seconds
}

/** geth's answer to an EVM call stopped by `--rpc.evmtimeout`: -32000 "execution aborted (timeout = 5s)". */
export function executionAborted(timeoutMs: number): RpcError {
  return serverError(`execution aborted (timeout = ${goDuration(timeoutMs)})`)
}

/** geth's answer to other work that outlived its request's budget: -32002 "request timed out". */
export function requestTimedOut(): RpcError {
  return new RpcError(ErrorCode.Timeout, 'request timed out')
}

/**
 * Runs `work` within what is left of `deadline`. Past it the caller gets `timeoutError()`
 * at once and `work`'s signal aborts (the backend then stops the execution, e.g. by
 * terminating the worker thread running it). With no time left, `work` never starts.
 */
export async function withinDeadline<T>(deadline: number | undefined, timeoutError: () => RpcError, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (deadline === undefined) return work(undefined)
  const remaining = deadline - performance.now()
  if (remaining <= 0) throw timeoutError()
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(timeoutError())
      controller.abort()
    }, remaining)
  })
  try {
    return await Promise.race([work(controller.signal), timeout])
  } finally {
    clearTimeout(timer)
  }
}
