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

/** The longest delay Node's setTimeout keeps (2^31-1 ms); longer ones overflow and fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** What bounds one message's work: its deadline, and its client's presence. */
export interface RequestBudget {
  /** When the budget runs out (`performance.now()` ms); undefined = no limit. */
  readonly deadline?: number
  /** Aborts when the client went away before its answer (connection closed). */
  readonly cancelled?: AbortSignal
}

/** The answer to work whose client went away: nobody reads it, it only ends the call. */
export function requestCancelled(): RpcError {
  return new RpcError(ErrorCode.Timeout, 'request cancelled: the client closed the connection')
}

/**
 * Runs `work` within what is left of `budget.deadline`. Past it the caller gets
 * `timeoutError()` at once and `work`'s signal aborts (the backend then stops the execution,
 * e.g. by terminating the worker thread running it). With no time left, or the client already
 * gone, `work` never starts; when the client goes away meanwhile, the work is stopped the same
 * way (as geth cancels a call's context when its HTTP connection closes), so an abandoned call
 * does not hold an execution thread until its deadline.
 */
export async function withinDeadline<T>(budget: RequestBudget, timeoutError: () => RpcError, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  const { deadline, cancelled } = budget
  if (cancelled?.aborted === true) throw requestCancelled()
  if (deadline === undefined && cancelled === undefined) return work(undefined)
  const remaining = deadline === undefined ? undefined : deadline - performance.now()
  if (remaining !== undefined && remaining <= 0) throw timeoutError()
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let onCancel: (() => void) | undefined
  const stopped = new Promise<never>((_, reject) => {
    if (remaining !== undefined) {
      // Node's timers hold at most 2^31-1 ms (24.8 days); a longer one would fire at once.
      timer = setTimeout(() => {
        reject(timeoutError())
        controller.abort()
      }, Math.min(remaining, MAX_TIMER_MS))
    }
    onCancel = () => {
      reject(requestCancelled())
      controller.abort()
    }
    cancelled?.addEventListener('abort', onCancel, { once: true })
  })
  try {
    return await Promise.race([work(controller.signal), stopped])
  } finally {
    clearTimeout(timer)
    if (onCancel !== undefined) cancelled?.removeEventListener('abort', onCancel)
  }
}
