// One height of QBFT (EEA QBFT spec v1, Besu's QbftBlockHeightManager and QbftRound), seen by
// one validator: wait for the block period, propose when it is this validator's turn, prepare
// an accepted proposal, commit once a quorum prepared it, import the block once a quorum
// committed it; on a round timeout move to the next round with a round change carrying the
// block this validator prepared (its lock). Also the spec's early round change: a round that
// f + 1 validators have moved past is abandoned at once.
import { Block, createBlockHeader } from '@ethereumjs/block'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { Logger } from 'pino'
import type { Chain } from '../../../chain.ts'
import { selectionBudgetMs, timeLimitedSource, type PendingTransactions } from '../../../executor.ts'
import { ISTANBUL_DIGEST, type QbftEngine } from '../engine.ts'
import type { QbftVote } from '../extra-data.ts'
import { commitSealHash } from '../hashing.ts'
import { decodeMessage, recoverSigner, type Commit, type MessageFactory, type Prepare, type Proposal, type QbftMessage, type RoundChange, type Signed, type PreparePayload, type RoundChangePayload } from '../messages.ts'
import { addressHex, quorum } from '../validators.ts'
import { InvalidMessage, bestPrepared, checkPrepareCertificate, checkProposal, checkRoundChange, checkSender, type HeightFacts } from './justification.ts'
import type { QbftMetrics } from './metrics.ts'
import { RoundState } from './round.ts'
import type { PreparedLock, SigningRecord } from './signing-record.ts'

/** Round timers stop doubling here (base x 2^10), so a long outage never leaves a week-long timer. */
const MAX_TIMER_EXPONENT = 10
/** Messages for rounds further ahead than this are dropped (Besu caps rounds too: GHSA-23rh-rrqg-wq82). */
export const MAX_FUTURE_ROUNDS = 64

export interface HeightContext {
  parent: Block
  /** Sorted lowercase: the validators of this height. */
  validators: string[]
  /** This node's signer, when it is a validator of this height. */
  self: MessageFactory | undefined
  engine: QbftEngine
  chain: Chain
  pool: PendingTransactions
  /** Share of the block period a proposal's transaction selection may take, in percent. */
  txsSelectionMaxTimePercent: number
  record: SigningRecord
  broadcast(message: QbftMessage): void
  /** Runs `task` in the validator's message queue (timers must not interleave with handlers). */
  enqueue(task: () => Promise<void>): void
  /** This validator's pending header vote, put into the blocks it proposes. */
  vote(): QbftVote | undefined
  logger: Logger
  metrics: QbftMetrics | null
}

export class HeightManager {
  readonly height: bigint
  private readonly ctx: HeightContext
  private readonly facts: HeightFacts
  private readonly quorum: number
  private readonly rounds = new Map<number, RoundState>()
  /** Target round -> author -> round change. */
  private readonly roundChanges = new Map<number, Map<string, RoundChange>>()
  private readonly proposedRounds = new Set<number>()
  private current = 0
  private started = false
  private committed = false
  private lock: { round: number; block: Block; prepares: Signed<PreparePayload>[] } | undefined
  private blockTimer: NodeJS.Timeout | undefined
  private roundTimer: NodeJS.Timeout | undefined
  private stopped = false
  private readonly startedAt = performance.now()
  /** Why a round has not committed (a rejected proposal), for its round-change log line. */
  private readonly problems = new Map<number, string>()

  constructor(ctx: HeightContext) {
    this.ctx = ctx
    this.height = ctx.parent.header.number + 1n
    this.quorum = quorum(ctx.validators.length)
    this.facts = {
      height: this.height,
      validators: ctx.validators,
      engine: ctx.engine,
      proposerOf: (round) => ctx.engine.proposerFor(ctx.parent.header, round),
      decodeBlock: (rlp) => ctx.chain.decodeBlock(rlp),
    }
    const lock = ctx.record.lockAt(this.height)
    if (lock !== undefined) this.restoreLock(lock)
  }

