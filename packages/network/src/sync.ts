// Full sync: while a peer reports more total difficulty than our head, download its
// canonical blocks by range and import them in order. Several range requests stay in
// flight so the download overlaps the import. When the peer is on another branch, the
// common ancestor is found by probing its canonical chain further and further back
// (doubling the step) until a block we store; the side branch is imported from there and
// the chain reorganises once the branch is heavier.
import type { Block } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { Logger } from 'pino'
import { blockErrorCode, isBenignBlockError, isUnknownParent, PeerFaultError, type PenaltyReason } from './errors.ts'
import type { ChainAccess } from './interface.ts'
import type { NetworkMetrics } from './metrics.ts'
import type { NetworkOptions } from './options.ts'
import type { PeerBook, PeerState } from './peers.ts'

export interface SyncHost {
  chain: ChainAccess
  peers: PeerBook
  options: NetworkOptions
  logger: Logger
  metrics: NetworkMetrics | null
  /** The peer's canonical blocks from `start`, consecutive and linked (checked), possibly fewer than `count`. */
  requestRange(peerId: string, start: bigint, count: number, signal: AbortSignal): Promise<Block[]>
  penalise(peerId: string, reason: PenaltyReason, detail: string): void
}

export interface SyncStatus {
  startingBlock: bigint
  currentBlock: bigint
  highestBlock: bigint
}

interface Segment {
  start: bigint
  count: number
  blocks: Promise<Block[]>
}

/** Why a round ended early. */
class RoundEnd extends Error {}

export class Syncer {
  private readonly host: SyncHost
  private running: Promise<void> | undefined
  private wanted = false
  private readonly abort = new AbortController()
  private progress: { startingBlock: bigint; highestBlock: bigint } | undefined
  // Throughput since the last progress line.
  private windowBlocks = 0
  private windowTransactions = 0
  private windowStarted = 0
  private totalBlocks = 0
  private totalTransactions = 0

  constructor(host: SyncHost) {
    this.host = host
  }

