// What the peer network needs from the rest of the node. The composition root implements
// these over the chain and the pool; the network depends on nothing else of the node.
import type { Block, BlockHeader } from '@ethereumjs/block'

export interface ChainHeadInfo {
  number: bigint
  hash: Uint8Array
  totalDifficulty: bigint
}

/** The outcome of importing a block: it became the head, it was stored on a side branch, or it was already known. */
export type ImportOutcome = 'canonical' | 'side' | 'known'

export interface ChainAccess {
  readonly chainId: bigint
  readonly genesisHash: Uint8Array
  head(): ChainHeadInfo
  /** Whether the chain would switch to a branch ending in this head (fork choice). */
  prefers(head: { totalDifficulty: bigint; hash: Uint8Array }): boolean
  /** Canonical block at `number`. */
  blockByNumber(number: bigint): Block | undefined
  blockByHash(hash: Uint8Array): Block | undefined
  /**
   * Verifies (all consensus phases), executes and stores a block whose parent is stored.
   * Reorganises when the block's branch has more total difficulty. Throws an error with a
   * string `code` (a BlockError) when the block is invalid, and an error whose message starts
   * with "unknown parent" when the parent is not stored.
   */
  importBlock(block: Block): Promise<ImportOutcome>
  /** Decodes a block RLP with the chain's parameters; throws on malformed input. */
  decodeBlock(rlp: Uint8Array): Block
  /** Decodes a block RLP's header at once and its transactions only if `block()` is called; throws on a malformed header. */
  decodeBlockPartly(rlp: Uint8Array): { header: BlockHeader; block(): Block }
  /** Calls `listener` for every new canonical head; `sealedHere` is true for blocks this node sealed. */
  onHead(listener: (block: Block, sealedHere: boolean) => void): () => void
}

export interface PoolAccess {
  /** Adds a raw signed transaction; throws (with a `reason` string) when the pool refuses it. */
  addRaw(raw: Uint8Array): Promise<void>
  /** Recovers the senders of transactions about to be added (a batch's) on another thread first; never rejects. */
  cacheSenders(raws: Uint8Array[]): Promise<void>
  /** Calls `listener` for each transaction that became executable in the pool. */
  onPending(listener: (raw: Uint8Array, hash: Uint8Array) => void): () => void
  /** The raw transaction with this hash, if the pool holds it (pending or queued). */
  get(hash: Uint8Array): Uint8Array | undefined
  /** Hashes of the executable transactions, per sender in nonce order (announced to each new peer). */
  pendingHashes(): Uint8Array[]
  /** Hashes of the transactions submitted through this node still in the pool (announced again periodically). */
  localHashes(): Uint8Array[]
}
