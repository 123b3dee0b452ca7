// Otterscan's API (Erigon's `ots_` namespace, API level 8; docs/custom-jsonrpc.md in the
// Otterscan repository), so Otterscan runs against the node unmodified: block details and
// pages, address search over the address index, creators, nonces, traces and revert data.
import { parseTraceConfig, type TraceOptions, type TracerName } from '@busan/tracing'
import type { BlockView, ReceiptView, TransactionView } from '../backend.ts'
import { method, resolveBlock, resolveStateBlock, type HandlerContext, type MethodTable } from '../context.ts'
import { withinDeadline } from '../deadline.ts'
import type { RawJson } from '../dispatcher.ts'
import { invalidParams, serverError } from '../errors.ts'
import { formatBlock, formatHeader, formatReceipt, formatTransaction, hex, quantity } from '../format.ts'
import { address, blockTagOrHash, hash, hexOrDecimal, required, type BlockSelector, type Decoder } from '../params.ts'
import { MAX_TRACE_BYTES, minedTransaction, traced } from './debug.ts'

/** The Otterscan API level this node implements (Otterscan refuses nodes below what it needs). */
export const OTS_API_LEVEL = 8
/** Largest page the search and block-page methods return (Otterscan asks for 25). */
export const MAX_PAGE_SIZE = 500

/** A block number as Erigon's rpc.BlockNumber reads it: a JSON number, a decimal or hex string, or a tag. */
const blockNumber: Decoder<BlockSelector> = {
  goType: 'rpc.BlockNumber',
  decode(value, field) {
    if (typeof value === 'string' && ['latest', 'earliest', 'pending', 'safe', 'finalized'].includes(value)) return blockTagOrHash.decode(value, field)
    return { kind: 'number', number: hexOrDecimal.decode(value, field) }
  },
}

/**
 * Erigon's rpc.BlockNumberOrHash, which takes a bare JSON number besides geth's forms (tag,
 * hex number, hash, object): Otterscan sends `ots_hasCode(address, blockNumber - 1)` so.
 */
const blockNumberOrHash: Decoder<BlockSelector> = {
  goType: 'rpc.BlockNumberOrHash',
  decode(value, field) {
    if (typeof value === 'number') return { kind: 'number', number: hexOrDecimal.decode(value, field) }
    return blockTagOrHash.decode(value, field)
  },
}

function pageSizeOf(value: bigint): number {
  if (value === 0n) throw invalidParams('invalid argument 2: page size must be at least 1')
  return Number(value > BigInt(MAX_PAGE_SIZE) ? BigInt(MAX_PAGE_SIZE) : value)
}

/** One transaction re-executed with one of the node's tracers; its JSON. */
async function traceOne(ctx: HandlerContext, txHash: Uint8Array, tracer: TracerName, adjust: Partial<TraceOptions> = {}): Promise<RawJson> {
  const { view, index } = await minedTransaction(ctx, txHash)
  const trace = { ...parseTraceConfig(undefined, 1, MAX_TRACE_BYTES), ...adjust, tracer }
  return traced(ctx, trace, 1, (signal) => ctx.backend.chain.traceBlock(view, trace, { txIndex: index, signal }))
}

/** Erigon's search receipts: the receipt with the block's `timestamp`. */
function searchReceipt(receipt: ReceiptView, timestamp: bigint): object {
  return { ...formatReceipt(receipt), timestamp: quantity(timestamp) }
}

async function blockDetails(ctx: HandlerContext, view: BlockView): Promise<object> {
  const receipts = await withinDeadline(ctx, () => serverError('request timed out'), (signal) => ctx.backend.chain.receipts(view, signal))
  const totalFees = receipts.reduce((sum, receipt) => sum + receipt.gasUsed * receipt.effectiveGasPrice, 0n)
  const { transactions: _transactions, ...block } = formatBlock(view, false)
  return {
    // Erigon's blocks (the ots_ API's model) still carry totalDifficulty, and Otterscan shows it.
    block: { ...block, totalDifficulty: quantity(view.totalDifficulty), logsBloom: null, transactionCount: view.block.transactions.length },
    // A proof-of-authority chain issues nothing: no block or uncle rewards.
    issuance: { blockReward: '0x0', uncleReward: '0x0', issuance: '0x0' },
    totalFees: quantity(totalFees),
  }
}

