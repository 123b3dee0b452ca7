// Pooled transactions between peers outside gossip, as eth/68 does it: a node announces the
// hashes of transactions it holds (NewPooledTransactionHashes) and the peer fetches those it
// lacks (GetPooledTransactions), adding them through the same path as gossiped ones. A node
// announces its pending transactions to every peer that becomes ready (so a transaction
// accepted while it had no peers reaches them when they come), and every rebroadcast
// interval the transactions submitted to it that are still unmined (so one whose first
// gossip reached no sealer is not lost).
import { bytesToHex } from '@ethereumjs/util'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeMessage, penalise, requestFailed, type NetworkContext } from './context.ts'
import { PeerFaultError } from './errors.ts'
import { admitTransaction } from './gossip.ts'
import { decodeHashes, encodeHashes, MAX_ANNOUNCED_HASHES, MAX_REQUESTED_HASHES, maxHashListBytes } from './messages.ts'
import type { AnnounceReason } from './metrics.ts'
import { abortOnSignal, readAll, readOne, send } from './streams.ts'

export class TransactionExchange {
  private readonly ctx: NetworkContext
  /** Hashes being fetched from some peer: another announcement of them waits for that. */
  private readonly fetching = new Set<string>()
  private timer: NodeJS.Timeout | undefined

  constructor(ctx: NetworkContext) {
    this.ctx = ctx
  }

  /** Starts the rebroadcast of local transactions. */
  start(): void {
    this.timer = setInterval(() => this.rebroadcast(), this.ctx.options.rebroadcastIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
  }

  /** A peer completed the status exchange: tell it every pending transaction we hold. */
  peerReady(peer: PeerId): void {
    void this.announce(peer, this.ctx.pool.pendingHashes(), 'connect')
  }

  /** Serves an announcement: fetches the transactions we lack from the announcer, in batches. */
  async serveAnnouncement(stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.ctx.options.requestTimeoutMs)
    const detach = abortOnSignal(stream, signal)
    let hashes: Uint8Array[]
    try {
      hashes = decodeMessage(await readOne(stream, maxHashListBytes(MAX_ANNOUNCED_HASHES)), (data) => decodeHashes(data, MAX_ANNOUNCED_HASHES))
      await stream.close({ signal })
    } catch (error) {
      requestFailed(this.ctx, stream, connection, error)
      return
    } finally {
      detach()
    }
    const wanted = hashes.filter((hash) => this.ctx.pool.get(hash) === undefined && !this.fetching.has(bytesToHex(hash)))
    for (let start = 0; start < wanted.length; start += MAX_REQUESTED_HASHES) {
      const batch = wanted.slice(start, start + MAX_REQUESTED_HASHES)
      if (!(await this.fetch(connection.remotePeer, batch))) return
    }
  }

  /** Serves a request: the raw transactions we hold among the hashes asked for, in order, within the response size limit. */
  async serveRequest(stream: Stream, connection: Connection): Promise<void> {
    const { options, pool, metrics } = this.ctx
    const signal = AbortSignal.timeout(options.requestTimeoutMs)
    const detach = abortOnSignal(stream, signal)
    try {
      const hashes = decodeMessage(await readOne(stream, maxHashListBytes(MAX_REQUESTED_HASHES)), (data) => decodeHashes(data, MAX_REQUESTED_HASHES))
      let bytes = 0
      for (const hash of hashes) {
        const raw = pool.get(hash)
        if (raw === undefined) continue
        if (bytes > 0 && bytes + raw.length > options.maxResponseBytes) break
        bytes += raw.length
        await send(stream, raw, signal)
      }
      await stream.close({ signal })
      metrics?.servedRequest('pooled-transactions')
    } catch (error) {
      requestFailed(this.ctx, stream, connection, error)
    } finally {
      detach()
    }
  }

  /** Announces the local transactions still in the pool to every ready peer. */
  private rebroadcast(): void {
    const ready = this.ctx.book.all().filter((peer) => peer.head !== undefined)
    if (ready.length === 0) return
    const hashes = this.ctx.pool.localHashes()
    if (hashes.length === 0) return
    for (const peer of ready) void this.announce(peerIdFromString(peer.id), hashes, 'rebroadcast')
  }

  /** Sends `hashes` to `peer`, MAX_ANNOUNCED_HASHES per announcement; failures are logged only (the peer may have left). */
  private async announce(peer: PeerId, hashes: Uint8Array[], reason: AnnounceReason): Promise<void> {
    const { node, protocols, options, metrics, logger } = this.ctx
    for (let start = 0; start < hashes.length && this.ctx.started(); start += MAX_ANNOUNCED_HASHES) {
      const batch = hashes.slice(start, start + MAX_ANNOUNCED_HASHES)
      const signal = AbortSignal.timeout(options.requestTimeoutMs)
      try {
        const stream = await node.dialProtocol(peer, protocols.pooledTransactionHashes, { signal })
        const detach = abortOnSignal(stream, signal)
        try {
          await send(stream, encodeHashes(batch), signal)
          await stream.close({ signal })
        } finally {
          detach()
        }
        metrics?.announcedHashes(reason, batch.length)
      } catch (error) {
        logger.debug({ peer: peer.toString(), reason, hashes: batch.length, err: (error as Error).message }, 'transaction announcement failed')
        return
      }
    }
  }

  /** Fetches `hashes` from `peer` and adds what arrives to the pool; false when the peer failed the request. */
  private async fetch(peer: PeerId, hashes: Uint8Array[]): Promise<boolean> {
    const keys = hashes.map((hash) => bytesToHex(hash))
    for (const key of keys) this.fetching.add(key)
    try {
      const raws = await this.requestTransactions(peer, hashes)
      await this.ctx.pool.cacheSenders(raws)
      for (const raw of raws) this.ctx.metrics?.fetchedTransaction(await admitTransaction(this.ctx, peer, raw))
      return true
    } catch (error) {
      if (error instanceof PeerFaultError) penalise(this.ctx, peer.toString(), error.reason, error.message)
      else this.ctx.logger.debug({ peer: peer.toString(), err: (error as Error).message }, 'pooled transactions request failed')
      return false
    } finally {
      for (const key of keys) this.fetching.delete(key)
    }
  }

  private async requestTransactions(peer: PeerId, hashes: Uint8Array[]): Promise<Uint8Array[]> {
    const { node, protocols, options } = this.ctx
    const signal = AbortSignal.timeout(options.requestTimeoutMs)
    const stream = await node.dialProtocol(peer, protocols.pooledTransactions, { signal })
    const detach = abortOnSignal(stream, signal)
    try {
      await send(stream, encodeHashes(hashes), signal)
      await stream.close({ signal })
      return await readAll(stream, { maxBytes: options.maxTransactionBytes, maxCount: hashes.length, maxTotal: options.maxResponseBytes + options.maxTransactionBytes })
    } catch (error) {
      throw signal.aborted ? new PeerFaultError('timeout', `pooled transactions request of ${hashes.length} timed out`) : error
    } finally {
      detach()
    }
  }
}
