// How QBFT messages travel between validators. The network implements ConsensusTransport over
// its own gossip topic (validators only); the wire format is one byte of QBFT message code
// followed by the message's RLP, so any transport can carry it without knowing QBFT.
import { concatBytes } from '@ethereumjs/util'
import { MessageCode, encodeMessage, type MessageType, type QbftMessage } from '../messages.ts'

/** The verdict on an incoming message, for the transport's peer scoring and relaying. */
export type MessageVerdict = 'accept' | 'ignore' | 'reject'

export interface ConsensusTransport {
  /** Sends a message to every validator (the node handles its own messages itself). */
  broadcast(bytes: Uint8Array): void
  /**
   * Registers the handler for incoming messages: its verdict decides whether the message is
   * relayed (accept), dropped (ignore) or dropped with a penalty for the sender (reject).
   */
  onMessage(handler: (bytes: Uint8Array) => Promise<MessageVerdict>): () => void
}

const TYPE_OF_CODE = new Map(Object.entries(MessageCode).map(([type, code]) => [code, type as MessageType]))

/** Code byte + RLP. */
export function wrapMessage(message: QbftMessage): Uint8Array {
  return concatBytes(Uint8Array.of(MessageCode[message.type]), encodeMessage(message))
}

/** The message type and RLP of wire bytes, or undefined for an unknown code. */
export function unwrapMessage(bytes: Uint8Array): { type: MessageType; rlp: Uint8Array } | undefined {
  const type = bytes.length > 1 ? TYPE_OF_CODE.get(bytes[0] as (typeof MessageCode)[MessageType]) : undefined
  return type === undefined ? undefined : { type, rlp: bytes.subarray(1) }
}
