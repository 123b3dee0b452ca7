// ChainAccess and PoolAccess over the node's Chain and TxPool: what the composition root
// hands the network. The network itself only ever sees the interfaces (interface.ts).
import { bytesToHex } from '@ethereumjs/util'
import type { Chain, HeadChange } from '@busan/chain'
import type { ChainAccess, PoolAccess } from './interface.ts'
import type { PooledTransaction, TxPool } from '@busan/txpool'

export function chainAccess(chain: Chain): ChainAccess {
  return {
    chainId: chain.common.chainId(),
    genesisHash: chain.genesis.hash(),
    head: () => ({ number: chain.head.header.number, hash: chain.head.hash(), totalDifficulty: chain.store.totalDifficulty(chain.head.hash()) ?? 0n }),
    prefers: (head) => chain.prefers(head),
    blockByNumber: (number) => chain.store.blockByNumber(number),
    blockByHash: (hash) => chain.store.blockByHash(hash),
    importBlock: (block) => chain.importBlock(block),
    decodeBlock: (rlp) => chain.decodeBlock(rlp),
    decodeBlockPartly: (rlp) => chain.decodeBlockPartly(rlp),
    onHead(listener) {
      const onHead = (change: HeadChange) => listener(change.head.block, change.sealedHere)
      chain.on('head', onHead)
      return () => chain.off('head', onHead)
    },
  }
}

/**
 * Blob transactions stay off the peer network: peers would need their sidecars (up to 1 MiB
 * each), which neither the gossip nor the exchange carries, and a peer sent one without its
 * sidecar would rightly refuse it. They stay in the pool of the node they were sent to.
 */
const gossiped = (pooled: PooledTransaction | undefined) => pooled !== undefined && pooled.networkRaw === undefined

export function poolAccess(pool: TxPool): PoolAccess {
  return {
    addRaw: async (raw) => {
      await pool.addRaw(raw)
    },
    cacheSenders: (raws) => pool.cacheSenders(raws),
    onPending(listener) {
      const onPending = (pooled: PooledTransaction) => {
        if (gossiped(pooled)) listener(pooled.raw, pooled.hash)
      }
      pool.events.on('pending', onPending)
      return () => pool.events.off('pending', onPending)
    },
    get: (hash) => {
      const pooled = pool.get(bytesToHex(hash))
      return gossiped(pooled) ? pooled!.raw : undefined
    },
    pendingHashes: () => [...pool.content().pending.values()].flatMap((byNonce) => [...byNonce.values()].filter(gossiped).map((pooled) => pooled.hash)),
    localHashes: () => pool.locals().filter(gossiped).map((pooled) => pooled.hash),
  }
}
