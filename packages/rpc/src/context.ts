// What a method handler gets, how methods are declared, and block resolution shared by them.
import type { Logger } from 'pino'
import type { BlockView, RpcBackend } from './backend.ts'
import { HASH_NOT_CANONICAL, HEADER_FOR_HASH_NOT_FOUND, HEADER_NOT_FOUND, serverError } from './errors.ts'
import type { FilterManager } from './filter-manager.ts'
import type { ResolvedRpcOptions } from './options.ts'
import type { BlockSelector, Param } from './params.ts'
import type { SubscriptionScope } from './subscriptions.ts'
import type { GasPriceOracle } from './methods/eth/fee.ts'

export interface HandlerContext {
  readonly backend: RpcBackend
  readonly options: ResolvedRpcOptions
  readonly filters: FilterManager
  readonly gasOracle: GasPriceOracle
  readonly logger: Logger
  /** Subscriptions of the WebSocket connection the call came on; undefined over HTTP. */
  readonly connection?: SubscriptionScope
  /**
   * When the time budget of the HTTP request or WebSocket message carrying this call runs
   * out (`performance.now()` ms); undefined = no limit. Calls of one batch share it.
   */
  readonly deadline?: number
  /**
   * Aborts when the client that sent the call went away before its answer (its HTTP
   * connection or WebSocket closed): heavy work still running for it is stopped.
   */
  readonly cancelled?: AbortSignal
}

export interface MethodSpec {
  readonly params: readonly Param<unknown>[]
  readonly handler: (ctx: HandlerContext, args: unknown[]) => unknown
  /**
   * The method only reads, and nothing it answers depends on a call before it in the same
   * batch being answered first (eth_call): a batch starts a run of such calls together.
   */
  readonly parallel?: boolean
  /**
   * Work a batch's calls of this method share, done once before the batch runs (the senders of
   * a batch's raw transactions recovered together on another thread). Gets the `params` of
   * each of the batch's calls of the method, as sent (not yet checked); an optimisation only:
   * the calls still run and check everything in order, and a failure here is ignored.
   */
  readonly prepareBatch?: (ctx: HandlerContext, params: unknown[]) => Promise<void>
}

export type MethodTable = Record<string, MethodSpec>

type ArgsOf<P extends readonly Param<unknown>[]> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never }

/** Declares a method: its parameter schema, and a handler receiving the decoded values. */
export function method<const P extends readonly Param<any>[]>(
  params: P,
  handler: (ctx: HandlerContext, ...args: ArgsOf<P>) => unknown,
  options: Pick<MethodSpec, 'parallel' | 'prepareBatch'> = {},
): MethodSpec {
  for (let i = 1; i < params.length; i++) {
    if (params[i - 1].optional && !params[i].optional) throw new Error(`parameter ${params[i].name} follows an optional one`)
  }
  return { params, handler: (ctx, args) => handler(ctx, ...(args as ArgsOf<P>)), parallel: options.parallel === true, prepareBatch: options.prepareBatch }
}

export const LATEST: BlockSelector = { kind: 'tag', tag: 'latest' }

/**
 * The block a selector names, or undefined. `pending` is the latest block (this node builds
 * no pending block); `safe` and `finalized` are the chain's finalized block.
 */
export async function resolveBlock(ctx: HandlerContext, selector: BlockSelector): Promise<BlockView | undefined> {
  const chain = ctx.backend.chain
  switch (selector.kind) {
    case 'tag':
      switch (selector.tag) {
        case 'latest':
        case 'pending':
          return chain.latest()
        case 'earliest':
          return chain.blockByNumber(0n)
        case 'safe':
        case 'finalized':
          return chain.finalized()
      }
      break
    case 'number': {
      const head = chain.latest()
      if (selector.number > head.block.header.number) return undefined
      if (selector.number === head.block.header.number) return head
      return chain.blockByNumber(selector.number)
    }
    case 'hash': {
      const view = await chain.blockByHash(selector.hash)
      if (view !== undefined && selector.requireCanonical && !(await chain.isCanonical(selector.hash))) return undefined
      return view
    }
  }
}

/** The block whose state a query reads; fails as geth does ("header not found"...) when there is none. */
export async function resolveStateBlock(ctx: HandlerContext, selector: BlockSelector): Promise<BlockView> {
  if (selector.kind === 'hash') {
    const view = await ctx.backend.chain.blockByHash(selector.hash)
    if (view === undefined) throw serverError(HEADER_FOR_HASH_NOT_FOUND)
    if (selector.requireCanonical && !(await ctx.backend.chain.isCanonical(selector.hash))) throw serverError(HASH_NOT_CANONICAL)
    return view
  }
  const view = await resolveBlock(ctx, selector)
  if (view === undefined) throw serverError(HEADER_NOT_FOUND)
  return view
}

/** The number a block tag or number stands for now (for log ranges). */
export async function resolveBlockNumber(ctx: HandlerContext, selector: BlockSelector & { kind: 'tag' | 'number' }): Promise<bigint> {
  if (selector.kind === 'number') return selector.number
  switch (selector.tag) {
    case 'latest':
    case 'pending':
      return ctx.backend.chain.latest().block.header.number
    case 'earliest':
      return 0n
    case 'safe':
    case 'finalized':
      return (await ctx.backend.chain.finalized()).block.header.number
  }
}
