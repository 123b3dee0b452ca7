// The status handshake: both sides send chain id, genesis, head and total difficulty right
// after connecting (whichever exchange finishes first informs both), again every
// statusIntervalMs, and when gossip shows a block whose parent we lack. A peer on another
// chain is banned; a peer ahead of us starts a sync.
import { bytesToHex } from '@ethereumjs/util'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeMessage, penalise, requestFailed, type NetworkContext } from './context.ts'
import { PeerFaultError } from './errors.ts'
import { decodeStatus, encodeStatus, MAX_STATUS_BYTES, type StatusMessage } from './messages.ts'
import { abortOnSignal, readOne, send } from './streams.ts'

export interface StatusHooks {
  /** The first status from `peer` on this connection arrived: it is ready. */
  ready(peer: PeerId): void
  /** A peer reported more total difficulty than our head. */
  behind(): void
}

export class StatusExchange {
  private readonly ctx: NetworkContext
  private readonly hooks: StatusHooks

  constructor(ctx: NetworkContext, hooks: StatusHooks) {
    this.ctx = ctx
    this.hooks = hooks
  }

  /** A new connection: exchange status; a peer that fails it (in both directions) is disconnected. */
  onConnect(peer: PeerId): void {
    const id = peer.toString()
    void this.exchange(peer).catch((error: unknown) => {
      const { node, book, logger } = this.ctx
      if (!this.ctx.started() || node.getConnections(peer).length === 0) return
      if (error instanceof PeerFaultError) penalise(this.ctx, id, error.reason, error.message)
      if (book.get(id)?.head !== undefined) return // the other direction succeeded
      logger.info({ peer: id, err: (error as Error).message }, 'status exchange failed; disconnecting')
      void node.hangUp(peer).catch(() => undefined)
    })
  }

  /** Our side of an exchange the peer opened. */
  async serve(stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.ctx.options.statusTimeoutMs)
    const detach = abortOnSignal(stream, signal)
    try {
      const status = decodeMessage(await readOne(stream, MAX_STATUS_BYTES), decodeStatus)
      await send(stream, encodeStatus(this.localStatus()), signal)
      await stream.close({ signal })
      this.ctx.metrics?.servedRequest('status')
      this.onStatus(connection.remotePeer, status)
    } catch (error) {
      requestFailed(this.ctx, stream, connection, error)
    } finally {
      detach()
    }
  }

  /** Re-exchanges status with every peer (or those not heard from for a while). */
  refresh(all = false): void {
    const stale = Date.now() - this.ctx.options.statusIntervalMs / 2
    for (const peer of this.ctx.book.all()) {
      if (!all && peer.statusAt > stale) continue
      void this.exchange(peerIdFromString(peer.id)).catch((error: unknown) => {
        if (error instanceof PeerFaultError) penalise(this.ctx, peer.id, error.reason, error.message)
      })
    }
  }

  /** A peer showed us a block whose parent we lack: learn its head and sync from it (at most once a second). */
  requestSyncFrom(peer: PeerId): void {
    const state = this.ctx.book.get(peer.toString())
    if (state === undefined || Date.now() - state.refreshRequestedAt < 1000) return
    state.refreshRequestedAt = Date.now()
    void this.exchange(peer).catch(() => undefined)
  }

  private localStatus(): StatusMessage {
    const { chain } = this.ctx
    const head = chain.head()
    return { chainId: chain.chainId, genesisHash: chain.genesisHash, headNumber: head.number, headHash: head.hash, totalDifficulty: head.totalDifficulty }
  }

  private async exchange(peer: PeerId): Promise<void> {
    const { node, protocols, options } = this.ctx
    const signal = AbortSignal.timeout(options.statusTimeoutMs)
    const stream = await node.dialProtocol(peer, protocols.status, { signal })
    const detach = abortOnSignal(stream, signal)
    try {
      await send(stream, encodeStatus(this.localStatus()), signal)
      await stream.close({ signal })
      const status = decodeMessage(await readOne(stream, MAX_STATUS_BYTES), decodeStatus)
      this.onStatus(peer, status)
    } catch (error) {
      throw signal.aborted ? new PeerFaultError('timeout', 'status exchange timed out') : error
    } finally {
      detach()
    }
  }

  private onStatus(peer: PeerId, status: StatusMessage): void {
    const { chain, book, logger, options, node } = this.ctx
    const id = peer.toString()
    if (status.chainId !== chain.chainId || bytesToHex(status.genesisHash) !== bytesToHex(chain.genesisHash)) {
      logger.warn({ peer: id, chainId: status.chainId.toString(), genesis: bytesToHex(status.genesisHash) }, 'peer on another chain; disconnecting')
      book.ban(id, options.banMs, 'incompatible chain')
      void node.hangUp(peer).catch(() => undefined)
      return
    }
    const state = book.get(id)
    if (state === undefined) return
    const first = state.head === undefined
    book.noteHead(id, { number: status.headNumber, hash: status.headHash, td: status.totalDifficulty }, true)
    state.statusAt = Date.now()
    if (first) {
      logger.info({ peer: id, head: Number(status.headNumber), td: status.totalDifficulty.toString(), peers: node.getPeers().length }, 'peer ready')
      this.hooks.ready(peer)
    }
    if (status.totalDifficulty > chain.head().totalDifficulty) this.hooks.behind()
  }
}
