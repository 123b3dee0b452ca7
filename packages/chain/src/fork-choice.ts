// Fork choice and reorganisation: which of two branches is the chain, and which blocks leave
// and join the canonical chain when the head moves to another branch.
import type { Block } from '@ethereumjs/block'
import { equalsBytes } from '@ethereumjs/util'

/**
 * Fork choice: the branch with more total difficulty wins; between equally heavy branches the
 * lower head hash wins. The tie-break is the same on every node, so a network split into
 * halves of equal weight (which Clique's signing limit can leave unable to extend either
 * branch) still converges when it heals.
 */
export function preferred(candidate: { totalDifficulty: bigint; hash: Uint8Array }, current: { totalDifficulty: bigint; hash: Uint8Array }): boolean {
  if (candidate.totalDifficulty !== current.totalDifficulty) return candidate.totalDifficulty > current.totalDifficulty
  return Buffer.compare(candidate.hash, current.hash) < 0
}

/**
 * Blocks leaving (newest first) and joining (oldest first, `newParent` included, the new head
 * excluded) the canonical chain when the head moves from `oldHead` to a child of `newParent`.
 */
export function branchesBetween<T>(oldHead: Block, newParent: Block, parentOf: (block: Block) => Block, describe: (block: Block) => T): { removed: T[]; added: T[] } {
  const removed: T[] = []
  const added: T[] = []
  let oldTip = oldHead
  let newTip = newParent
  while (!equalsBytes(oldTip.hash(), newTip.hash())) {
    if (oldTip.header.number >= newTip.header.number) {
      removed.push(describe(oldTip))
      oldTip = parentOf(oldTip)
    } else {
      added.unshift(describe(newTip))
      newTip = parentOf(newTip)
    }
  }
  return { removed, added }
}
