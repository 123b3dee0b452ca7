// The validator set after a block (Besu's VoteTally / EpochManager, "blockheader" mode): who
// validates the next block, and the header votes cast since the last epoch block. Immutable:
// `apply` returns the state after one more block. In "contract" mode the set is read from the
// validator contract instead and no votes are kept (see engine.ts).
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import type { QbftVote } from './extra-data.ts'
import { readBytes, readList, readScalar, scalar } from './rlp.ts'

/** A header vote on record: `proposer` (the block's coinbase) votes to add or drop `subject`. */
export interface RecordedVote {
  proposer: string
  subject: string
  add: boolean
}

/** Lowercase 0x hex of an address. */
export function addressHex(address: Uint8Array): string {
  return bytesToHex(address).toLowerCase()
}

/** More than half of the validators (Besu's VoteTally threshold, floor(n/2) + 1). */
export function voteThreshold(validators: number): number {
  return Math.floor(validators / 2) + 1
}

/** Votes needed to prepare and to commit: ceil(2n/3) (Besu's BftHelpers, the EEA spec's quorum). */
export function quorum(validators: number): number {
  return Math.floor((2 * validators - 1) / 3) + 1
}

export class ValidatorState {
  readonly number: bigint
  /** Sorted ascending, lowercase hex: the validators of block number + 1. */
  readonly validators: string[]
  readonly votes: RecordedVote[]

  constructor(number: bigint, validators: string[], votes: RecordedVote[] = []) {
    this.number = number
    this.validators = [...new Set(validators.map((v) => v.toLowerCase()))].sort()
    this.votes = votes
  }

  isValidator(address: string): boolean {
    return this.validators.includes(address.toLowerCase())
  }

  /**
   * The state after block `number` (whose parent this state describes), proposed by `proposer`
   * carrying `vote`. An epoch block keeps the validators and clears the votes (its own vote is
   * ignored); otherwise the vote is tallied: a proposer's vote on a subject replaces its earlier
   * one, and more than half of the validators voting the same way adds or drops the subject.
   * A dropped validator's own votes go with it.
   */
  apply(number: bigint, proposer: string, vote: QbftVote | undefined, epoch: boolean): ValidatorState {
    if (epoch || vote === undefined) return new ValidatorState(number, this.validators, epoch ? [] : this.votes)
    const subject = addressHex(vote.recipient)
    const author = proposer.toLowerCase()
    // A vote that would change nothing (add a validator, drop a non-validator) is not counted.
    if (this.isValidator(subject) === vote.add) return new ValidatorState(number, this.validators, this.votes)
    const votes = [...this.votes.filter((v) => !(v.proposer === author && v.subject === subject)), { proposer: author, subject, add: vote.add }]
    const inFavour = votes.filter((v) => v.subject === subject && v.add === vote.add).length
    if (inFavour < voteThreshold(this.validators.length)) return new ValidatorState(number, this.validators, votes)
    const validators = vote.add ? [...this.validators, subject] : this.validators.filter((v) => v !== subject)
    const remaining = votes.filter((v) => v.subject !== subject && (vote.add || v.proposer !== subject))
    return new ValidatorState(number, validators, remaining)
  }

  /** Pending (not yet passed) votes for each subject: subject -> { add, count }. */
  tally(): Map<string, { add: boolean; votes: number }> {
    const tally = new Map<string, { add: boolean; votes: number }>()
    for (const vote of this.votes) {
      const entry = tally.get(vote.subject) ?? { add: vote.add, votes: 0 }
      if (entry.add === vote.add) entry.votes++
      tally.set(vote.subject, entry)
    }
    return tally
  }

  /** RLP [number, [validators], [[proposer, subject, add]]]. */
  encode(): Uint8Array {
    const hex = (a: string) => hexToBytes(a as `0x${string}`)
    return RLP.encode([scalar(this.number), this.validators.map(hex), this.votes.map((v) => [hex(v.proposer), hex(v.subject), v.add ? Uint8Array.of(1) : new Uint8Array()])])
  }

  static decode(bytes: Uint8Array): ValidatorState {
    const [number, validators, votes] = readList(RLP.decode(bytes), 'validator state', 3)
    return new ValidatorState(
      readScalar(number, 'validator state number'),
      readList(validators, 'validators').map((v) => addressHex(readBytes(v, 'validator', 20))),
      readList(votes, 'votes').map((item) => {
        const [proposer, subject, add] = readList(item, 'vote', 3)
        return { proposer: addressHex(readBytes(proposer, 'vote proposer', 20)), subject: addressHex(readBytes(subject, 'vote subject', 20)), add: readBytes(add, 'vote type').length > 0 }
      }),
    )
  }
}

/**
 * The proposer of round `round` of the block after `parentProposer`'s block (Besu's
 * BftProposerSelector with changeEachBlock): the validator after the previous proposer, moved on
 * by the round; when the previous proposer is no longer a validator (or is the zero coinbase of
 * the genesis), counting starts at the first validator above its address, without the +1.
 */
export function proposerFor(validators: string[], parentProposer: string, round: number): string {
  if (validators.length === 0) throw new Error('no validators')
  const previous = parentProposer.toLowerCase()
  const at = validators.indexOf(previous)
  let base: number
  if (at >= 0) base = at + 1
  else {
    const above = validators.findIndex((v) => v > previous)
    base = above >= 0 ? above : 0
  }
  return validators[(base + round) % validators.length]
}