  /** Asks for a sync pass: starts one unless running, otherwise the running one checks again before ending. */
  trigger(): void {
    if (this.abort.signal.aborted) return
    this.wanted = true
    this.running ??= this.loop()
      .catch((error: unknown) => this.host.logger.error({ err: error }, 'sync loop failed'))
      .finally(() => {
        this.running = undefined
      })
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('network stopping'))
    await this.running
  }

  status(): false | SyncStatus {
    if (this.progress === undefined) return false
    const current = this.host.chain.head().number
    return { startingBlock: this.progress.startingBlock, currentBlock: current, highestBlock: this.progress.highestBlock > current ? this.progress.highestBlock : current }
  }

  /** The connected peer whose head our fork choice prefers most, not cooling down after a failed round. */
  bestPeer(now = Date.now()): PeerState | undefined {
    let best: PeerState | undefined
    for (const peer of this.host.peers.all()) {
      if (peer.head === undefined || peer.syncCooldownUntil > now) continue
      if (!this.host.chain.prefers({ totalDifficulty: peer.head.td, hash: peer.head.hash })) continue
      if (best === undefined || peer.head.td > best.head!.td) best = peer
    }
    return best
  }

  private async loop(): Promise<void> {
    const { logger } = this.host
    let timer: NodeJS.Timeout | undefined
    try {
      while (this.wanted && !this.abort.signal.aborted) {
        this.wanted = false
        for (let peer = this.bestPeer(); peer !== undefined && !this.abort.signal.aborted; peer = this.bestPeer()) {
          if (this.progress === undefined) {
            const head = this.host.chain.head()
            this.progress = { startingBlock: head.number, highestBlock: peer.head!.number }
            this.windowStarted = performance.now()
            this.windowBlocks = this.windowTransactions = this.totalBlocks = this.totalTransactions = 0
            logger.info({ from: Number(head.number), target: Number(peer.head!.number), peer: peer.id }, 'sync started')
            timer = setInterval(() => this.logProgress(), this.host.options.syncLogIntervalMs)
            timer.unref()
          }
          const imported = await this.round(peer)
          if (imported === 0 && this.bestPeer() === peer) peer.syncCooldownUntil = Date.now() + this.host.options.syncPeerCooldownMs
        }
      }
    } finally {
      if (timer !== undefined) clearInterval(timer)
      if (this.progress !== undefined) {
        const head = this.host.chain.head()
        logger.info({ number: Number(head.number), hash: bytesToHex(head.hash), blocks: this.totalBlocks, transactions: this.totalTransactions }, 'sync finished')
        this.progress = undefined
      }
    }
  }

  private logProgress(): void {
    if (this.progress === undefined) return
    const seconds = (performance.now() - this.windowStarted) / 1000
    const head = this.host.chain.head().number
    const highest = this.progress.highestBlock > head ? this.progress.highestBlock : head
    this.host.logger.info(
      {
        number: Number(head),
        target: Number(highest),
        remaining: Number(highest - head),
        blocksPerSecond: Math.round((this.windowBlocks / seconds) * 10) / 10,
        transactionsPerSecond: Math.round(this.windowTransactions / seconds),
      },
      'syncing',
    )
    this.windowStarted = performance.now()
    this.windowBlocks = this.windowTransactions = 0
  }

  /** One pass against `peer`; returns the number of blocks imported. */
  private async round(peer: PeerState): Promise<number> {
    const { chain, options } = this.host
    const signal = this.abort.signal
    // Requests still in flight when the round ends are cancelled with it.
    const roundAbort = new AbortController()
    const requestSignal = AbortSignal.any([signal, roundAbort.signal])
    let imported = 0
    const segments: Segment[] = []
    const request = (start: bigint, count: number): Segment => {
      const blocks = this.host.requestRange(peer.id, start, count, requestSignal)
      blocks.catch(() => undefined) // awaited in order later, or abandoned when the round ends
      return { start, count, blocks }
    }
    try {
      const ancestor = await this.findAncestor(peer)
      let next = ancestor.number + 1n
      let parentHash = ancestor.hash
      const fill = () => {
        while (segments.length < options.syncRequestsInFlight) {
          const target = peer.head?.number ?? 0n
          if (next > target) break
          const remaining = target - next + 1n
          const count = remaining < BigInt(options.syncBatchBlocks) ? Number(remaining) : options.syncBatchBlocks
          segments.push(request(next, count))
          next += BigInt(count)
        }
      }
      fill()
      while (segments.length > 0) {
        const segment = segments.shift()!
        const blocks = await segment.blocks
        if (blocks.length === 0) throw new RoundEnd(`peer has no block ${segment.start}`)
        if (blocks.length < segment.count) segments.unshift(request(segment.start + BigInt(blocks.length), segment.count - blocks.length))
        fill()
        for (const block of blocks) {
          if (signal.aborted) return imported
          if (!equalsBytes(block.header.parentHash, parentHash)) throw new RoundEnd(`peer switched branch at block ${block.header.number}`)
          await this.importOne(peer, block)
          parentHash = block.hash()
          imported++
        }
        if (this.progress !== undefined && peer.head !== undefined && peer.head.number > this.progress.highestBlock) this.progress.highestBlock = peer.head.number
      }
    } catch (error) {
      if (signal.aborted) return imported
      if (error instanceof RoundEnd) {
        // The peer moved (reorg, shorter chain): try again at once if this round got anywhere.
        this.host.logger.debug({ peer: peer.id, reason: error.message, imported }, 'sync round ended')
        if (imported > 0) return imported
      } else if (error instanceof PeerFaultError) {
        this.host.penalise(peer.id, error.reason, error.message)
      } else {
        this.host.logger.warn({ peer: peer.id, err: error }, 'sync round failed')
      }
      peer.syncCooldownUntil = Date.now() + options.syncPeerCooldownMs
    } finally {
      roundAbort.abort(new Error('sync round over'))
    }
    return imported
  }

  private async importOne(peer: PeerState, block: Block): Promise<void> {
    let outcome: string
    try {
      outcome = await this.host.chain.importBlock(block)
    } catch (error) {
      const code = blockErrorCode(error)
      if (code !== undefined && !isBenignBlockError(code)) throw new PeerFaultError('invalidBlock', `block ${block.header.number} ${bytesToHex(block.hash())}: ${(error as Error).message}`)
      if (isUnknownParent(error) || code !== undefined) throw new RoundEnd((error as Error).message)
      throw error
    }
    if (outcome !== 'known') {
      this.host.metrics?.syncBlocks(1)
      this.windowBlocks++
      this.totalBlocks++
      this.windowTransactions += block.transactions.length
      this.totalTransactions += block.transactions.length
    }
  }

  /**
   * The highest block of the peer's canonical chain that we store (canonical or side).
   * Starts at min(our head, its head): one probe when the peer extends our chain; then
   * steps back 1, 2, 4, ... blocks.
   */
  private async findAncestor(peer: PeerState): Promise<{ number: bigint; hash: Uint8Array }> {
    const { chain } = this.host
    const ours = chain.head().number
    const theirs = peer.head?.number ?? 0n
    let probe = ours < theirs ? ours : theirs
    let step = 1n
    for (;;) {
      if (probe === 0n) return { number: 0n, hash: chain.genesisHash } // same genesis: checked by the status exchange
      const block = await this.peerBlock(peer, probe)
      if (chain.blockByHash(block.hash()) !== undefined) return { number: probe, hash: block.hash() }
      probe = probe > step ? probe - step : 0n
      step *= 2n
    }
  }

  private async peerBlock(peer: PeerState, number: bigint): Promise<Block> {
    const [block] = await this.host.requestRange(peer.id, number, 1, this.abort.signal)
    if (block === undefined) throw new RoundEnd(`peer has no block ${number}`)
    return block
  }
}
