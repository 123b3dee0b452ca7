// What the network knows about each peer: its last known head (from status and gossip),
// its application-level penalty points (decaying, kept across reconnects) and bans.

export interface PeerHead {
  number: bigint
  hash: Uint8Array
  /** Total difficulty; exact from a status exchange, a lower bound after gossip. */
  td: bigint
}

export interface PeerState {
  id: string
  /** Set once a status exchange succeeded on the current connection. */
  head?: PeerHead
  statusAt: number
  /** Not chosen as a sync source before this time (it failed a round). */
  syncCooldownUntil: number
  /** Last status refresh request triggered by gossip (rate limit). */
  refreshRequestedAt: number
}

interface Penalty {
  points: number
  at: number
}

export class PeerBook {
  private readonly connected = new Map<string, PeerState>()
  private readonly penalties = new Map<string, Penalty>()
  private readonly bans = new Map<string, { until: number; reason: string }>()
  private readonly halfLifeMs: number

  constructor(halfLifeMs: number) {
    this.halfLifeMs = halfLifeMs
  }

  add(id: string): PeerState {
    let state = this.connected.get(id)
    if (state === undefined) {
      state = { id, statusAt: 0, syncCooldownUntil: 0, refreshRequestedAt: 0 }
      this.connected.set(id, state)
    }
    return state
  }

  remove(id: string): void {
    this.connected.delete(id)
  }

  get(id: string): PeerState | undefined {
    return this.connected.get(id)
  }

  all(): PeerState[] {
    return [...this.connected.values()]
  }

  /**
   * Records a peer's head. A status is exact; a gossip block gives the number and hash and
   * a lower bound of the total difficulty (0 when unknown), which never lowers the known one.
   */
  noteHead(id: string, head: PeerHead, exact: boolean): void {
    const state = this.connected.get(id)
    if (state === undefined) return
    if (exact || state.head === undefined) {
      state.head = { ...head }
      return
    }
    if (head.number >= state.head.number || head.td > state.head.td) {
      state.head = { number: head.number, hash: head.hash, td: head.td > state.head.td ? head.td : state.head.td }
    }
  }

  /** Adds penalty points; returns the decayed total. */
  penalise(id: string, points: number, now = Date.now()): number {
    const total = this.penalty(id, now) + points
    this.penalties.set(id, { points: total, at: now })
    return total
  }

  penalty(id: string, now = Date.now()): number {
    const entry = this.penalties.get(id)
    if (entry === undefined) return 0
    const points = entry.points * Math.pow(0.5, (now - entry.at) / this.halfLifeMs)
    if (points < 0.5) {
      this.penalties.delete(id)
      return 0
    }
    return points
  }

  ban(id: string, durationMs: number, reason: string, now = Date.now()): void {
    this.bans.set(id, { until: now + durationMs, reason })
  }

  /** Remaining ban time in ms (0 when not banned). */
  bannedFor(id: string, now = Date.now()): number {
    const ban = this.bans.get(id)
    if (ban === undefined) return 0
    if (ban.until <= now) {
      this.bans.delete(id)
      return 0
    }
    return ban.until - now
  }
}
