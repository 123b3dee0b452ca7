// JSON-RPC 2.0 framing: parse, batches, notifications, parameter validation against each
// method's schema, and the mapping of thrown errors to error objects. Transport-free: the
// HTTP route and the WebSocket handler both hand it text and send back what it returns.
import type { Logger } from 'pino'
import type { HandlerContext, MethodSpec, MethodTable } from './context.ts'
import { ErrorCode, errorObjectOf, internalError, invalidParams, invalidRequest, methodNotFound, parseError, RpcError, type ErrorObject } from './errors.ts'
import { ParamError, type Param } from './params.ts'
import { isRawId, parseRequest, type RawJsonId } from './request-id.ts'

export type Outcome = 'success' | 'error' | 'internal_error'

/** Called once per executed call (not for malformed requests). `method` is "unknown" for unknown methods. */
export type CallObserver = (method: string, outcome: Outcome, seconds: number) => void

/** A request's id; a RawJsonId when its JSON text would not survive a parse (request-id.ts). */
type Id = string | number | RawJsonId | null

interface Response {
  jsonrpc: '2.0'
  id: Id
  result?: unknown
  error?: ErrorObject
}

/**
 * A result that is JSON text already (a trace built on a worker thread): written into the
 * response as it is, never parsed and serialized again on the thread that seals.
 */
export class RawJson {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

function errorResponse(id: Id, error: RpcError | ErrorObject): Response {
  return { jsonrpc: '2.0', id, error: error instanceof RpcError ? error.toJSON() : error }
}

/** Decodes a params array against a schema, failing with geth's messages. */
export function decodeParams(specs: readonly Param<unknown>[], raw: unknown): unknown[] {
  if (raw === undefined || raw === null) raw = []
  if (!Array.isArray(raw)) throw invalidParams('non-array args')
  if (raw.length > specs.length) throw invalidParams(`too many arguments, want at most ${specs.length}`)
  const out: unknown[] = new Array(specs.length)
  for (let i = 0; i < specs.length; i++) {
    const value = raw[i]
    if (value === undefined || value === null) {
      if (!specs[i].optional) throw invalidParams(`missing value for required argument ${i}`)
      out[i] = undefined
      continue
    }
    try {
      out[i] = specs[i].decoder.decode(value)
    } catch (err) {
      if (err instanceof ParamError) throw invalidParams(`invalid argument ${i}: ${err.message}`)
      throw err
    }
  }
  return out
}

export interface DispatcherOptions {
  maxBatchSize: number
  /** 0 = unlimited. */
  maxBatchResponseBytes: number
}

export class Dispatcher {
  readonly #methods: Map<string, MethodSpec>
  readonly #options: DispatcherOptions
  readonly #logger: Logger
  readonly #observe: CallObserver | undefined

  constructor(methods: MethodTable, options: DispatcherOptions, logger: Logger, observe?: CallObserver) {
    // A Map, so "__proto__" or "toString" are unknown methods rather than Object.prototype's.
    this.#methods = new Map(Object.entries(methods))
    this.#options = options
    this.#logger = logger
    this.#observe = observe
  }

