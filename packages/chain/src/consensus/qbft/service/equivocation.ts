// Equivocation: a validator signing two different messages of one type for the same height and
// round (two proposals, two prepares or commits naming different blocks). The first one counts;
// the second is refused, and every later message of that author at that height is ignored.
import { bytesToHex } from '@ethereumjs/util'
import { keccak256 } from '@busan/chain-config'
import type { QbftMessage } from '../messages.ts'
import { addressHex } from '../validators.ts'

/** What a message commits its author to: the block it names. */
function fingerprint(message: QbftMessage): string {
  switch (message.type) {
    case 'proposal':
      return bytesToHex(keccak256(message.signed.payload.block))
    case 'prepare':
    case 'commit':
      return bytesToHex(message.signed.payload.digest)
    case 'roundChange':
      return message.signed.payload.prepared === undefined ? 'none' : bytesToHex(message.signed.payload.prepared.blockHash)
  }
}

export class EquivocationGuard {
  private readonly seen = new Map<string, string>()
  private readonly offenders = new Set<string>()

  /**
   * 'new' for a message not seen before, 'repeat' for the same message again, 'equivocation'
   * when its author already signed a different one for the height and round (or equivocated
   * before at this height).
   */
  check(message: QbftMessage): 'new' | 'repeat' | 'equivocation' {
    const { height, round } = message.signed.payload
    const author = addressHex(message.signed.author)
    if (this.offenders.has(`${height}:${author}`)) return 'equivocation'
    const key = `${height}:${round}:${message.type}:${author}`
    const value = fingerprint(message)
    const earlier = this.seen.get(key)
    if (earlier === undefined) {
      this.seen.set(key, value)
      return 'new'
    }
    if (earlier === value) return 'repeat'
    this.offenders.add(`${height}:${author}`)
    return 'equivocation'
  }

  /** Forgets heights below `height` (decided). */
  prune(height: bigint): void {
    for (const key of this.seen.keys()) if (BigInt(key.slice(0, key.indexOf(':'))) < height) this.seen.delete(key)
    for (const key of this.offenders) if (BigInt(key.slice(0, key.indexOf(':'))) < height) this.offenders.delete(key)
  }
}
