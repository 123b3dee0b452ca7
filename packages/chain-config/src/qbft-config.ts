// QBFT's genesis configuration, Besu's `config.qbft` and `config.transitions.qbft` sections.
// Besu reads genesis keys case-insensitively and spells the empty-block period
// `xemptyblockperiodseconds` (GoQuorum: `emptyblockperiodseconds`); both are accepted here.
// Defaults are Besu's (JsonBftConfigOptions).

/** `config.qbft` after defaults are applied. */
export interface QbftConfig {
  /** Minimum seconds between blocks (Besu default 1). */
  blockperiodseconds: number
  /** Blocks between epoch blocks, where header votes reset (Besu default 30,000). */
  epochlength: number
  /** Round 0 timeout in seconds; round r waits this x 2^r (Besu default 1). */
  requesttimeoutseconds: number
  /** An empty block is proposed only after this many seconds (0 = every period; Besu's `xemptyblockperiodseconds`). */
  emptyblockperiodseconds: number
  /** Validators come from this contract's `getValidators()` instead of header votes. */
  validatorcontractaddress?: string
  /** First QBFT block of a chain that starts on Clique (Busan's Clique-to-QBFT migration). */
  startblock?: number
}

/** One `config.transitions.qbft` entry: from `block` on, these settings replace the earlier ones. */
export interface QbftTransition {
  block: number
  blockperiodseconds?: number
  emptyblockperiodseconds?: number
  /** "blockheader" (votes in headers) or "contract" (validatorcontractaddress). */
  validatorselectionmode?: 'blockheader' | 'contract'
  validatorcontractaddress?: string
  /** Header mode only: the validator set from this block on, replacing the voted one. */
  validators?: string[]
}

export const QBFT_DEFAULTS: Readonly<QbftConfig> = Object.freeze({ blockperiodseconds: 1, epochlength: 30_000, requesttimeoutseconds: 1, emptyblockperiodseconds: 0 })

const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** Keys lower-cased (Besu's rule), `xemptyblockperiodseconds` read as `emptyblockperiodseconds`. */
function lowerKeys(section: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(section)) {
    const lower = key.toLowerCase()
    out[lower === 'xemptyblockperiodseconds' ? 'emptyblockperiodseconds' : lower] = value
  }
  return out
}

function integer(problems: string[], path: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    problems.push(`${path} must be an integer >= ${min}, got ${JSON.stringify(value)}`)
    return undefined
  }
  return value
}

function address(problems: string[], path: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !ADDRESS.test(value)) {
    problems.push(`${path} must be a 0x-prefixed 20-byte address, got ${JSON.stringify(value)}`)
    return undefined
  }
  return value.toLowerCase()
}

/**
 * Reads `config.qbft` (any key case) into a QbftConfig with Besu's defaults; pushes a message
 * naming each bad field onto `problems`. `migratesFromClique`: `startblock` is allowed only then.
 */
export function parseQbftConfig(raw: unknown, problems: string[], migratesFromClique: boolean): QbftConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push('config.qbft must be an object')
    return { ...QBFT_DEFAULTS }
  }
  const section = lowerKeys(raw as Record<string, unknown>)
  const known = new Set(['blockperiodseconds', 'epochlength', 'requesttimeoutseconds', 'emptyblockperiodseconds', 'validatorcontractaddress', 'startblock'])
  for (const key of Object.keys(section)) if (!known.has(key)) problems.push(`config.qbft.${key} is not a QBFT setting this node knows`)
  const config: QbftConfig = {
    blockperiodseconds: integer(problems, 'config.qbft.blockperiodseconds', section.blockperiodseconds, 1) ?? QBFT_DEFAULTS.blockperiodseconds,
    epochlength: integer(problems, 'config.qbft.epochlength', section.epochlength, 1) ?? QBFT_DEFAULTS.epochlength,
    requesttimeoutseconds: integer(problems, 'config.qbft.requesttimeoutseconds', section.requesttimeoutseconds, 1) ?? QBFT_DEFAULTS.requesttimeoutseconds,
    emptyblockperiodseconds: integer(problems, 'config.qbft.emptyblockperiodseconds', section.emptyblockperiodseconds, 0) ?? QBFT_DEFAULTS.emptyblockperiodseconds,
  }
  const contract = address(problems, 'config.qbft.validatorcontractaddress', section.validatorcontractaddress)
  if (contract !== undefined) config.validatorcontractaddress = contract
  const start = integer(problems, 'config.qbft.startblock', section.startblock, 1)
  if (start !== undefined) {
    if (!migratesFromClique) problems.push('config.qbft.startblock is only for a chain that starts on Clique (config.clique)')
    config.startblock = start
  } else if (migratesFromClique) problems.push('config.qbft.startblock is required when config.clique is also set (the block QBFT takes over)')
  return config
}

/** Reads `config.transitions.qbft`: blocks strictly increasing, each entry's fields checked. */
export function parseQbftTransitions(raw: unknown, problems: string[]): QbftTransition[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) {
    problems.push('config.transitions.qbft must be an array')
    return []
  }
  const transitions: QbftTransition[] = []
  raw.forEach((entry, i) => {
    const path = `config.transitions.qbft[${i}]`
    if (typeof entry !== 'object' || entry === null) return problems.push(`${path} must be an object`)
    const fields = lowerKeys(entry as Record<string, unknown>)
    const block = integer(problems, `${path}.block`, fields.block, 1)
    if (block === undefined) return fields.block === undefined ? problems.push(`${path}.block is required`) : undefined
    if (transitions.length > 0 && block <= transitions[transitions.length - 1].block) problems.push(`${path}.block must be after the previous transition's block`)
    const transition: QbftTransition = { block }
    const period = integer(problems, `${path}.blockperiodseconds`, fields.blockperiodseconds, 1)
    if (period !== undefined) transition.blockperiodseconds = period
    const empty = integer(problems, `${path}.emptyblockperiodseconds`, fields.emptyblockperiodseconds, 0)
    if (empty !== undefined) transition.emptyblockperiodseconds = empty
    const mode = fields.validatorselectionmode
    if (mode !== undefined) {
      const lower = typeof mode === 'string' ? mode.toLowerCase() : mode
      if (lower !== 'blockheader' && lower !== 'contract') problems.push(`${path}.validatorselectionmode must be "blockheader" or "contract"`)
      else transition.validatorselectionmode = lower
    }
    const contract = address(problems, `${path}.validatorcontractaddress`, fields.validatorcontractaddress)
    if (contract !== undefined) transition.validatorcontractaddress = contract
    if (fields.validators !== undefined) {
      const list = Array.isArray(fields.validators) ? fields.validators.map((v, j) => address(problems, `${path}.validators[${j}]`, v)) : undefined
      if (list === undefined || list.length === 0) problems.push(`${path}.validators must be a non-empty list of addresses`)
      else transition.validators = list.filter((v): v is string => v !== undefined)
    }
    if (transition.validatorselectionmode === 'contract' && transition.validatorcontractaddress === undefined) problems.push(`${path}: validatorselectionmode "contract" needs validatorcontractaddress`)
    if (transition.validatorselectionmode === 'blockheader' && transition.validators === undefined) problems.push(`${path}: validatorselectionmode "blockheader" needs validators`)
    transitions.push(transition)
  })
  return transitions
}
