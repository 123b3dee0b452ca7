// clique_* : signer set and voting state, in geth's formats (Snapshot's JSON: plain numbers,
// address-keyed objects).
import type { BlockView, CliqueBackend, CliqueSnapshotView } from '../backend.ts'
import { LATEST, method, resolveBlock, type HandlerContext, type MethodTable } from '../context.ts'
import { serverError } from '../errors.ts'
import { hex } from '../format.ts'
import { address, blockTagOrHash, bool, hash, optional, required, type BlockSelector } from '../params.ts'

/** Blocks clique_status looks back over, as geth. */
const STATUS_WINDOW = 64n

function sortedAddresses(addresses: Uint8Array[]): string[] {
  return addresses.map(hex).sort()
}

function formatSnapshot(snapshot: CliqueSnapshotView): Record<string, unknown> {
  const signers: Record<string, Record<string, never>> = {}
  for (const signer of sortedAddresses(snapshot.signers)) signers[signer] = {}
  const recents: Record<string, string> = {}
  for (const [number, signer] of [...snapshot.recents].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) recents[number.toString(10)] = hex(signer)
  const tally: Record<string, { authorize: boolean; votes: number }> = {}
  for (const [address, entry] of [...snapshot.tally].sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()))) {
    const key = address.toLowerCase().startsWith('0x') ? address.toLowerCase() : `0x${address.toLowerCase()}`
    tally[key] = { authorize: entry.authorize, votes: entry.votes }
  }
  return {
    number: Number(snapshot.number),
    hash: hex(snapshot.hash),
    signers,
    recents,
    votes: snapshot.votes.map((v) => ({ signer: hex(v.signer), block: Number(v.block), address: hex(v.address), authorize: v.authorize })),
    tally,
  }
}

/** The Clique backend (the namespace is served only when the node runs Clique). */
function clique(ctx: HandlerContext): CliqueBackend {
  return ctx.backend.clique!
}

async function snapshotAt(ctx: HandlerContext, view: BlockView | undefined): Promise<CliqueSnapshotView> {
  if (view === undefined) throw serverError('unknown block')
  return clique(ctx).snapshot(view)
}

const at = (ctx: HandlerContext, selector: BlockSelector | undefined): Promise<BlockView | undefined> => resolveBlock(ctx, selector ?? LATEST)

export const cliqueMethods: MethodTable = {
  clique_getSnapshot: method([optional('block', blockTagOrHash)], async (ctx, block) => formatSnapshot(await snapshotAt(ctx, await at(ctx, block)))),

  clique_getSnapshotAtHash: method([required('blockHash', hash)], async (ctx, blockHash) =>
    formatSnapshot(await snapshotAt(ctx, await ctx.backend.chain.blockByHash(blockHash))),
  ),

  clique_getSigners: method([optional('block', blockTagOrHash)], async (ctx, block) => sortedAddresses((await snapshotAt(ctx, await at(ctx, block))).signers)),

  clique_getSignersAtHash: method([required('blockHash', hash)], async (ctx, blockHash) =>
    sortedAddresses((await snapshotAt(ctx, await ctx.backend.chain.blockByHash(blockHash))).signers),
  ),

  /** Adds a vote this node's sealer keeps casting until it passes or is discarded. */
  clique_propose: method([required('address', address), required('auth', bool)], (ctx, target, authorize) => {
    clique(ctx).propose(target, authorize)
    return null
  }),

  clique_discard: method([required('address', address)], (ctx, target) => {
    clique(ctx).discard(target)
    return null
  }),

  clique_proposals: method([], (ctx) => Object.fromEntries([...clique(ctx).proposals()].sort(([a], [b]) => a.localeCompare(b)))),

  /** Sealing activity over the last 64 blocks: who sealed how many, and how many were in turn. */
  clique_status: method([], async (ctx) => {
    const head = ctx.backend.chain.latest()
    const snapshot = await clique(ctx).snapshot(head)
    const activity = new Map(sortedAddresses(snapshot.signers).map((signer) => [signer, 0]))
    const count = head.block.header.number < STATUS_WINDOW ? head.block.header.number : STATUS_WINDOW
    let inTurn = 0
    for (let n = head.block.header.number; n > head.block.header.number - count; n--) {
      const view = await ctx.backend.chain.blockByNumber(n)
      if (view === undefined) break
      const author = hex(clique(ctx).author(view))
      activity.set(author, (activity.get(author) ?? 0) + 1)
      if (view.block.header.difficulty === 2n) inTurn++
    }
    return { inturnPercent: count === 0n ? 0 : (100 * inTurn) / Number(count), numBlocks: Number(count), sealerActivity: Object.fromEntries(activity) }
  }),
}
