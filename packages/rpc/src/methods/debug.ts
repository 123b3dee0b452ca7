// geth's debug namespace: transaction tracing (debug_trace*) and raw chain data
// (debug_getRaw*). Traces run on the RPC worker threads and come back as JSON text.
import { RLP } from '@ethereumjs/rlp'
import { encodeReceipt } from '@ethereumjs/vm'
import { parseTraceConfig, type TraceOptions } from '@busan/tracing'
import type { BlockView, CallOverrides } from '../backend.ts'
import { method, resolveBlock, type HandlerContext, type MethodTable } from '../context.ts'
import { withinDeadline } from '../deadline.ts'
import { RawJson } from '../dispatcher.ts'
import { invalidParams, serverError } from '../errors.ts'
import { formatBlock, hex } from '../format.ts'
import { ParamError, any, blockTag, blockTagOrHash, bytes, hash, optional, required, type BlockSelector } from '../params.ts'
import { callRequest } from '../param-objects.ts'
import { gasCapOf, prepareCall } from './eth/call.ts'
import { blockOverrides, stateOverrides } from '../overrides.ts'

/** The node's bound on one trace's JSON (struct logs of a long loop grow by ~150 bytes a step). */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024

/**
 * Runs a trace within its `timeout` (per traced transaction, as geth's; a block's is that times
 * its transactions): past it geth's -32000 "execution timeout". A client that hangs up stops it.
 */
export async function traced(ctx: HandlerContext, trace: TraceOptions, transactions: number, work: (signal: AbortSignal | undefined) => Promise<string>): Promise<RawJson> {
  const budget = trace.timeoutMs * Math.max(1, transactions)
  const text = await withinDeadline({ deadline: performance.now() + Math.max(0, budget), cancelled: ctx.cancelled }, () => serverError('execution timeout'), work)
  return new RawJson(text)
}

/** A mined transaction's block and index, or geth's -32000 "transaction not found" (a pending one is not traceable). */
export async function minedTransaction(ctx: HandlerContext, txHash: Uint8Array): Promise<{ view: BlockView; index: number }> {
  const found = await ctx.backend.chain.transaction(txHash)
  const view = found?.blockHash === undefined ? undefined : await ctx.backend.chain.blockByHash(found.blockHash)
  if (view === undefined || found?.index === undefined) throw serverError('transaction not found')
  return { view, index: found.index }
}

function config(raw: unknown, position: number): TraceOptions {
  return parseTraceConfig(raw, position, MAX_TRACE_BYTES)
}

/** A stored block by number or tag; geth's "block #N not found" otherwise. */
async function blockByNumber(ctx: HandlerContext, selector: BlockSelector): Promise<BlockView> {
  const view = await resolveBlock(ctx, selector)
  if (view === undefined) throw serverError(`block #${selector.kind === 'number' ? selector.number : selector.kind} not found`)
  return view
}

/** A block by number, tag or hash for debug_getRaw*: null when there is none (geth returns nothing). */
async function rawTarget(ctx: HandlerContext, selector: BlockSelector): Promise<BlockView | undefined> {
  return selector.kind === 'hash' ? ctx.backend.chain.blockByHash(selector.hash) : resolveBlock(ctx, selector)
}

async function traceBlockView(ctx: HandlerContext, view: BlockView, rawConfig: unknown): Promise<RawJson> {
  const trace = config(rawConfig, 1)
  if (view.block.header.number === 0n) throw serverError('genesis is not traceable')
  return traced(ctx, trace, view.block.transactions.length, (signal) => ctx.backend.chain.traceBlock(view, trace, { signal }))
}

/** geth's TraceCallConfig.StateOverrides and BlockOverrides, decoded as eth_call's. */
function traceCallOverrides(raw: unknown): CallOverrides {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {}
  const { stateOverrides: state, blockOverrides: block } = raw as Record<string, unknown>
  try {
    return {
      state: state === undefined || state === null ? undefined : stateOverrides.decode(state, 'TraceCallConfig.StateOverrides'),
      block: block === undefined || block === null ? undefined : blockOverrides.decode(block, 'TraceCallConfig.BlockOverrides'),
    }
  } catch (error) {
    if (error instanceof ParamError) throw invalidParams(`invalid argument 2: ${error.message}`)
    throw error
  }
}

