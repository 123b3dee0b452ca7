// Chain head and block getters: eth_chainId, eth_blockNumber, eth_syncing, eth_accounts,
// eth_getBlockBy*, transaction and uncle counts, uncles (always none on a Clique chain).
import { method, resolveBlock, type MethodTable } from '../../context.ts'
import { formatBlock, hex, quantity } from '../../format.ts'
import { blockTag, bool, hash, index, optional, required } from '../../params.ts'

export const blockMethods: MethodTable = {
  eth_chainId: method([], (ctx) => quantity(ctx.backend.chain.chainId)),

  eth_blockNumber: method([], (ctx) => quantity(ctx.backend.chain.latest().block.header.number)),

  eth_syncing: method([], (ctx) => {
    const status = ctx.backend.network.syncing()
    if (status === false) return false
    return {
      startingBlock: quantity(status.startingBlock),
      currentBlock: quantity(status.currentBlock),
      highestBlock: quantity(status.highestBlock),
    }
  }),

  eth_accounts: method([], (ctx) => ctx.backend.accounts().map(hex)),

  eth_getBlockByNumber: method([required('block', blockTag), optional('fullTransactions', bool)], async (ctx, block, full) => {
    const view = await resolveBlock(ctx, block)
    return view === undefined ? null : formatBlock(view, full ?? false)
  }),

  eth_getBlockByHash: method([required('blockHash', hash), optional('fullTransactions', bool)], async (ctx, blockHash, full) => {
    const view = await ctx.backend.chain.blockByHash(blockHash)
    return view === undefined ? null : formatBlock(view, full ?? false)
  }),

  eth_getBlockTransactionCountByHash: method([required('blockHash', hash)], async (ctx, blockHash) => {
    const view = await ctx.backend.chain.blockByHash(blockHash)
    return view === undefined ? null : quantity(view.block.transactions.length)
  }),

  eth_getBlockTransactionCountByNumber: method([required('block', blockTag)], async (ctx, block) => {
    const view = await resolveBlock(ctx, block)
    return view === undefined ? null : quantity(view.block.transactions.length)
  }),

  eth_getUncleCountByBlockHash: method([required('blockHash', hash)], async (ctx, blockHash) => {
    const view = await ctx.backend.chain.blockByHash(blockHash)
    return view === undefined ? null : quantity(view.block.uncleHeaders.length)
  }),

  eth_getUncleCountByBlockNumber: method([required('block', blockTag)], async (ctx, block) => {
    const view = await resolveBlock(ctx, block)
    return view === undefined ? null : quantity(view.block.uncleHeaders.length)
  }),

  // Clique blocks have no uncles.
  eth_getUncleByBlockHashAndIndex: method([required('blockHash', hash), required('index', index)], () => null),
  eth_getUncleByBlockNumberAndIndex: method([required('block', blockTag), required('index', index)], () => null),
}
