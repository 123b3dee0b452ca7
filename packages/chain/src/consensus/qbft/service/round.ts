// What one validator knows of one round of one height: the accepted proposal, and the
// prepares and commits received for it (kept even before the proposal arrives: messages
// of a round can overtake its proposal).
import type { Block } from '@ethereumjs/block'
import { equalsBytes } from '@ethereumjs/util'
import type { Commit, Prepare, Proposal, Signed, PreparePayload } from '../messages.ts'
import { addressHex } from '../validators.ts'

export interface AcceptedProposal {
  message: Proposal
  block: Block
  /** The proposed block's commit-seal hash: what prepares and commits name. */
  digest: Uint8Array
}

export class RoundState {
  readonly round: number
  proposal: AcceptedProposal | undefined
  readonly prepares = new Map<string, Prepare>()
  readonly commits = new Map<string, Commit>()
  sentPrepare = false
  sentCommit = false

  constructor(round: number) {
    this.round = round
  }

  /** Prepares that name the accepted proposal. */
  matchingPrepares(): Signed<PreparePayload>[] {
    const digest = this.proposal?.digest
    if (digest === undefined) return []
    return [...this.prepares.values()].filter((p) => equalsBytes(p.signed.payload.digest, digest)).map((p) => p.signed)
  }

  /** Commits that name the accepted proposal (their seals are checked when they arrive). */
  matchingCommits(): Commit[] {
    const digest = this.proposal?.digest
    if (digest === undefined) return []
    return [...this.commits.values()].filter((c) => equalsBytes(c.signed.payload.digest, digest))
  }

  /** Validators with no prepare (or commit) naming the proposal: for the round-change log line. */
  missing(validators: string[], kind: 'prepares' | 'commits'): string[] {
    const have = new Set((kind === 'prepares' ? this.matchingPrepares() : this.matchingCommits().map((c) => c.signed)).map((s) => addressHex(s.author)))
    return validators.filter((v) => !have.has(v))
  }
}
