// Maintenance of the pool on a new head (reth's maintain.rs): mined transactions leave,
// unaffordable ones and those over the block gas limit are dropped, runs left behind a gap are
// demoted and queued transactions that became contiguous promoted.
import type { HeadState } from './head-state.ts'
import type { HeadContext, PoolStateReader } from './interface.ts'
import type { SubPools } from './sub-pools.ts'

/**
 * Moves `pools` to the head whose state is `state`: every sender's account is read again and
 * applied. Senders an add brought up to the new head meanwhile are left as they are.
 */
export async function resetToHead(pools: SubPools, head: HeadState, state: PoolStateReader, context: HeadContext): Promise<void> {
  const baseFeeChanged = context.baseFee !== head.head.baseFee
  head.advance(state, context)
  if (baseFeeChanged) pools.reprice(context.baseFee)
  const senders = [...pools.senders.values()]
  const accounts = await Promise.all(senders.map((sender) => head.account(sender.address, sender.hex)))
  for (let i = 0; i < senders.length; i++) {
    const sender = senders[i]
    // Gone meanwhile, or already brought up to this head by an add.
    if (pools.senders.get(sender.hex) !== sender || sender.epoch === head.epoch) continue
    pools.resetSender(sender, accounts[i])
  }
  // Room freed by mined transactions lets runs held back by maxPending move up.
  pools.settle()
}
