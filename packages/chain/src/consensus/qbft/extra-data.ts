// QBFT's extraData, in Besu's format (QbftExtraDataCodec): the RLP list
// [vanity (32 bytes), validators (20-byte addresses), vote ([] or [recipient, 0xff add | '' drop]),
//  round (scalar), commit seals (65-byte signatures)].
// Three forms are hashed: "all" is what a sealed header carries; "commit-seal" empties the seals
// (what a commit seal signs, with the round kept); "on-chain" also zeroes the round (what the
// block hash covers, so every node agrees on a block whatever seals it collected).
import { RLP } from '@ethereumjs/rlp'
import { QbftDecodeError, decodeRlp, readBytes, readList, readRound, scalar } from './rlp.ts'

export const EXTRA_VANITY_LENGTH = 32
const ADD = 0xff

/** A header vote (validator-set mode "blockheader"): add or drop `recipient`. */
export interface QbftVote {
  recipient: Uint8Array
  add: boolean
}

export interface QbftExtraData {
  vanity: Uint8Array
  /** The validators of this block, sorted ascending (empty in validator-contract mode). */
  validators: Uint8Array[]
  vote?: QbftVote
  /** The round in which the block was proposed and committed. */
  round: number
  /** Commit seals: 65 bytes each, r || s || v with v = 0 or 1. */
  seals: Uint8Array[]
}

export type ExtraDataForm = 'all' | 'commit-seal' | 'on-chain'

export function encodeExtraData(extra: QbftExtraData, form: ExtraDataForm = 'all'): Uint8Array {
  const vote = extra.vote === undefined ? [] : [extra.vote.recipient, extra.vote.add ? Uint8Array.of(ADD) : new Uint8Array()]
  const round = form === 'on-chain' ? new Uint8Array() : scalar(extra.round)
  const seals = form === 'all' ? extra.seals : []
  return RLP.encode([extra.vanity, extra.validators, vote, round, seals])
}

/**
 * Decodes Besu's extraData; throws QbftDecodeError naming the bad part. Extra trailing items
 * are tolerated, as Besu's lenient list read does; the vanity length is not checked on read.
 */
export function decodeExtraData(bytes: Uint8Array): QbftExtraData {
  const items = readList(decodeRlp(bytes, 'extraData'), 'extraData')
  if (items.length < 5) throw new QbftDecodeError(`extraData: expected 5 items, got ${items.length}`)
  const [vanity, validators, vote, round, seals] = items
  return {
    vanity: readBytes(vanity, 'extraData vanity'),
    validators: readList(validators, 'extraData validators').map((v, i) => readBytes(v, `extraData validator ${i}`, 20)),
    vote: decodeVote(vote),
    round: readRound(round, 'extraData round'),
    seals: readList(seals, 'extraData seals').map((s, i) => readBytes(s, `extraData seal ${i}`, 65)),
  }
}

function decodeVote(item: unknown): QbftVote | undefined {
  const vote = readList(item, 'extraData vote')
  if (vote.length === 0) return undefined
  if (vote.length !== 2) throw new QbftDecodeError(`extraData vote: expected [recipient, type], got ${vote.length} items`)
  const recipient = readBytes(vote[0], 'extraData vote recipient', 20)
  const type = readBytes(vote[1], 'extraData vote type')
  // Besu writes a drop as the empty string and accepts a single 0x00 too.
  if (type.length === 0 || (type.length === 1 && type[0] === 0)) return { recipient, add: false }
  if (type.length === 1 && type[0] === ADD) return { recipient, add: true }
  throw new QbftDecodeError('extraData vote type: expected 0xff (add) or empty (drop)')
}
