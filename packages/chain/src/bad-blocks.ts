// The blocks this node refused after executing them (geth's debug_getBadBlocks): the newest
// ten, in memory, with why. A refused proposal or a peer's bad block shows up here for the
// operator to inspect and trace.
import type { Block } from '@ethereumjs/block'

/** geth keeps this many (core/rawdb badBlockToKeep). */
const KEPT = 10

export interface BadBlock {
  block: Block
  reason: string
}

export class BadBlocks {
  private readonly blocks: BadBlock[] = []

  /** Remembers a refused block (once: the same block refused again is not listed twice). */
  note(block: Block, error: unknown): void {
    const hash = block.hash()
    if (this.blocks.some((bad) => Buffer.compare(bad.block.hash(), hash) === 0)) return
    this.blocks.unshift({ block, reason: error instanceof Error ? error.message : String(error) })
    this.blocks.length = Math.min(this.blocks.length, KEPT)
  }

  /** Newest first. */
  list(): readonly BadBlock[] {
    return this.blocks
  }
}
