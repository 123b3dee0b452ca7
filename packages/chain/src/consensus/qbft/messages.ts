// QBFT messages in Besu's wire format (QbftV1 codes; payloads and SignedData as in
// consensus/qbft-core payload/ and messagewrappers/). Every payload is signed as
//   keccak256(RLP([code, payload])), signature r || s || v with v = 0 or 1 and low s,
// and its author is the address recovered from that signature.
//   Proposal    = [[payload, sig], [[round changes...], [prepares...]]], payload = [height, round, block]
//   Prepare     = [payload, sig], payload = [height, round, digest]
//   Commit      = [payload, sig], payload = [height, round, digest, commit seal]
//   RoundChange = [[payload, sig], prepared block or [], [prepares...]],
//                 payload = [height, round, [] or [prepared round, prepared block hash]]
// The digest a Prepare or Commit names is the proposed block's commit-seal hash.
import { RLP } from '@ethereumjs/rlp'
import { concatBytes } from '@ethereumjs/util'
import { keccak256, publicKeyToAddress, recoverPublicKey, signDigest } from '@busan/chain-config'
import { QbftDecodeError, decodeRlp, encodeListOfEncoded, readBytes, readList, readRound, readScalar, scalar } from './rlp.ts'

export const MessageCode = { proposal: 0x12, prepare: 0x13, commit: 0x14, roundChange: 0x15 } as const
export type MessageType = keyof typeof MessageCode

/** secp256k1 group order / 2: signatures with a larger s are refused (Besu's SignedData). */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

export interface ProposalPayload {
  height: bigint
  round: number
  /** The proposed block's RLP. */
  block: Uint8Array
}

export interface PreparePayload {
  height: bigint
  round: number
  digest: Uint8Array
}

export interface CommitPayload extends PreparePayload {
  commitSeal: Uint8Array
}

export interface RoundChangePayload {
  height: bigint
  round: number
  prepared?: { round: number; blockHash: Uint8Array }
}

/** A payload with its signature and the author recovered from it. */
export interface Signed<P> {
  payload: P
  signature: Uint8Array
  author: Uint8Array
  /** RLP of [payload, signature], as sent. */
  encoded: Uint8Array
}

export interface Proposal {
  type: 'proposal'
  signed: Signed<ProposalPayload>
  /** Justification of a proposal after round 0: a quorum of round changes for its round... */
  roundChanges: Signed<RoundChangePayload>[]
  /** ...and the prepares of the block it re-proposes, if one was prepared. */
  prepares: Signed<PreparePayload>[]
}

export interface Prepare {
  type: 'prepare'
  signed: Signed<PreparePayload>
}

export interface Commit {
  type: 'commit'
  signed: Signed<CommitPayload>
}

export interface RoundChange {
  type: 'roundChange'
  signed: Signed<RoundChangePayload>
  /** The block this validator prepared in an earlier round (its RLP), with the prepares that prove it. */
  preparedBlock?: Uint8Array
  prepares: Signed<PreparePayload>[]
}

export type QbftMessage = Proposal | Prepare | Commit | RoundChange

function encodePayload(type: MessageType, payload: AnyPayload): Uint8Array {
  const round = [scalar(payload.height), scalar(payload.round)].map((item) => RLP.encode(item))
  switch (type) {
    case 'proposal':
      return encodeListOfEncoded([...round, (payload as ProposalPayload).block])
    case 'prepare':
      return encodeListOfEncoded([...round, RLP.encode((payload as PreparePayload).digest)])
    case 'commit':
      return encodeListOfEncoded([...round, RLP.encode((payload as CommitPayload).digest), RLP.encode((payload as CommitPayload).commitSeal)])
    case 'roundChange': {
      const prepared = (payload as RoundChangePayload).prepared
      return encodeListOfEncoded([...round, RLP.encode(prepared === undefined ? [] : [scalar(prepared.round), prepared.blockHash])])
    }
  }
}

/** What a payload's signature signs: keccak256(RLP([code, payload])). */
function signingHash(type: MessageType, encodedPayload: Uint8Array): Uint8Array {
  return keccak256(encodeListOfEncoded([RLP.encode(scalar(MessageCode[type])), encodedPayload]))
}

