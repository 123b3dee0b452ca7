import type { Block } from '@ethereumjs/block'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { Address, equalsBytes } from '@ethereumjs/util'
import type { Logger } from 'pino'
import { createStateTrie, type Chain, type HeadChange, type PendingTransactions } from '@busan/chain'
import type { HeadContext, PoolStateReader, TxPool } from '@busan/txpool'

/** The pool's view of the state at `block`, with an account cache for this head. */
export function headStateReader(chain: Chain, block: Block): PoolStateReader {
  const stateManager = new MerkleStateManager({ trie: createStateTrie(chain.trieStore, chain.common, block.header.stateRoot), common: chain.common, caches: new Caches() })
  return {
    async getAccount(address) {
      const account = await stateManager.getAccount(new Address(address))
      return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n }
    },
  }
}

/** What the pool prices against at head `block`: the next block's base fee (0 before London, which has none) and the gas limit. */
export function headContext(block: Block): HeadContext {
  const { header } = block
  return { baseFee: header.common.isActivatedEIP(1559) ? header.calcNextBaseFee() : 0n, gasLimit: header.gasLimit }
}

/** geth's evictionInterval: how often queued transactions are checked against the lifetime. */
const EXPIRY_INTERVAL_MS = 60_000

/**
 * Keeps the pool in step with the chain (reth's pool maintainer): after every head change
 * mined transactions leave, transactions of dropped blocks come back, and the sealer can
 * wait until the pool has caught up before it builds the next block. Every minute (or the
 * pool's lifetime, if shorter) queued transactions past their lifetime are dropped.
 */
export class PoolMaintainer implements PendingTransactions {
  private readonly chain: Chain
  private readonly pool: TxPool
  private readonly logger: Logger
  private readonly expiry: NodeJS.Timeout
  private syncedHead: Block
  private updates: Promise<void> = Promise.resolve()

  constructor(chain: Chain, pool: TxPool, logger: Logger) {
    this.chain = chain
    this.pool = pool
    this.logger = logger
    this.syncedHead = chain.head
    chain.on('head', (change) => {
      this.updates = this.updates.then(() => this.apply(change))
    })
    this.expiry = setInterval(() => pool.expireQueued(), Math.min(EXPIRY_INTERVAL_MS, pool.options.lifetimeMs))
    this.expiry.unref()
  }

  /** Stops the lifetime sweep (head changes stop with the chain). */
  stop(): void {
    clearInterval(this.expiry)
  }

  private async apply(change: HeadChange): Promise<void> {
    try {
      const block = change.head.block
      await this.pool.onNewHead(headStateReader(this.chain, block), headContext(block))
      if (change.removed.length > 0) await this.pool.readd(change.removed.flatMap((removed) => removed.block.transactions))
      this.syncedHead = block
    } catch (error) {
      this.logger.error({ err: error }, 'pool update after new head failed')
    }
  }

  async synced(head: Block): Promise<void> {
    while (!equalsBytes(this.syncedHead.hash(), head.hash())) {
      const pending = this.updates
      await pending
      if (pending === this.updates) return
    }
  }

  hasPending(): boolean {
    return this.pool.status().pending > 0
  }

  executable(baseFee: bigint) {
    return this.pool.executable(baseFee)
  }

  onPending(listener: () => void): () => void {
    this.pool.events.on('pending', listener)
    return () => this.pool.events.off('pending', listener)
  }
}