async function search(ctx: HandlerContext, direction: 'before' | 'after', who: Uint8Array, from: bigint, size: bigint): Promise<object> {
  const pageSize = pageSizeOf(size)
  // 0 means "from the newest block" going back, "from the genesis" going forward.
  const start = direction === 'before' && from === 0n ? ctx.backend.chain.latest().block.header.number + 1n : from
  const page = await ctx.backend.addresses.history(who, direction, start, pageSize)
  const pairs = page.transactions.map((tx, i) => [tx, page.receipts[i]] as [TransactionView, ReceiptView])
  // Results are newest first in both directions.
  if (direction === 'after') pairs.reverse()
  const timestamps = new Map<bigint, bigint>()
  for (const [tx] of pairs) {
    const number = tx.blockNumber ?? 0n
    if (!timestamps.has(number)) timestamps.set(number, (await ctx.backend.chain.blockByNumber(number))?.block.header.timestamp ?? 0n)
  }
  return {
    txs: pairs.map(([tx]) => formatTransaction(tx.tx, tx)),
    receipts: pairs.map(([tx, receipt]) => searchReceipt(receipt, timestamps.get(tx.blockNumber ?? 0n) ?? 0n)),
    firstPage: direction === 'before' ? from === 0n : page.exhausted,
    lastPage: direction === 'before' ? page.exhausted : from === 0n,
  }
}

export const otsMethods: MethodTable = {
  ots_getApiLevel: method([], () => OTS_API_LEVEL),

  ots_hasCode: method([required('address', address), required('block', blockNumberOrHash)], async (ctx, who, block) => {
    const view = await resolveStateBlock(ctx, block)
    return (await ctx.backend.chain.state(view).getCode(who)).length > 0
  }),

  ots_getBlockDetails: method([required('number', blockNumber)], async (ctx, number) => {
    const view = await resolveBlock(ctx, number)
    return view === undefined ? null : blockDetails(ctx, view)
  }),

  ots_getBlockDetailsByHash: method([required('hash', hash)], async (ctx, blockHash) => {
    const view = await ctx.backend.chain.blockByHash(blockHash)
    return view === undefined ? null : blockDetails(ctx, view)
  }),

  ots_getBlockTransactions: method(
    [required('number', blockNumber), required('pageNumber', hexOrDecimal), required('pageSize', hexOrDecimal)],
    async (ctx, number, pageNumber, size) => {
      const view = await resolveBlock(ctx, number)
      if (view === undefined) return null
      const pageSize = pageSizeOf(size)
      const all = await withinDeadline(ctx, () => serverError('request timed out'), (signal) => ctx.backend.chain.receipts(view, signal))
      const start = Math.min(Number(pageNumber) * pageSize, all.length)
      const end = Math.min(start + pageSize, all.length)
      const full = formatBlock(view, true)
      // Only the selector of each call's input, and receipts without logs: the page stays small.
      const transactions = (full.transactions as Record<string, unknown>[]).slice(start, end).map((tx) => ({ ...tx, input: String(tx.input).slice(0, 10) }))
      return {
        fullblock: { ...full, totalDifficulty: quantity(view.totalDifficulty), transactions, transactionCount: view.block.transactions.length },
        receipts: all.slice(start, end).map((receipt) => ({ ...formatReceipt(receipt), logs: null, logsBloom: null, timestamp: quantity(view.block.header.timestamp) })),
      }
    },
  ),

  ots_searchTransactionsBefore: method([required('address', address), required('blockNumber', hexOrDecimal), required('pageSize', hexOrDecimal)], (ctx, who, from, size) =>
    search(ctx, 'before', who, from, size),
  ),

  ots_searchTransactionsAfter: method([required('address', address), required('blockNumber', hexOrDecimal), required('pageSize', hexOrDecimal)], (ctx, who, from, size) =>
    search(ctx, 'after', who, from, size),
  ),

  ots_getTransactionBySenderAndNonce: method([required('sender', address), required('nonce', hexOrDecimal)], async (ctx, sender, nonce) => {
    const found = await ctx.backend.addresses.bySenderAndNonce(sender, nonce)
    return found === undefined ? null : hex(found)
  }),

  ots_getContractCreator: method([required('address', address)], async (ctx, contract) => {
    const found = await ctx.backend.addresses.creator(contract)
    return found === undefined ? null : { hash: hex(found.hash), creator: hex(found.creator) }
  }),

  ots_getTransactionError: method([required('txHash', hash)], async (ctx, txHash) => {
    const top = JSON.parse((await traceOne(ctx, txHash, 'callTracer', { onlyTopCall: true })).text) as { error?: string; output?: string }
    return top.error === undefined ? '0x' : (top.output ?? '0x')
  }),

  ots_traceTransaction: method([required('txHash', hash)], (ctx, txHash) => traceOne(ctx, txHash, 'otsTrace')),

  ots_getInternalOperations: method([required('txHash', hash)], (ctx, txHash) => traceOne(ctx, txHash, 'otsInternalOperations')),

  erigon_getHeaderByNumber: method([required('number', blockNumber)], async (ctx, number) => {
    const view = await resolveBlock(ctx, number)
    return view === undefined ? null : formatHeader(view.block.header, view.hash)
  }),
}
