// Which QBFT settings hold at a block: `config.qbft`, then each `config.transitions.qbft` entry
// from its block on (Besu's QbftForksSchedule: each entry inherits what it does not set).
import type { QbftConfig, QbftTransition } from '@busan/chain-config'

/** The settings in force at one block. */
export interface QbftSettings {
  blockPeriodSeconds: number
  emptyBlockPeriodSeconds: number
  requestTimeoutSeconds: number
  epochLength: number
  /** Set in validator-contract mode; header votes otherwise. */
  validatorContract?: string
  /** Header mode: a transition that sets the validators of exactly this block. */
  validatorsOverride?: string[]
}

export class QbftSchedule {
  private readonly config: QbftConfig
  private readonly transitions: QbftTransition[]

  constructor(config: QbftConfig, transitions: QbftTransition[] = []) {
    this.config = config
    this.transitions = [...transitions].sort((a, b) => a.block - b.block)
  }

  /** The first QBFT block: 1, or `startblock` on a chain that starts on Clique. */
  get firstBlock(): bigint {
    return BigInt(this.config.startblock ?? 1)
  }

  /** Epoch blocks reset header votes: every `epochlength` blocks counted from the first QBFT block's parent. */
  isEpochBlock(number: bigint): boolean {
    const origin = this.firstBlock - 1n
    return number >= origin && (number - origin) % BigInt(this.settingsAt(number).epochLength) === 0n
  }

  settingsAt(number: bigint): QbftSettings {
    const settings: QbftSettings = {
      blockPeriodSeconds: this.config.blockperiodseconds,
      emptyBlockPeriodSeconds: this.config.emptyblockperiodseconds,
      requestTimeoutSeconds: this.config.requesttimeoutseconds,
      epochLength: this.config.epochlength,
      validatorContract: this.config.validatorcontractaddress,
    }
    for (const transition of this.transitions) {
      if (BigInt(transition.block) > number) break
      if (transition.blockperiodseconds !== undefined) settings.blockPeriodSeconds = transition.blockperiodseconds
      if (transition.emptyblockperiodseconds !== undefined) settings.emptyBlockPeriodSeconds = transition.emptyblockperiodseconds
      if (transition.validatorselectionmode === 'contract') settings.validatorContract = transition.validatorcontractaddress
      if (transition.validatorselectionmode === 'blockheader') settings.validatorContract = undefined
      else if (transition.validatorcontractaddress !== undefined) settings.validatorContract = transition.validatorcontractaddress
      if (transition.validators !== undefined && BigInt(transition.block) === number) settings.validatorsOverride = transition.validators
    }
    return settings
  }
}