  get round(): number {
    return this.current
  }

  /** Arms the block timer: round 0 starts when the block period after the parent has passed. */
  start(): void {
    const settings = this.ctx.engine.settingsAt(this.height)
    const due = Number(this.ctx.parent.header.timestamp + BigInt(settings.blockPeriodSeconds)) * 1000
    this.blockTimer = setTimeout(() => this.ctx.enqueue(() => this.onBlockTimer()), Math.max(0, due - Date.now()))
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.blockTimer)
    clearTimeout(this.roundTimer)
  }

  // --- timers ---

  private async onBlockTimer(): Promise<void> {
    if (this.stopped || this.committed || this.started) return
    this.startRound(0)
    if (this.isProposer(0)) await this.proposeNew(0, [])
  }

  /** Moves to `round`: arms its timer (base x 2^round; round 0 also waits out an empty-block period). */
  private startRound(round: number): void {
    this.started = true
    if (round > this.current) this.ctx.metrics?.roundChanged()
    this.current = round
    clearTimeout(this.roundTimer)
    clearTimeout(this.blockTimer)
    const settings = this.ctx.engine.settingsAt(this.height)
    let ms = settings.requestTimeoutSeconds * 1000 * 2 ** Math.min(round, MAX_TIMER_EXPONENT)
    if (round === 0 && settings.emptyBlockPeriodSeconds > 0) {
      // The proposer may hold back an empty block until the empty-block period ends: wait for that too.
      const emptyDue = Number(this.ctx.parent.header.timestamp + BigInt(settings.emptyBlockPeriodSeconds)) * 1000
      ms += Math.max(0, emptyDue - Date.now())
    }
    this.roundTimer = setTimeout(() => this.ctx.enqueue(() => this.onRoundTimeout(round)), ms)
    this.ctx.metrics?.setRound(round)
    // Messages of this round that arrived early.
    this.checkProgress(this.roundState(round))
  }

  private async onRoundTimeout(round: number): Promise<void> {
    if (this.stopped || this.committed || round !== this.current) return
    const state = this.roundState(round)
    const why = this.problems.get(round) ?? (state.proposal === undefined ? `no proposal from ${this.facts.proposerOf(round)}` : state.sentCommit ? `missing commits from ${state.missing(this.ctx.validators, 'commits').join(', ')}` : `missing prepares from ${state.missing(this.ctx.validators, 'prepares').join(', ')}`)
    this.ctx.logger.info({ height: Number(this.height), round, next: round + 1, why }, 'QBFT round change: round timed out')
    await this.changeRound(round + 1)
  }

  /** Starts `round` and tells the others, with this validator's lock. */
  private async changeRound(round: number): Promise<void> {
    this.startRound(round)
    const self = this.ctx.self
    if (self === undefined) return
    const lock = this.lock
    const prepared = lock === undefined ? undefined : { round: lock.round, blockHash: commitSealHash(lock.block.header) }
    if (!(await this.ctx.record.sign(this.height, 'roundChange', round, prepared?.blockHash ?? new Uint8Array()))) return
    const message = self.roundChange({ height: this.height, round, prepared }, lock?.block.serialize(), lock?.prepares ?? [])
    this.ctx.broadcast(message)
    await this.onRoundChange(message)
  }

  // --- proposing ---

  private isProposer(round: number): boolean {
    return this.ctx.self !== undefined && this.facts.proposerOf(round) === addressHex(this.ctx.self.address)
  }

  /** Proposes a new block of this validator's own in `round`, justified by `roundChanges` after round 0. */
  private async proposeNew(round: number, roundChanges: Signed<RoundChangePayload>[]): Promise<void> {
    const { chain, engine, pool, parent } = this.ctx
    const self = this.ctx.self!
    await pool.synced(parent)
    const settings = engine.settingsAt(this.height)
    const now = BigInt(Math.floor(Date.now() / 1000))
    const earliest = parent.header.timestamp + BigInt(settings.blockPeriodSeconds)
    const block = await chain.buildBlock({
      parent,
      fields: {
        timestamp: now > earliest ? now : earliest,
        difficulty: 1n,
        extraData: engine.proposalExtraData(parent.header, round, this.ctx.vote()),
        coinbase: self.address,
        nonce: new Uint8Array(8),
        mixHash: ISTANBUL_DIGEST,
        author: self.address,
      },
      source: timeLimitedSource(pool.executable(parent.header.calcNextBaseFee()), selectionBudgetMs(settings.blockPeriodSeconds, this.ctx.txsSelectionMaxTimePercent)),
      requireTransactions: false,
    })
    if (block === undefined || this.stopped) return
    const emptyFrom = parent.header.timestamp + BigInt(settings.emptyBlockPeriodSeconds)
    // Judged by the block's own timestamp, taken before it was built: a clock that crossed the
    // period's end while it was built must not give an empty block a time inside the period.
    if (round === 0 && block.transactions.length === 0 && settings.emptyBlockPeriodSeconds > 0 && block.header.timestamp < emptyFrom) {
      // Besu's empty-block period: no empty block before it ends; a transaction wakes the proposer.
      this.waitToProposeEmpty(Number(emptyFrom) * 1000)
      return
    }
    await this.propose(round, block, roundChanges, [])
  }

  private waitToProposeEmpty(until: number): void {
    const retry = () => {
      stopWatching()
      clearTimeout(timer)
      this.ctx.enqueue(async () => {
        if (!this.stopped && !this.committed && this.current === 0 && !this.proposedRounds.has(0)) await this.proposeNew(0, [])
      })
    }
    const timer = setTimeout(retry, Math.max(0, until - Date.now()))
    const stopWatching = this.ctx.pool.onPending(retry)
  }

  private async propose(round: number, block: Block, roundChanges: Signed<RoundChangePayload>[], prepares: Signed<PreparePayload>[]): Promise<void> {
    const self = this.ctx.self!
    if (this.proposedRounds.has(round)) return
    if (!(await this.ctx.record.sign(this.height, 'proposal', round, commitSealHash(block.header)))) return
    this.proposedRounds.add(round)
    const message = self.proposal({ height: this.height, round, block: block.serialize() }, roundChanges, prepares)
    this.ctx.broadcast(message)
    this.ctx.metrics?.proposed()
    await this.onProposal(message)
  }

  // --- messages ---

  /** Handles an authenticated message for this height; throws InvalidMessage when it breaks a rule. */
  async handle(message: QbftMessage): Promise<void> {
    if (this.stopped || this.committed) return
    const round = message.signed.payload.round
    if (round > this.current + MAX_FUTURE_ROUNDS) throw new InvalidMessage(`round ${round} is too far ahead of round ${this.current}`)
    this.ctx.metrics?.received(message.type)
    switch (message.type) {
      case 'proposal':
        return this.onProposal(message)
      case 'prepare':
      case 'commit':
        return this.onVote(message)
      case 'roundChange':
        return this.onRoundChange(message)
    }
  }

  private roundState(round: number): RoundState {
    let state = this.rounds.get(round)
    if (state === undefined) {
      state = new RoundState(round)
      this.rounds.set(round, state)
    }
    return state
  }

  private async onProposal(message: Proposal): Promise<void> {
    const { round } = message.signed.payload
    if (round < this.current) return
    const state = this.roundState(round)
    if (state.proposal !== undefined) {
      if (!equalsBytes(state.proposal.message.signed.payload.block, message.signed.payload.block)) throw new InvalidMessage(`a second, different proposal for round ${round}`)
      return
    }
    const block = checkProposal(this.facts, message)
    try {
      this.ctx.engine.verifyHeader(block.header)
      this.ctx.engine.verifyProposalAgainstParent(block.header, this.ctx.parent.header)
      if (this.ctx.engine.extraData(block.header).seals.length > 0) throw new InvalidMessage('a proposal carries commit seals')
      await this.ctx.chain.executeBlock(block)
    } catch (error) {
      this.problems.set(round, `proposal of ${addressHex(message.signed.author)} rejected: ${(error as Error).message}`)
      throw error instanceof InvalidMessage ? error : new InvalidMessage(`invalid proposed block: ${(error as Error).message}`)
    }
    if (this.stopped || this.committed || round < this.current) return
    state.proposal = { message, block, digest: commitSealHash(block.header) }
    if (round > this.current) this.startRound(round)
    else if (!this.started) this.startRound(round)
    const self = this.ctx.self
    if (self !== undefined && !state.sentPrepare && (await this.ctx.record.sign(this.height, 'prepare', round, state.proposal.digest))) {
      state.sentPrepare = true
      const prepare = self.prepare({ height: this.height, round, digest: state.proposal.digest })
      this.ctx.broadcast(prepare)
      state.prepares.set(addressHex(self.address), prepare)
    }
    this.checkProgress(state)
  }

  /** Files a prepare or commit under its round (rounds ahead of this one are kept for when they start). */
  private async onVote(message: Prepare | Commit): Promise<void> {
    checkSender(this.facts, message.signed)
    const { round } = message.signed.payload
    if (round < this.current) return
    const state = this.roundState(round)
    if (message.type === 'prepare') state.prepares.set(addressHex(message.signed.author), message)
    else state.commits.set(addressHex(message.signed.author), message)
    this.checkProgress(state)
  }

  /** Prepared -> send commit; committed -> seal and import. Only for the current round. */
  private checkProgress(state: RoundState): void {
    if (state.round !== this.current || state.proposal === undefined || this.committed) return
    const self = this.ctx.self
    const prepares = state.matchingPrepares()
    if (prepares.length >= this.quorum && !state.sentCommit) {
      state.sentCommit = true
      this.lock = { round: state.round, block: state.proposal.block, prepares: prepares.slice(0, this.quorum) }
      if (self !== undefined) this.ctx.enqueue(() => this.sendCommit(state))
    }
    const commits = state.matchingCommits().filter((commit) => this.validSeal(commit, state))
    if (commits.length >= this.quorum) this.ctx.enqueue(() => this.commitBlock(state, commits))
  }

  private async sendCommit(state: RoundState): Promise<void> {
    const self = this.ctx.self!
    const proposal = state.proposal!
    const lock = { round: state.round, block: proposal.block.serialize(), prepares: this.lock!.prepares.map((p) => p.encoded) }
    if (!(await this.ctx.record.sign(this.height, 'commit', state.round, proposal.digest, lock))) return
    const commit = self.commit({ height: this.height, round: state.round, digest: proposal.digest }, proposal.digest)
    this.ctx.broadcast(commit)
    state.commits.set(addressHex(self.address), commit)
    this.checkProgress(state)
  }

  /** A commit's seal must be its author's signature over the proposal's commit-seal hash. */
  private validSeal(commit: Commit, state: RoundState): boolean {
    try {
      return equalsBytes(recoverSigner(state.proposal!.digest, commit.signed.payload.commitSeal, false), commit.signed.author)
    } catch {
      return false
    }
  }

  private async commitBlock(state: RoundState, commits: Commit[]): Promise<void> {
    if (this.committed || this.stopped) return
    this.committed = true
    const { block } = state.proposal!
    const seals = commits.map((c) => c.signed.payload.commitSeal)
    const extraData = this.ctx.engine.withRoundAndSeals(block.header, state.round, seals)
    const header = this.ctx.chain.adoptHeader(createBlockHeader({ ...block.header.toJSON(), extraData }, { common: this.ctx.chain.common, params: {} }))
    const sealed = new Block(header, block.transactions, [], [], { common: this.ctx.chain.common, params: {} })
    clearTimeout(this.roundTimer)
    this.ctx.metrics?.committed(performance.now() - this.startedAt, state.round, commits.map((c) => addressHex(c.signed.author)))
    try {
      await this.ctx.chain.importBlock(sealed, { sealedHere: true })
    } catch (error) {
      this.committed = false
      this.ctx.logger.error({ err: error, height: Number(this.height), round: state.round }, 'QBFT: importing the committed block failed')
    }
  }

  private async onRoundChange(message: RoundChange): Promise<void> {
    const target = message.signed.payload.round
    if (target < this.current) return
    checkRoundChange(this.facts, message)
    let byAuthor = this.roundChanges.get(target)
    if (byAuthor === undefined) {
      byAuthor = new Map()
      this.roundChanges.set(target, byAuthor)
    }
    byAuthor.set(addressHex(message.signed.author), message)
    // The spec's early round change: f + 1 validators are past this round, so at least one honest one is.
    const ahead = new Map<string, number>()
    for (const [round, authors] of this.roundChanges) if (round > this.current) for (const a of authors.keys()) ahead.set(a, Math.min(ahead.get(a) ?? round, round))
    const f = Math.floor((this.ctx.validators.length - 1) / 3)
    if (ahead.size >= f + 1 && target > this.current && !this.proposedRounds.has(target)) {
      const next = Math.min(...ahead.values())
      if (next > this.current) {
        this.ctx.logger.info({ height: Number(this.height), round: this.current, next, why: `${ahead.size} validators are at later rounds` }, 'QBFT round change: others moved on')
        await this.changeRound(next)
      }
    }
    const justification = this.roundChanges.get(target)
    if (justification !== undefined && justification.size >= this.quorum && target >= this.current) {
      if (target > this.current) this.startRound(target)
      if (this.isProposer(target) && !this.proposedRounds.has(target)) await this.proposeAfterRoundChange(target, [...justification.values()].slice(0, this.quorum))
    }
  }

  private async proposeAfterRoundChange(round: number, justification: RoundChange[]): Promise<void> {
    const roundChanges = justification.map((rc) => rc.signed)
    const best = bestPrepared(roundChanges)
    if (best === undefined) return this.proposeNew(round, roundChanges)
    const source = justification.find((rc) => rc.signed === best)!
    const prepared = this.facts.decodeBlock(source.preparedBlock!)
    // The prepared block, moved to this round: same body and proposer, only extraData's round changes.
    const extraData = this.ctx.engine.withRoundAndSeals(prepared.header, round, [])
    const header = this.ctx.chain.adoptHeader(createBlockHeader({ ...prepared.header.toJSON(), extraData }, { common: this.ctx.chain.common, params: {} }))
    await this.propose(round, new Block(header, prepared.transactions, [], [], { common: this.ctx.chain.common, params: {} }), roundChanges, source.prepares)
  }

  private restoreLock(lock: PreparedLock): void {
    try {
      const block = this.ctx.chain.decodeBlock(lock.block)
      const prepares = lock.prepares.map((encoded) => (decodeMessage('prepare', encoded) as Prepare).signed)
      checkPrepareCertificate(this.facts, prepares, lock.round, commitSealHash(block.header))
      this.lock = { round: lock.round, block, prepares }
    } catch (error) {
      this.ctx.logger.warn({ err: error, height: Number(this.height) }, 'QBFT: the stored prepared block could not be restored')
    }
  }

  /** For logs and metrics: who proposed round 0 and where this height stands. */
  describe(): Record<string, unknown> {
    return { height: Number(this.height), round: this.current, validators: this.ctx.validators.length, proposer: this.facts.proposerOf(this.current), parent: bytesToHex(this.ctx.parent.hash()), self: this.ctx.self === undefined ? null : addressHex(this.ctx.self.address) }
  }
}

