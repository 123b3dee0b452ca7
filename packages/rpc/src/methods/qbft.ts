// qbft_*: Besu's QBFT API: validators by block, this validator's header votes, and who proposed
// how many blocks. In validator-contract mode the vote methods answer Besu's -32604.
import type { QbftBackend } from '../backend.ts'
import { LATEST, method, resolveBlock, type HandlerContext, type MethodTable } from '../context.ts'
import { ErrorCode, RpcError, invalidParams } from '../errors.ts'
import { hex, quantity } from '../format.ts'
import { address, blockTag, blockTagOrHash, bool, hash, optional, required } from '../params.ts'

/** Blocks qbft_getSignerMetrics looks back over by default, as Besu. */
const METRICS_WINDOW = 100n

/** The QBFT backend (the namespace is served only when the node runs QBFT). */
function qbft(ctx: HandlerContext): QbftBackend {
  return ctx.backend.qbft!
}

/** Besu refuses header votes when a validator contract decides the set. */
function voting(ctx: HandlerContext): QbftBackend {
  const backend = qbft(ctx)
  if (!backend.votingEnabled()) throw new RpcError(ErrorCode.MethodNotEnabled, 'Method not enabled')
  return backend
}

const sorted = (addresses: Uint8Array[]) => addresses.map(hex).sort()

export const qbftMethods: MethodTable = {
  qbft_getValidatorsByBlockNumber: method([required('block', blockTagOrHash)], async (ctx, block) => {
    const view = await resolveBlock(ctx, block ?? LATEST)
    return view === undefined ? null : sorted(await qbft(ctx).validators(view))
  }),

  qbft_getValidatorsByBlockHash: method([required('blockHash', hash)], async (ctx, blockHash) => {
    const view = await ctx.backend.chain.blockByHash(blockHash)
    return view === undefined ? null : sorted(await qbft(ctx).validators(view))
  }),

  qbft_proposeValidatorVote: method([required('address', address), required('add', bool)], (ctx, target, add) => {
    voting(ctx).propose(target, add)
    return true
  }),

  qbft_discardValidatorVote: method([required('address', address)], (ctx, target) => {
    voting(ctx).discard(target)
    return true
  }),

  qbft_getPendingVotes: method([], (ctx) => Object.fromEntries([...voting(ctx).pendingVotes()].sort(([a], [b]) => a.localeCompare(b)))),

  qbft_getRequestTimeoutSeconds: method([], (ctx) => qbft(ctx).requestTimeoutSeconds()),

  /**
   * Blocks proposed per validator over [from, to) (Besu: the end is exclusive; defaults: the
   * last 100 blocks before the head), with every validator of the last block listed.
   */
  qbft_getSignerMetrics: method([optional('fromBlock', blockTag), optional('toBlock', blockTag)], async (ctx, fromSel, toSel) => {
    const head = ctx.backend.chain.latest().block.header.number
    const numberOf = async (selector: typeof fromSel, fallback: bigint) => (selector === undefined ? fallback : ((await resolveBlock(ctx, selector))?.block.header.number ?? head))
    const to = await numberOf(toSel, head)
    const from = await numberOf(fromSel, head > METRICS_WINDOW ? head - METRICS_WINDOW : 0n)
    if (from >= to) throw invalidParams('Invalid block number params')
    const metrics = new Map<string, { count: bigint; last: bigint }>()
    let last
    for (let n = from; n < to; n++) {
      const view = await ctx.backend.chain.blockByNumber(n)
      if (view === undefined) break
      last = view
      const proposer = hex(qbft(ctx).proposer(view))
      const entry = metrics.get(proposer) ?? { count: 0n, last: 0n }
      metrics.set(proposer, { count: entry.count + 1n, last: n })
    }
    if (last !== undefined) for (const validator of sorted(await qbft(ctx).validators(last))) if (!metrics.has(validator)) metrics.set(validator, { count: 0n, last: 0n })
    return [...metrics].sort(([a], [b]) => a.localeCompare(b)).map(([address, m]) => ({ address, proposedBlockCount: quantity(m.count), lastProposedBlockNumber: quantity(m.last) }))
  }),
}