/** 65-byte r || s || v (v = 0/1) signature of a 32-byte digest. */
export function signHash(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { r, s, recovery } = signDigest(digest, privateKey)
  return concatBytes(r, s, Uint8Array.of(recovery))
}

/** The address that made a 65-byte r || s || v signature over `digest`; throws on a malformed one. */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array, requireLowS = true): Uint8Array {
  if (signature.length !== 65) throw new QbftDecodeError('signature: expected 65 bytes')
  const v = signature[64]
  if (v !== 0 && v !== 1) throw new QbftDecodeError(`signature: recovery id ${v}, expected 0 or 1`)
  const s = BigInt(`0x${Buffer.from(signature.subarray(32, 64)).toString('hex')}`)
  if (requireLowS && s > HALF_N) throw new QbftDecodeError('signature: s above n/2')
  try {
    return publicKeyToAddress(recoverPublicKey(digest, v, signature.subarray(0, 32), signature.subarray(32, 64)))
  } catch (error) {
    throw new QbftDecodeError(`signature: ${(error as Error).message}`)
  }
}

type AnyPayload = ProposalPayload | PreparePayload | CommitPayload | RoundChangePayload

/** The wire bytes of a signed payload: RLP [payload, signature]. */
export function encodeSigned(type: MessageType, payload: AnyPayload, signature: Uint8Array): Uint8Array {
  return encodeListOfEncoded([encodePayload(type, payload), RLP.encode(signature)])
}

function sign<P extends AnyPayload>(type: MessageType, payload: P, privateKey: Uint8Array, author: Uint8Array): Signed<P> {
  const signature = signHash(signingHash(type, encodePayload(type, payload)), privateKey)
  return { payload, signature, author, encoded: encodeSigned(type, payload, signature) }
}

/** Builds signed messages for one validator key. */
export class MessageFactory {
  private readonly privateKey: Uint8Array
  readonly address: Uint8Array

  constructor(privateKey: Uint8Array, address: Uint8Array) {
    this.privateKey = privateKey
    this.address = address
  }

  proposal(payload: ProposalPayload, roundChanges: Signed<RoundChangePayload>[] = [], prepares: Signed<PreparePayload>[] = []): Proposal {
    return { type: 'proposal', signed: sign('proposal', payload, this.privateKey, this.address), roundChanges, prepares }
  }

  prepare(payload: PreparePayload): Prepare {
    return { type: 'prepare', signed: sign('prepare', payload, this.privateKey, this.address) }
  }

  commit(payload: PreparePayload, commitSealHash: Uint8Array): Commit {
    const commitSeal = signHash(commitSealHash, this.privateKey)
    return { type: 'commit', signed: sign('commit', { ...payload, commitSeal }, this.privateKey, this.address) }
  }

  roundChange(payload: RoundChangePayload, preparedBlock?: Uint8Array, prepares: Signed<PreparePayload>[] = []): RoundChange {
    return { type: 'roundChange', signed: sign('roundChange', payload, this.privateKey, this.address), preparedBlock, prepares }
  }
}

/** The message's wire bytes (its code travels beside them, e.g. as the first byte of a gossip message). */
export function encodeMessage(message: QbftMessage): Uint8Array {
  switch (message.type) {
    case 'prepare':
    case 'commit':
      return message.signed.encoded
    case 'proposal':
      return encodeListOfEncoded([message.signed.encoded, encodeListOfEncoded([encodedList(message.roundChanges), encodedList(message.prepares)])])
    case 'roundChange':
      return encodeListOfEncoded([message.signed.encoded, message.preparedBlock ?? RLP.encode([]), encodedList(message.prepares)])
  }
}

/** An RLP list of signed payloads, from their wire bytes. */
function encodedList(signed: Signed<unknown>[]): Uint8Array {
  return encodeListOfEncoded(signed.map((s) => s.encoded))
}