  get methodNames(): string[] {
    return [...this.#methods.keys()]
  }

  /**
   * Answers one HTTP body or WebSocket message (its nesting already checked, json-guard.ts). Returns the response text, or undefined when
   * nothing is to be sent (only notifications). Never throws.
   */
  async handle(text: string, ctx: HandlerContext): Promise<string | undefined> {
    let message: unknown
    try {
      message = parseRequest(text)
    } catch {
      return JSON.stringify(errorResponse(null, parseError()))
    }
    if (!Array.isArray(message)) {
      const response = await this.#handleOne(message, ctx)
      return response === undefined ? undefined : this.#serialize(response)
    }
    if (message.length === 0) return JSON.stringify(errorResponse(null, invalidRequest('empty batch')))
    if (message.length > this.#options.maxBatchSize) {
      // geth answers an oversized batch with one error, carrying the id of its first call.
      const first = message.find((m) => typeof m === 'object' && m !== null && Object.hasOwn(m, 'id') && validId((m as { id: unknown }).id))
      const id = first === undefined ? null : ((first as { id: Id }).id ?? null)
      return `[${JSON.stringify(errorResponse(id, invalidRequest('batch too large')))}]`
    }
    await this.#prepareBatch(message, ctx)
    // Calls run in order (a batch of transactions keeps its nonce order), answers keep it too;
    // a run of calls that only read (MethodSpec.parallel) starts together, so their executions
    // reach the worker threads as one group (call-groups.ts).
    const parts: string[] = []
    let size = 2
    const budget = this.#options.maxBatchResponseBytes
    const overBudget = () => budget > 0 && size > budget
    let slice = performance.now()
    for (let next = 0; next < message.length; ) {
      // The client is gone: the rest of its batch would be answered to nobody.
      if (ctx.cancelled?.aborted === true) return undefined
      // Reads are synchronous: without this a batch of a thousand calls would run as one piece
      // of work, and no block would be sealed or imported until it ended. Every few ms only,
      // not every call: the sealer would otherwise wake between calls and seal tiny blocks.
      if (performance.now() - slice > BATCH_SLICE_MS) {
        await yieldToEventLoop()
        slice = performance.now()
      }
      const items = message.slice(next, next + this.#parallelRun(message, next))
      next += items.length
      const responses = overBudget() ? [] : await Promise.all(items.map((item) => this.#handleOne(item, ctx)))
      for (const [k, item] of items.entries()) {
        // As geth: once the answers pass the size limit, every later call gets an error.
        if (overBudget()) {
          const id = callId(item)
          if (id !== undefined) parts.push(JSON.stringify(errorResponse(id, new RpcError(ErrorCode.ResponseTooLarge, 'response too large'))))
          continue
        }
        const response = responses[k]
        if (response === undefined) continue
        const part = this.#serialize(response)
        size += part.length + 1
        parts.push(part)
      }
    }
    return parts.length === 0 ? undefined : `[${parts.join(',')}]`
  }

  /** Runs the MethodSpec.prepareBatch of every method with two or more calls in `batch`, together. */
  async #prepareBatch(batch: unknown[], ctx: HandlerContext): Promise<void> {
    const paramsByMethod = new Map<MethodSpec, unknown[]>()
    for (const item of batch) {
      const spec = this.#methods.get(methodOf(item) ?? '')
      if (spec?.prepareBatch === undefined) continue
      const params = (item as { params?: unknown }).params
      const list = paramsByMethod.get(spec)
      if (list === undefined) paramsByMethod.set(spec, [params])
      else list.push(params)
    }
    const preparations = [...paramsByMethod].filter(([, list]) => list.length >= 2).map(([spec, list]) => spec.prepareBatch!(ctx, list))
    for (const outcome of await Promise.allSettled(preparations)) {
      if (outcome.status === 'rejected') this.#logger.debug({ err: outcome.reason }, 'batch preparation failed; the calls run without it')
    }
  }

  /** How many batch items from `start` run together: the run of parallel methods there, else 1. */
  #parallelRun(batch: unknown[], start: number): number {
    let end = start
    while (end < batch.length && this.#methods.get(methodOf(batch[end]) ?? '')?.parallel === true) end++
    return Math.max(1, end - start)
  }

  #serialize(response: Response): string {
    if (response.result instanceof RawJson) return `{"jsonrpc":"2.0","id":${JSON.stringify(response.id)},"result":${response.result.text}}`
    try {
      return JSON.stringify(response)
    } catch (err) {
      this.#logger.error({ err }, 'rpc result could not be serialized')
      return JSON.stringify(errorResponse(response.id, internalError()))
    }
  }

  async #handleOne(message: unknown, ctx: HandlerContext): Promise<Response | undefined> {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return errorResponse(null, invalidRequest())
    const { jsonrpc, method, params } = message as { jsonrpc?: unknown; method?: unknown; params?: unknown }
    const hasId = Object.hasOwn(message, 'id')
    const rawId = (message as { id?: unknown }).id
    if (hasId && !validId(rawId)) return errorResponse(null, invalidRequest())
    const id: Id = hasId ? (rawId as Id) : null
    if (jsonrpc !== '2.0' || typeof method !== 'string' || method === '') return errorResponse(id, invalidRequest())

    const started = performance.now()
    const spec = this.#methods.get(method)
    let outcome: Outcome = 'success'
    let response: Response
    try {
      if (spec === undefined) throw methodNotFound(method)
      const args = decodeParams(spec.params, params)
      const result = await spec.handler(ctx, args)
      response = { jsonrpc: '2.0', id, result: result === undefined ? null : result }
    } catch (err) {
      const error = errorObjectOf(err)
      if (error === undefined) {
        outcome = 'internal_error'
        this.#logger.error({ err, method }, 'rpc method failed')
        response = errorResponse(id, internalError())
      } else {
        outcome = 'error'
        response = errorResponse(id, error)
      }
    }
    const seconds = (performance.now() - started) / 1000
    this.#observe?.(spec === undefined ? 'unknown' : method, outcome, seconds)
    if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ method, outcome, ms: Math.round(seconds * 1e4) / 10 }, 'rpc call')
    return hasId ? response : undefined
  }
}

/** A batch gives the event loop back after running this long. */
const BATCH_SLICE_MS = 5

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function validId(id: unknown): boolean {
  return id === null || typeof id === 'string' || typeof id === 'number' || isRawId(id)
}

/** A batch item's method name, when it has one. */
function methodOf(item: unknown): string | undefined {
  const method = typeof item === 'object' && item !== null ? (item as { method?: unknown }).method : undefined
  return typeof method === 'string' ? method : undefined
}

/** The id a batch item would be answered with, or undefined for notifications. */
function callId(item: unknown): Id | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return null
  if (!Object.hasOwn(item, 'id')) return undefined
  const id = (item as { id: unknown }).id
  return validId(id) ? (id as Id) : null
}
