// The message rules of the EEA QBFT spec (and Besu's ProposalValidator, RoundChangeMessageValidator):
// who may send what for a height, and how a proposal after a round change proves it is safe
// (a quorum of round changes, and the prepares of the block it re-proposes, if any was
// prepared). Block validity (execution) is checked by the chain, not here.
import type { Block } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { commitSealHash } from '../hashing.ts'
import type { PreparePayload, Proposal, RoundChange, RoundChangePayload, Signed } from '../messages.ts'
import { addressHex, quorum } from '../validators.ts'
import type { QbftEngine } from '../engine.ts'

/** A message that breaks a rule: dropped, and its sender penalised when it came from a peer. */
export class InvalidMessage extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'InvalidMessage'
  }
}

/** What the rules need to know of the height being decided. */
export interface HeightFacts {
  height: bigint
  /** Sorted lowercase addresses. */
  validators: string[]
  engine: QbftEngine
  proposerOf(round: number): string
  decodeBlock(rlp: Uint8Array): Block
}

function author(signed: Signed<unknown>): string {
  return addressHex(signed.author)
}

/** An author is a validator of the height and the message is for the height. */
export function checkSender(facts: HeightFacts, signed: Signed<{ height: bigint }>): void {
  if (signed.payload.height !== facts.height) throw new InvalidMessage(`for height ${signed.payload.height}, not ${facts.height}`)
  if (!facts.validators.includes(author(signed))) throw new InvalidMessage(`from ${author(signed)}, not a validator of height ${facts.height}`)
}

/** At least a quorum of prepares, from distinct validators, for (height, round, digest). */
export function checkPrepareCertificate(facts: HeightFacts, prepares: Signed<PreparePayload>[], round: number, digest: Uint8Array): void {
  const authors = new Set<string>()
  for (const prepare of prepares) {
    checkSender(facts, prepare)
    if (prepare.payload.round !== round || !equalsBytes(prepare.payload.digest, digest)) throw new InvalidMessage(`a prepare of the certificate names round ${prepare.payload.round}/${bytesToHex(prepare.payload.digest)}`)
    authors.add(author(prepare))
  }
  if (authors.size !== prepares.length) throw new InvalidMessage('a validator appears twice in a prepare certificate')
  if (authors.size < quorum(facts.validators.length)) throw new InvalidMessage(`${authors.size} prepares, quorum is ${quorum(facts.validators.length)}`)
}

function decodeProposed(facts: HeightFacts, rlp: Uint8Array, what: string): Block {
  let block: Block
  try {
    block = facts.decodeBlock(rlp)
  } catch (error) {
    throw new InvalidMessage(`${what} is not a block: ${(error as Error).message}`)
  }
  if (block.header.number !== facts.height) throw new InvalidMessage(`${what} has number ${block.header.number}, not ${facts.height}`)
  return block
}

function extraRound(facts: HeightFacts, block: Block): number {
  try {
    return facts.engine.extraData(block.header).round
  } catch (error) {
    throw new InvalidMessage((error as Error).message)
  }
}

/** Checks a round change; returns its prepared block (decoded) when it carries one. */
export function checkRoundChange(facts: HeightFacts, message: RoundChange): Block | undefined {
  const { payload } = message.signed
  checkSender(facts, message.signed)
  if (payload.round < 1) throw new InvalidMessage('a round change targets round 0')
  if ((payload.prepared === undefined) !== (message.preparedBlock === undefined)) throw new InvalidMessage('prepared metadata and prepared block must come together')
  if (payload.prepared === undefined) {
    if (message.prepares.length > 0) throw new InvalidMessage('prepares without a prepared block')
    return undefined
  }
  if (payload.prepared.round >= payload.round) throw new InvalidMessage(`prepared in round ${payload.prepared.round}, not before round ${payload.round}`)
  const block = decodeProposed(facts, message.preparedBlock!, 'the prepared block')
  if (extraRound(facts, block) !== payload.prepared.round) throw new InvalidMessage('the prepared block does not carry its prepared round')
  if (!equalsBytes(commitSealHash(block.header), payload.prepared.blockHash)) throw new InvalidMessage('the prepared block does not match its hash')
  checkPrepareCertificate(facts, message.prepares, payload.prepared.round, payload.prepared.blockHash)
  return block
}

/** The round change, among a justification, that prepared in the highest round (if any did). */
export function bestPrepared(roundChanges: Signed<RoundChangePayload>[]): Signed<RoundChangePayload> | undefined {
  let best: Signed<RoundChangePayload> | undefined
  for (const rc of roundChanges) {
    const prepared = rc.payload.prepared
    if (prepared !== undefined && (best === undefined || prepared.round > best.payload.prepared!.round)) best = rc
  }
  return best
}

/**
 * Checks a proposal's sender, round and justification; returns its block (not yet executed).
 * Round 0: proposed by its proposer, no justification. Later rounds: a quorum of round changes
 * for the round; if any of them prepared a block, the proposal is that block (moved to this
 * round) with the prepares proving it, otherwise a new block of the proposer's own.
 */
export function checkProposal(facts: HeightFacts, proposal: Proposal): Block {
  const { payload } = proposal.signed
  checkSender(facts, proposal.signed)
  const expected = facts.proposerOf(payload.round)
  if (author(proposal.signed) !== expected) throw new InvalidMessage(`round ${payload.round} is proposed by ${expected}, not ${author(proposal.signed)}`)
  const block = decodeProposed(facts, payload.block, 'the proposal')
  if (extraRound(facts, block) !== payload.round) throw new InvalidMessage('the proposed block does not carry the proposal round')
  const ownBlock = () => {
    if (proposal.prepares.length > 0) throw new InvalidMessage('prepares justify nothing: no round change prepared a block')
    if (addressHex(block.header.coinbase.bytes) !== expected) throw new InvalidMessage('a new block must be the proposer\'s own (coinbase)')
    return block
  }
  if (payload.round === 0) {
    if (proposal.roundChanges.length > 0) throw new InvalidMessage('a round 0 proposal carries round changes')
    return ownBlock()
  }
  const authors = new Set<string>()
  for (const rc of proposal.roundChanges) {
    checkSender(facts, rc)
    if (rc.payload.round !== payload.round) throw new InvalidMessage(`a justifying round change targets round ${rc.payload.round}`)
    authors.add(author(rc))
  }
  if (authors.size !== proposal.roundChanges.length) throw new InvalidMessage('a validator appears twice among the round changes')
  if (authors.size < quorum(facts.validators.length)) throw new InvalidMessage(`${authors.size} round changes, quorum is ${quorum(facts.validators.length)}`)
  const best = bestPrepared(proposal.roundChanges)
  if (best === undefined) return ownBlock()
  const prepared = best.payload.prepared!
  if (!equalsBytes(commitSealHash(block.header, prepared.round), prepared.blockHash)) throw new InvalidMessage('the proposal is not the block prepared in the highest round')
  checkPrepareCertificate(facts, proposal.prepares, prepared.round, prepared.blockHash)
  return block
}
