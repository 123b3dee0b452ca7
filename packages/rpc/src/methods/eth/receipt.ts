// Receipts: one by transaction hash, or all of a block.
import { method, resolveBlock, type MethodTable } from '../../context.ts'
import { requestTimedOut, withinDeadline } from '../../deadline.ts'
import { formatReceipt } from '../../format.ts'
import { blockTagOrHash, hash, required } from '../../params.ts'

export const receiptMethods: MethodTable = {
  eth_getTransactionReceipt: method([required('hash', hash)], async (ctx, txHash) => {
    const receipt = await ctx.backend.chain.receipt(txHash)
    return receipt === undefined ? null : formatReceipt(receipt)
  }),

  eth_getBlockReceipts: method([required('block', blockTagOrHash)], async (ctx, block) => {
    const view = await resolveBlock(ctx, block)
    if (view === undefined) return null
    return (await withinDeadline(ctx, requestTimedOut, (signal) => ctx.backend.chain.receipts(view, signal))).map(formatReceipt)
  }),
}
