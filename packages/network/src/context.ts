// What the parts of the network share: the libp2p node, the chain and pool seams, the
// options, the peer book, and the rules for a peer's faults (penalties leading to bans).
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from 'libp2p'
import type { Logger } from 'pino'
import { PeerFaultError, type PenaltyReason } from './errors.ts'
import type { ChainAccess, PoolAccess } from './interface.ts'
import { MalformedMessageError, type Protocols } from './messages.ts'
import type { NetworkMetrics } from './metrics.ts'
import type { NetworkOptions } from './options.ts'
import type { PeerBook } from './peers.ts'

export type Libp2pNode = Libp2p<{ identify: Identify; pubsub: GossipSub }>

export interface NetworkContext {
  readonly node: Libp2pNode
  readonly chain: ChainAccess
  readonly pool: PoolAccess
  readonly logger: Logger
  readonly metrics: NetworkMetrics | null
  readonly options: NetworkOptions
  readonly protocols: Protocols
  readonly book: PeerBook
  /** True between the network's start and stop. */
  started(): boolean
}

/** Adds the reason's penalty points to a peer; at the threshold it is disconnected and banned for `banMs`. */
export function penalise(ctx: NetworkContext, peerId: string, reason: PenaltyReason, detail: string): void {
  const { book, options, metrics, logger } = ctx
  const total = book.penalise(peerId, options.penalties[reason])
  metrics?.penalty(reason)
  logger.info({ peer: peerId, reason, detail, points: Math.round(total) }, 'peer penalised')
  if (total >= options.banThreshold && book.bannedFor(peerId) === 0) {
    book.ban(peerId, options.banMs, reason)
    metrics?.ban()
    logger.warn({ peer: peerId, reason, minutes: options.banMs / 60_000 }, 'peer banned')
    void ctx.node.hangUp(peerIdFromString(peerId)).catch(() => undefined)
  }
}

/** Ends a request we were serving: the stream is aborted; a fault of the peer's costs it points. */
export function requestFailed(ctx: NetworkContext, stream: Stream, connection: Connection, error: unknown): void {
  stream.abort(error instanceof Error ? error : new Error(String(error)))
  if (error instanceof PeerFaultError) penalise(ctx, connection.remotePeer.toString(), error.reason, error.message)
  else ctx.logger.debug({ peer: connection.remotePeer.toString(), protocol: stream.protocol, err: (error as Error).message }, 'request not served')
}

/** Decodes a peer's message; a decoding failure is the peer's fault. */
export function decodeMessage<T>(data: Uint8Array, decode: (data: Uint8Array) => T): T {
  try {
    return decode(data)
  } catch (error) {
    if (error instanceof MalformedMessageError) throw new PeerFaultError('malformedMessage', error.message)
    throw error
  }
}