/** Decodes and authenticates a message: every signature is checked and its author recovered. Throws QbftDecodeError. */
export function decodeMessage(type: MessageType, bytes: Uint8Array): QbftMessage {
  const item = decodeRlp(bytes, type)
  switch (type) {
    case 'prepare':
      return { type, signed: decodeSigned('prepare', item, decodePrepare) }
    case 'commit':
      return { type, signed: decodeSigned('commit', item, decodeCommit) }
    case 'proposal': {
      const [signed, justification] = readList(item, 'proposal', 2)
      const [roundChanges, prepares] = readList(justification, 'proposal justification', 2)
      return {
        type,
        signed: decodeSigned('proposal', signed, decodeProposal),
        roundChanges: readList(roundChanges, 'proposal round changes').map((rc) => decodeSigned('roundChange', rc, decodeRoundChange)),
        prepares: readList(prepares, 'proposal prepares').map((p) => decodeSigned('prepare', p, decodePrepare)),
      }
    }
    case 'roundChange': {
      const items = readList(item, 'round change')
      // Besu 26.1 adds an optional block access list before the prepares; older nodes send 3 items.
      if (items.length !== 3 && items.length !== 4) throw new QbftDecodeError(`round change: expected 3 items, got ${items.length}`)
      const block = items[1]
      const prepared = Array.isArray(block) && block.length === 0 ? undefined : RLP.encode(readList(block, 'round change prepared block') as never)
      return {
        type,
        signed: decodeSigned('roundChange', items[0], decodeRoundChange),
        preparedBlock: prepared,
        prepares: readList(items[items.length - 1], 'round change prepares').map((p) => decodeSigned('prepare', p, decodePrepare)),
      }
    }
  }
}

function decodeSigned<P>(type: MessageType, item: unknown, decodePayload: (payload: unknown[]) => P): Signed<P> {
  const [payload, signature] = readList(item, `${type} signed data`, 2)
  const fields = readList(payload, `${type} payload`)
  const encodedPayload = RLP.encode(fields as never)
  const sig = readBytes(signature, `${type} signature`, 65)
  return { payload: decodePayload(fields), signature: sig, author: recoverSigner(signingHash(type, encodedPayload), sig), encoded: RLP.encode(item as never) }
}

function heightAndRound(fields: unknown[], what: string): { height: bigint; round: number } {
  return { height: readScalar(fields[0], `${what} height`), round: readRound(fields[1], `${what} round`) }
}

function decodeProposal(fields: unknown[]): ProposalPayload {
  // Besu 26.1 appends an optional block access list (RLP null); 3 items otherwise.
  if (fields.length !== 3 && fields.length !== 4) throw new QbftDecodeError(`proposal payload: expected 3 items, got ${fields.length}`)
  return { ...heightAndRound(fields, 'proposal'), block: RLP.encode(readList(fields[2], 'proposal block') as never) }
}

function decodePrepare(fields: unknown[]): PreparePayload {
  if (fields.length !== 3) throw new QbftDecodeError(`prepare payload: expected 3 items, got ${fields.length}`)
  return { ...heightAndRound(fields, 'prepare'), digest: readBytes(fields[2], 'prepare digest', 32) }
}

function decodeCommit(fields: unknown[]): CommitPayload {
  if (fields.length !== 4) throw new QbftDecodeError(`commit payload: expected 4 items, got ${fields.length}`)
  return { ...heightAndRound(fields, 'commit'), digest: readBytes(fields[2], 'commit digest', 32), commitSeal: readBytes(fields[3], 'commit seal', 65) }
}

function decodeRoundChange(fields: unknown[]): RoundChangePayload {
  if (fields.length !== 3 && fields.length !== 4) throw new QbftDecodeError(`round change payload: expected 3 items, got ${fields.length}`)
  const prepared = readList(fields[2], 'round change prepared metadata')
  if (prepared.length === 0) return heightAndRound(fields, 'round change')
  if (prepared.length !== 2) throw new QbftDecodeError('round change prepared metadata: expected [round, block hash]')
  return { ...heightAndRound(fields, 'round change'), prepared: { round: readRound(prepared[0], 'prepared round'), blockHash: readBytes(prepared[1], 'prepared block hash', 32) } }
}