export const debugMethods: MethodTable = {
  debug_traceTransaction: method([required('txHash', hash), optional('config', any)], async (ctx, txHash, rawConfig) => {
    const trace = config(rawConfig, 1)
    const { view, index } = await minedTransaction(ctx, txHash)
    if (view.block.header.number === 0n) throw serverError('genesis is not traceable')
    return traced(ctx, trace, 1, (signal) => ctx.backend.chain.traceBlock(view, trace, { txIndex: index, signal }))
  }),

  debug_traceBlockByNumber: method([required('number', blockTag), optional('config', any)], async (ctx, number, rawConfig) => {
    // geth traces its miner's pending block; this node builds none, so there is nothing in it.
    if (number.kind === 'tag' && number.tag === 'pending') return new RawJson('[]')
    return traceBlockView(ctx, await blockByNumber(ctx, number), rawConfig)
  }),

  debug_traceBlockByHash: method([required('hash', hash), optional('config', any)], async (ctx, blockHash, rawConfig) => {
    const view = await ctx.backend.chain.blockByHash(blockHash)
    if (view === undefined) throw serverError(`block ${hex(blockHash)} not found`)
    return traceBlockView(ctx, view, rawConfig)
  }),

  debug_traceBlock: method([required('blob', bytes), optional('config', any)], async (ctx, blob, rawConfig) => {
    const trace = config(rawConfig, 1)
    let transactions = 1
    try {
      const decoded = RLP.decode(blob) as unknown[]
      if (Array.isArray(decoded[1])) transactions = decoded[1].length
    } catch (error) {
      throw serverError(`could not decode block: rlp: ${(error as Error).message}`)
    }
    return traced(ctx, trace, transactions, (signal) => ctx.backend.chain.traceRawBlock(blob, trace, signal))
  }),

  debug_traceCall: method(
    [required('transaction', callRequest), optional('block', blockTagOrHash), optional('config', any)],
    async (ctx, decoded, block, rawConfig) => {
      const overrides = traceCallOverrides(rawConfig)
      if (block?.kind === 'tag' && block.tag === 'pending') throw serverError('tracing on top of pending is not supported')
      const trace = config(rawConfig, 2)
      const { request, view } = await prepareCall(ctx, decoded, block)
      return traced(ctx, trace, 1, (signal) => ctx.backend.chain.traceCall(request, view, { gasCap: gasCapOf(ctx), trace, overrides, signal }))
    },
  ),

  debug_getRawHeader: method([required('block', blockTagOrHash)], async (ctx, selector) => {
    const view = await rawTarget(ctx, selector)
    return view === undefined ? null : hex(view.block.header.serialize())
  }),

  debug_getRawBlock: method([required('block', blockTagOrHash)], async (ctx, selector) => {
    const view = await rawTarget(ctx, selector)
    return view === undefined ? null : hex(view.block.serialize())
  }),

  debug_getRawReceipts: method([required('block', blockTagOrHash)], async (ctx, selector) => {
    const view = await rawTarget(ctx, selector)
    if (view === undefined) return null
    const receipts = await withinDeadline(ctx, () => serverError('request timed out'), (signal) => ctx.backend.chain.receipts(view, signal))
    // EIP-2718 receipt encoding: the type byte, then RLP [status or pre-Byzantium root, cumulativeGasUsed, bloom, logs].
    return receipts.map((receipt) =>
      hex(
        encodeReceipt(
          {
            status: receipt.status,
            stateRoot: receipt.root,
            cumulativeBlockGasUsed: receipt.cumulativeGasUsed,
            bitvector: receipt.logsBloom,
            logs: receipt.logs.map((log) => [log.address, log.topics, log.data]),
          },
          receipt.type as 0 | 1 | 2 | 3 | 4,
        ),
      ),
    )
  }),

  // geth's shape: the hash, the block as eth_getBlockByHash shows it with full transactions, its RLP.
  debug_getBadBlocks: method([], (ctx) =>
    ctx.backend.chain.badBlocks().map((view) => ({ hash: hex(view.hash), block: formatBlock(view, true), rlp: hex(view.block.serialize()) })),
  ),

  debug_getRawTransaction: method([required('txHash', hash)], async (ctx, txHash) => {
    const found = await ctx.backend.chain.transaction(txHash)
    return found === undefined ? null : hex(found.tx.serialize())
  }),
}
