// What this validator signed at the height being decided, on disk before the message leaves:
// after a crash it must not sign a different block for a round it already voted in, and must
// keep the block it prepared (its lock) for later round changes. One RocksDB key, written with
// the WAL fsynced; a new height replaces it.
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { WriteBatch, metaKey, type KeyValueStore } from '@busan/db'
import type { MessageType } from '../messages.ts'

const KEY = metaKey('qbft-signed')

/** The block this validator prepared most recently at the height, with the prepares proving it. */
export interface PreparedLock {
  round: number
  /** The block's RLP (carrying `round` in its extraData). */
  block: Uint8Array
  /** Encoded signed prepares (RLP [payload, signature]). */
  prepares: Uint8Array[]
}

interface Stored {
  height: string
  signed: Record<string, string>
  prepared?: { round: number; block: string; prepares: string[] }
}

export class SigningRecord {
  private readonly kv: KeyValueStore
  private height = -1n
  private signed = new Map<string, string>()
  private prepared: PreparedLock | undefined

  constructor(kv: KeyValueStore) {
    this.kv = kv
    const raw = kv.getSync(KEY)
    if (raw === undefined) return
    const stored = JSON.parse(new TextDecoder().decode(raw)) as Stored
    this.height = BigInt(stored.height)
    this.signed = new Map(Object.entries(stored.signed))
    if (stored.prepared !== undefined) {
      const hex = (value: string) => hexToBytes(value as `0x${string}`)
      this.prepared = { round: stored.prepared.round, block: hex(stored.prepared.block), prepares: stored.prepared.prepares.map(hex) }
    }
  }

  /** The lock carried over from before a restart at `height`, if any. */
  lockAt(height: bigint): PreparedLock | undefined {
    return height === this.height ? this.prepared : undefined
  }

  /**
   * Records that this validator signs a `type` message naming `digest` in `round` at `height`
   * (and, with `lock`, that it prepared that block) and fsyncs it. False, with nothing written,
   * when it already signed a different digest of that type for that round: signing again
   * would be equivocation.
   */
  async sign(height: bigint, type: MessageType, round: number, digest: Uint8Array, lock?: PreparedLock): Promise<boolean> {
    if (height !== this.height) {
      this.height = height
      this.signed = new Map()
      this.prepared = undefined
    }
    const key = `${type}:${round}`
    const value = bytesToHex(digest)
    const earlier = this.signed.get(key)
    if (earlier !== undefined && earlier !== value) return false
    this.signed.set(key, value)
    if (lock !== undefined) this.prepared = lock
    const stored: Stored = {
      height: height.toString(),
      signed: Object.fromEntries(this.signed),
      prepared: this.prepared === undefined ? undefined : { round: this.prepared.round, block: bytesToHex(this.prepared.block), prepares: this.prepared.prepares.map((p) => bytesToHex(p)) },
    }
    const batch = new WriteBatch()
    batch.put(KEY, new TextEncoder().encode(JSON.stringify(stored)))
    await this.kv.write(batch, { sync: true })
    return true
  }
}
