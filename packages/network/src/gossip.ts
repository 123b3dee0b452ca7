// Gossip: the block, transaction and peer-exchange topics on gossipsub, their validators
// (a block is imported into the chain, a transaction added to the pool, before either is
// forwarded) and publishing.
import { createHash } from 'node:crypto'
import type { Block, BlockHeader } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import { gossipsub, StrictNoSign, TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { penalise, type NetworkContext } from './context.ts'
import { blockErrorCode, isBenignBlockError, isUnknownParent, transactionVerdict } from './errors.ts'
import { decodeTransactionBatch, encodeTransactionBatch, type Protocols } from './messages.ts'
import type { GossipTopicLabel } from './metrics.ts'
import type { NetworkOptions } from './options.ts'
import type { PeerBook } from './peers.ts'
import { TransactionBatcher } from './tx-batcher.ts'

/** gossipsub frames messages with it-length-prefixed's default 4 MiB limit; keep room for the RPC envelope. */
export const MAX_GOSSIP_BYTES = 4 * 1024 * 1024 - 64 * 1024
/** Ids of transactions that arrived by gossip (gossipsub forwards their batches itself). */
const RECENT_GOSSIP_TRANSACTIONS = 32_768

export type Verdict = 'accept' | 'ignore' | 'reject'

/** The gossipsub service of the node: unsigned messages identified by content, scored by topic. */
export function gossipService(topics: Protocols, book: PeerBook, options: NetworkOptions) {
  return gossipsub({
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: (message: Message) => (message.topic === topics.peersTopic ? announcementId(message, options.discoveryIntervalMs) : contentId(message.topic, message.data)),
    emitSelf: false,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    fallbackToFloodsub: false,
    allowedTopics: [topics.blocksTopic, topics.transactionsTopic, topics.peersTopic, topics.consensusTopic],
    maxInboundDataLength: 4 * 1024 * 1024,
    scoreParams: {
      // Application penalties (invalid sync data, malformed requests) lower the gossip score too.
      appSpecificScore: (peer: string) => -book.penalty(peer),
      appSpecificWeight: 0.5,
      topics: {
        [topics.blocksTopic]: topicScore(1),
        [topics.transactionsTopic]: topicScore(0.2),
        [topics.consensusTopic]: topicScore(1),
      },
    },
  })
}

/**
 * Adds a transaction a peer sent (by gossip or on request) to the pool: 'accept' when added,
 * 'ignore' when the pool refuses it for reasons of its own state (known, nonce, funds, full),
 * 'reject' with a penalty when the transaction itself is invalid or too large.
 */
export async function admitTransaction(ctx: NetworkContext, from: PeerId, data: Uint8Array): Promise<Verdict> {
  const fault = await transactionFault(ctx, data)
  if (fault === undefined) return 'accept'
  if (fault === 'refused') return 'ignore'
  penalise(ctx, from.toString(), 'invalidTransaction', fault)
  return 'reject'
}

/** Adds `data` to the pool: undefined when added, 'refused' for the pool's own reasons, else what is wrong with the transaction. */
async function transactionFault(ctx: NetworkContext, data: Uint8Array): Promise<string | 'refused' | undefined> {
  if (data.length > ctx.options.maxTransactionBytes) return `transaction of ${data.length} bytes`
  try {
    await ctx.pool.addRaw(data)
    return undefined
  } catch (error) {
    return transactionVerdict(error) === 'invalid' ? (error as Error).message : 'refused'
  }
}

export class Gossip {
  private readonly ctx: NetworkContext
  /** A peer showed a block whose parent we lack: learn its head and sync from it. */
  private readonly requestSyncFrom: (peer: PeerId) => void
  /** A block too large to gossip: peers learn of it from our status. */
  private readonly announceHead: () => void
  private readonly gossipedTransactions = new Set<string>()
  /** Local pending transactions, leaving in batches. */
  private readonly batcher = new TransactionBatcher((batch) => this.publish('transactions', this.ctx.protocols.transactionsTopic, batch))
  /** The BFT engine's handler of consensus messages, while this node is a validator. */
  private consensusHandler: ((bytes: Uint8Array) => Promise<Verdict>) | undefined

  constructor(ctx: NetworkContext, hooks: { requestSyncFrom(peer: PeerId): void; announceHead(): void }) {
    this.ctx = ctx
    this.requestSyncFrom = hooks.requestSyncFrom
    this.announceHead = hooks.announceHead
  }

  /** Installs the topic validators (before the node starts). */
  attach(): void {
    const { node, protocols } = this.ctx
    node.services.pubsub.topicValidators.set(protocols.blocksTopic, (peer, message) => this.validate('blocks', this.blockVerdict(peer, message.data)))
    node.services.pubsub.topicValidators.set(protocols.transactionsTopic, (peer, message) => this.validate('transactions', this.transactionVerdict(peer, message.data)))
    node.services.pubsub.topicValidators.set(protocols.consensusTopic, (peer, message) => this.validate('consensus', this.consensusVerdict(peer, message.data)))
  }

  /**
   * Joins the consensus topic and hands its messages to `handler` (a validator's BFT engine),
   * whose verdict decides relaying and penalties; returns the leave function.
   */
  joinConsensus(handler: (bytes: Uint8Array) => Promise<Verdict>): () => void {
    this.consensusHandler = handler
    const topic = this.ctx.protocols.consensusTopic
    if (this.ctx.started()) this.ctx.node.services.pubsub.subscribe(topic)
    return () => {
      this.consensusHandler = undefined
      if (this.ctx.started()) this.ctx.node.services.pubsub.unsubscribe(topic)
    }
  }

  /** Sends a consensus message to the validators on the topic; returns how many peers it went to. */
  publishConsensus(data: Uint8Array): Promise<number> {
    return this.publish('consensus', this.ctx.protocols.consensusTopic, data)
  }

  private async consensusVerdict(from: PeerId, data: Uint8Array): Promise<Verdict> {
    const handler = this.consensusHandler
    if (handler === undefined) return 'ignore'
    if (data.length > MAX_GOSSIP_BYTES) {
      penalise(this.ctx, from.toString(), 'invalidConsensusMessage', `consensus message of ${data.length} bytes`)
      return 'reject'
    }
    const verdict = await handler(data)
    if (verdict === 'reject') penalise(this.ctx, from.toString(), 'invalidConsensusMessage', 'consensus message broke a rule')
    return verdict
  }

  /** Joins the block and transaction topics (once the node runs); returns the unsubscribe. */
  subscribe(): () => void {
    const { node, protocols, chain, pool } = this.ctx
    node.services.pubsub.subscribe(protocols.blocksTopic)
    node.services.pubsub.subscribe(protocols.transactionsTopic)
    if (this.consensusHandler !== undefined) node.services.pubsub.subscribe(protocols.consensusTopic)
    const offHead = chain.onHead((block, sealedHere) => {
      if (sealedHere) void this.publishBlock(block)
    })
    const offPending = pool.onPending((raw) => {
      if (this.gossipedTransactions.has(transactionId(raw)) || raw.length > this.ctx.options.maxTransactionBytes) return
      this.batcher.add(raw)
    })
    return () => {
      offHead()
      offPending()
      this.batcher.stop()
    }
  }

  /** Gossips a block; returns how many peers it was sent to. */
  async publishBlock(block: Block): Promise<number> {
    const data = block.serialize()
    if (data.length > MAX_GOSSIP_BYTES) {
      this.ctx.logger.warn({ number: Number(block.header.number), bytes: data.length }, 'block too large to gossip; announcing status instead')
      this.announceHead()
      return 0
    }
    return this.publish('blocks', this.ctx.protocols.blocksTopic, data)
  }

  /** Gossips a raw signed transaction at once, as a batch of one; returns how many peers it was sent to. */
  async publishTransaction(raw: Uint8Array): Promise<number> {
    if (raw.length > this.ctx.options.maxTransactionBytes) return 0
    return this.publish('transactions', this.ctx.protocols.transactionsTopic, encodeTransactionBatch([raw]))
  }

  private async publish(label: GossipTopicLabel, topic: string, data: Uint8Array): Promise<number> {
    if (!this.ctx.started()) return 0
    try {
      const result = await this.ctx.node.services.pubsub.publish(topic, data)
      this.ctx.metrics?.gossipOut(label, 'published')
      return result.recipients.length
    } catch (error) {
      this.ctx.metrics?.gossipOut(label, 'failed')
      this.ctx.logger.debug({ topic: label, err: error }, 'gossip publish failed')
      return 0
    }
  }

  private async validate(label: GossipTopicLabel, verdict: Promise<Verdict>): Promise<TopicValidatorResult> {
    const outcome = await verdict
    this.ctx.metrics?.gossipIn(label, outcome)
    return outcome === 'accept' ? TopicValidatorResult.Accept : outcome === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
  }

  private async blockVerdict(from: PeerId, data: Uint8Array): Promise<Verdict> {
    const { chain, book, logger } = this.ctx
    const id = from.toString()
    if (data.length > MAX_GOSSIP_BYTES) {
      penalise(this.ctx, id, 'malformedMessage', `gossip block of ${data.length} bytes`)
      return 'reject'
    }
    let block: Block
    try {
      // A validator of a BFT network has the block already (it committed it): its header
      // tells, without building thousands of transactions again.
      const decoded = chain.decodeBlockPartly(data)
      if (chain.blockByHash(decoded.header.hash()) !== undefined) {
        this.noteGossipHead(id, decoded.header)
        return 'ignore'
      }
      block = decoded.block()
    } catch (error) {
      penalise(this.ctx, id, 'malformedMessage', `undecodable block: ${(error as Error).message}`)
      return 'reject'
    }
    const number = block.header.number
    const hash = block.hash()
    try {
      const outcome = await chain.importBlock(block)
      this.noteGossipHead(id, block.header)
      if (outcome === 'known') return 'ignore'
      logger.debug({ peer: id, number: Number(number), hash: bytesToHex(hash), outcome }, 'gossip block imported')
      return 'accept'
    } catch (error) {
      if (isUnknownParent(error)) {
        book.noteHead(id, { number, hash, td: 0n }, false)
        this.requestSyncFrom(from)
        return 'ignore'
      }
      const code = blockErrorCode(error)
      if (code === undefined) {
        logger.warn({ peer: id, number: Number(number), err: error }, 'gossip block import failed')
        return 'ignore'
      }
      if (isBenignBlockError(code)) return 'ignore'
      penalise(this.ctx, id, 'invalidBlock', `block ${number} ${bytesToHex(hash)}: ${(error as Error).message}`)
      return 'reject'
    }
  }

  /** A block the peer forwarded is on its chain: raise its known head (exact td when it is our head now). */
  private noteGossipHead(id: string, header: BlockHeader): void {
    const head = this.ctx.chain.head()
    const td = bytesToHex(head.hash) === bytesToHex(header.hash()) ? head.totalDifficulty : 0n
    this.ctx.book.noteHead(id, { number: header.number, hash: header.hash(), td }, false)
  }

  /**
   * A batch is relayed when any of its transactions was added and none is invalid; one invalid
   * transaction (or a malformed batch) rejects it with one penalty: an honest peer only sends
   * what its own pool admitted.
   */
  private async transactionVerdict(from: PeerId, data: Uint8Array): Promise<Verdict> {
    let raws: Uint8Array[]
    try {
      raws = decodeTransactionBatch(data)
    } catch (error) {
      penalise(this.ctx, from.toString(), 'malformedMessage', (error as Error).message)
      return 'reject'
    }
    let added = false
    await this.ctx.pool.cacheSenders(raws)
    for (const raw of raws) {
      this.rememberGossipedTransaction(transactionId(raw))
      const fault = await transactionFault(this.ctx, raw)
      if (fault === undefined) added = true
      else if (fault !== 'refused') {
        penalise(this.ctx, from.toString(), 'invalidTransaction', fault)
        return 'reject'
      }
    }
    return added ? 'accept' : 'ignore'
  }

  private rememberGossipedTransaction(id: string): void {
    this.gossipedTransactions.delete(id)
    this.gossipedTransactions.add(id)
    if (this.gossipedTransactions.size > RECENT_GOSSIP_TRANSACTIONS) {
      const oldest = this.gossipedTransactions.values().next().value
      if (oldest !== undefined) this.gossipedTransactions.delete(oldest)
    }
  }
}

/** Gossip message id: the content hash, so the same block or transaction from any peer is one message. */
function contentId(topic: string, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(topic).update(data).digest().subarray(0, 20)
}

/** Identity of a raw transaction for the set of those that arrived by gossip. */
function transactionId(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex')
}

/**
 * Message id of a peer-exchange announcement. A node publishes the same bytes (its key and
 * addresses) every interval; by content alone gossipsub would drop the repeats as seen for
 * its seen-cache time (2 min), and a peer joining meanwhile would not hear of it. The
 * interval number makes each round's announcement a new message; within a round, copies
 * arriving by several paths are still one message.
 */
function announcementId(message: Message, intervalMs: number): Uint8Array {
  const round = Math.floor(Date.now() / intervalMs)
  return createHash('sha256').update(message.topic).update(message.data).update(String(round)).digest().subarray(0, 20)
}

/**
 * Topic scoring: invalid messages (the validator's Reject) weigh quadratically and decay
 * slowly; delivery-rate penalties are off (a quiet chain delivers few blocks).
 */
function topicScore(topicWeight: number) {
  return {
    topicWeight,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1_000,
    timeInMeshCap: 300,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 10,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 60_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -10,
    invalidMessageDeliveriesDecay: 0.99,
  }
}
