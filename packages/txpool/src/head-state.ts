// The pool's view of the chain: the state and block context at the current head, and the
// accounts read from it. The state at a head never changes, so each account is read once per
// head; reads are tagged with an epoch (bumped on every new head) so one that straddles a
// head change is retried against the new state.
import type { HeadContext, PoolAccount, PoolStateReader } from './interface.ts'

/** Account reads kept per head; past this many the cache starts over. */
const ACCOUNT_CACHE_LIMIT = 100_000

export class HeadState {
  state: PoolStateReader
  head: HeadContext
  /** Bumped on each new head; account data tagged with an older epoch is stale. */
  epoch = 0
  private readonly accounts = new Map<string, PoolAccount>()
  private readonly reads = new Map<string, Promise<PoolAccount>>()

  constructor(state: PoolStateReader, head: HeadContext) {
    this.state = state
    this.head = { baseFee: head.baseFee, gasLimit: head.gasLimit }
  }

  /** Moves to a new head: a new epoch, nothing cached. */
  advance(state: PoolStateReader, head: HeadContext): void {
    this.state = state
    this.head = { baseFee: head.baseFee, gasLimit: head.gasLimit }
    this.epoch++
    this.accounts.clear()
    this.reads.clear()
  }

  /** The account if already read at this head. */
  cached(hex: string): PoolAccount | undefined {
    return this.accounts.get(hex)
  }

  /** The account at the current head, read once per head. */
  async account(address: Uint8Array, hex: string): Promise<PoolAccount> {
    for (;;) {
      const cached = this.accounts.get(hex)
      if (cached !== undefined) return cached
      const epoch = this.epoch
      let read = this.reads.get(hex)
      if (read === undefined) {
        read = this.state.getAccount(address)
        this.reads.set(hex, read)
      }
      let account: PoolAccount
      try {
        account = await read
      } finally {
        if (this.reads.get(hex) === read) this.reads.delete(hex)
      }
      if (epoch !== this.epoch) continue
      if (this.accounts.size >= ACCOUNT_CACHE_LIMIT) this.accounts.clear()
      this.accounts.set(hex, account)
      return account
    }
  }
}
