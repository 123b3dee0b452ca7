import type { Block, BlockHeader } from '@ethereumjs/block'
import type { WriteBatch } from '@busan/db'
import type { ExecutionOutcome } from '../executor.ts'

/**
 * A consensus engine, checked in phases so a second engine (a BFT one with immediate
 * finality) can sit beside Clique without touching the chain:
 * 1. header alone, 2. header against its parent, 3. body against header,
 * 4. after execution. Phases 3 and 4 are mostly engine-independent (see validation.ts).
 */
export interface ConsensusEngine {
  readonly name: string
  /**
   * Whether this chain's blocks may carry blob transactions (EIP-4844). The proof-of-authority
   * engines refuse them (verifyBodyCommitments), so the pool of such a chain takes none.
   */
  readonly blobTransactions: boolean
  /** Phase 1: format and seal shape of a header, nothing else looked up. */
  verifyHeader(header: BlockHeader): void
  /** Phase 2: rules that need the parent and the consensus state after it. */
  verifyHeaderAgainstParent(header: BlockHeader, parent: BlockHeader): Promise<void>
  /** Phase 3: the body matches the header's commitments. */
  verifyBody(block: Block): Promise<void> | void
  /** Phase 4: execution produced what the header claims. */
  verifyAfterExecution(block: Block, outcome: ExecutionOutcome): void
  /** Address credited with fees and answered by COINBASE (the block's author). */
  author(header: BlockHeader): Uint8Array
  /** Records the consensus state after `header` into the block's batch. */
  recordHeader(batch: WriteBatch, header: BlockHeader): Promise<void>
  /** Records the consensus state of the genesis block (its signers or validators). */
  genesisSnapshot(batch: WriteBatch, genesis: BlockHeader): Promise<void> | void
  /**
   * The newest block on `head`'s chain that can no longer be reverted under this engine's rules
   * (the `finalized` and `safe` tags). `parentOf` looks a header's parent up by hash.
   */
  finalized(head: BlockHeader, parentOf: (hash: Uint8Array) => BlockHeader | undefined): BlockHeader
}

/** What a sealer needs to fill in before execution, for a block on `parent`. */
export interface SealPlan {
  /** Unix seconds of the new block. */
  timestamp: bigint
  /** How long to wait before sealing (in-turn: until the period ends; out of turn: plus a wiggle). */
  delayMs: number
  difficulty: bigint
  /** extraData without the seal (the engine appends it in `seal`). */
  extraData: Uint8Array
  coinbase: Uint8Array
  nonce: Uint8Array
}

export interface BlockProducer {
  /** A plan to seal on `parent`, or why this signer may not seal on it now. */
  plan(parent: BlockHeader, signer: Uint8Array, nowMs: number): Promise<SealPlan | { refused: string }>
  /** Seals a complete, executed header with the signer's key. */
  seal(header: BlockHeader, privateKey: Uint8Array): BlockHeader
}
