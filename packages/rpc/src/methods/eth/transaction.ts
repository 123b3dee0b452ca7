// Transactions: submission and lookup.
import type { BlockView } from '../../backend.ts'
import { method, resolveBlock, type MethodTable } from '../../context.ts'
import { formatTransaction, formatTransactionView, hex, placementInBlock, type JsonObject } from '../../format.ts'
import { blockTag, bytes, hash, index, required } from '../../params.ts'

function transactionAt(view: BlockView | undefined, i: number): JsonObject | null {
  if (view === undefined || i >= view.block.transactions.length) return null
  return formatTransaction(view.block.transactions[i], placementInBlock(view, i))
}

/** The transaction an eth_sendRawTransaction call's params carry, or none when they are malformed (the call then answers the error). */
function rawTransactionOf(params: unknown): Uint8Array[] {
  if (!Array.isArray(params) || typeof params[0] !== 'string') return []
  try {
    return [bytes.decode(params[0])]
  } catch {
    return []
  }
}

export const transactionMethods: MethodTable = {
  /** The pool validates and throws its coded errors (-32000, geth's messages); we return the hash. */
  eth_sendRawTransaction: method([required('data', bytes)], async (ctx, raw) => hex(await ctx.backend.pool.addRaw(raw)), {
    // A batch's senders are recovered together on another thread while this one does other work.
    prepareBatch: (ctx, batchParams) => ctx.backend.pool.cacheSenders(batchParams.flatMap(rawTransactionOf)),
  }),

  eth_getTransactionByHash: method([required('hash', hash)], async (ctx, txHash) => {
    const view = await ctx.backend.chain.transaction(txHash)
    return view === undefined ? null : formatTransactionView(view)
  }),

  eth_getTransactionByBlockHashAndIndex: method([required('blockHash', hash), required('index', index)], async (ctx, blockHash, i) =>
    transactionAt(await ctx.backend.chain.blockByHash(blockHash), i),
  ),

  eth_getTransactionByBlockNumberAndIndex: method([required('block', blockTag), required('index', index)], async (ctx, block, i) =>
    transactionAt(await resolveBlock(ctx, block), i),
  ),
}
