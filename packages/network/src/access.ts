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
    decodeBlockHeader: (rlp) => chain.decodeBlockHeader(rlp),
    onHead(listener) {
      const onHead = (change: HeadChange) => listener(change.head.block, change.sealedHere)
      chain.on('head', onHead)
      return () => chain.off('head', onHead)
    },
  }
}

export function poolAccess(pool: TxPool): PoolAccess {
  return {
    addRaw: async (raw) => {
      await pool.addRaw(raw)
    },
    onPending(listener) {
      const onPending = (pooled: PooledTransaction) => listener(pooled.raw, pooled.hash)
      pool.events.on('pending', onPending)
      return () => pool.events.off('pending', onPending)
    },
    get: (hash) => pool.get(bytesToHex(hash))?.raw,
    pendingHashes: () => [...pool.content().pending.values()].flatMap((byNonce) => [...byNonce.values()].map((pooled) => pooled.hash)),
    localHashes: () => pool.locals().map((pooled) => pooled.hash),
  }
}
