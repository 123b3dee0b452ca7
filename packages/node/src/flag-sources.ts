// Where a flag's value comes from, highest first: the command line, a BUSAN_* environment
// variable (Besu's convention), the --config TOML file (geth's --config, Besu's --config-file),
// then the command's default (docs/operators.md). The sources are merged into one set of values
// before any check runs, so every check (cli-flags.ts) applies the same way to all of them, and
// a refused value names where it came from.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parse as parseToml, TomlError } from 'smol-toml'
import { COMMANDS, FLAGS, envName, flagDefault, type Command, type FlagName, type FlagSpec } from './flags.ts'

/** The values the commands read: every flag as its command-line string (switches as booleans). */
export type Flags = { [K in FlagName]?: (typeof FLAGS)[K]['type'] extends 'boolean' ? boolean : string }

export interface ParsedCommandLine {
  /** The command, or undefined for `busan` alone (and `busan --help`). */
  command: Command | undefined
  /** What the command line named as the command when it is none of COMMANDS. */
  unknownCommand: string | undefined
  /** Positional arguments after the command (import's files, export's file and range). */
  args: string[]
  flags: Flags
  /** For each flag not from the command line: the variable or file key that set it. */
  sources: Map<FlagName, string>
}

/** A command-line mistake: one line for the user, exit code 2 (cli-flags.ts's fail); `command` when known, for the help pointer. */
export class UsageError extends Error {
  readonly command: Command | undefined
  constructor(message: string, command?: Command) {
    super(message)
    this.command = command
  }
}

const parseOptions = Object.fromEntries(Object.entries(FLAGS).map(([name, spec]) => [name, { type: spec.type, ...(name === 'help' ? { short: 'h' } : name === 'version' ? { short: 'v' } : {}) }])) as {
  [K in FlagName]: { type: (typeof FLAGS)[K]['type'] }
}

function commandOf(positionals: string[]): { command: Command | undefined; unknownCommand: string | undefined; args: string[] } {
  const [first, second] = positionals
  if (first === undefined) return { command: undefined, unknownCommand: undefined, args: [] }
  const two = `${first} ${second ?? ''}`.trim()
  if (first === 'account') {
    const command = COMMANDS.find((c) => c === two)
    return command === undefined ? { command: undefined, unknownCommand: two, args: [] } : { command, unknownCommand: undefined, args: positionals.slice(2) }
  }
  const command = COMMANDS.find((c) => c === first)
  return command === undefined ? { command: undefined, unknownCommand: first, args: [] } : { command, unknownCommand: undefined, args: positionals.slice(1) }
}

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]
}

/** The flag an unknown one most likely meant: within two edits (a typo, a missing dot), or geth's dash for our dot. */
function closestFlag(unknown: string): string | undefined {
  let best: { name: string; distance: number } | undefined
  for (const name of Object.keys(FLAGS)) {
    const distance = editDistance(unknown.replace(/-/g, '.'), name.replace(/-/g, '.'))
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance }
  }
  return best?.name
}

/**
 * parseArgs' own errors (an unknown flag, a missing value) as one line without the stack, naming
 * the command when the words before the flags name one (for the help pointer).
 */
function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: parseOptions, allowPositionals: true, strict: true })
  } catch (error) {
    const { command } = commandOf(argv.filter((arg) => !arg.startsWith('-')).slice(0, 2))
    const ambiguous = /^Option '(--[\w.-]+)' argument is ambiguous/.exec((error as Error).message)
    // `--period -1`: parseArgs takes "-1" for a flag; say how to pass a value that starts with a dash.
    if (ambiguous !== null) throw new UsageError(`${ambiguous[1]}: a value that starts with a dash is written ${ambiguous[1]}=VALUE`, command)
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    const unknown = /^Unknown option '--([^']+)'$/.exec(message)?.[1]
    const suggestion = unknown === undefined ? undefined : closestFlag(unknown)
    throw new UsageError(suggestion === undefined ? message : `${message}; did you mean --${suggestion}?`, command)
  }
}

/** A config-file or environment value as a flag's command-line string; a wrong type is refused. */
function asFlagValue(name: FlagName, value: unknown, source: string, command: Command): string | boolean {
  const spec: FlagSpec = FLAGS[name]
  if (spec.type === 'boolean') {
    if (value === true || value === 'true') return true
    if (value === false || value === 'false') return false
    throw new UsageError(`${source}: --${name} is a switch; set it to true or false, got ${JSON.stringify(value)}`, command)
  }
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  // A TOML array for a list flag (bootnodes = ["/ip4/...", "/ip4/..."]): the comma-separated form.
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(',')
  throw new UsageError(`${source}: --${name} takes a value such as a string or number, got ${JSON.stringify(value)}`, command)
}

/** A TOML document's keys flattened with dots: `[http] port = 1` and `http.port = 1` are both http.port. */
function flatten(table: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(table).flatMap(([key, value]): [string, unknown][] => {
    const name = `${prefix}${key}`
    const isTable = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
    return isTable ? flatten(value as Record<string, unknown>, `${name}.`) : [[name, value]]
  })
}

/** Reads the --config file; a missing file, a TOML syntax error or an unknown key is a usage error. */
function readConfigFile(path: string): [FlagName, unknown][] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`--config: cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)}`)
  }
  let document: Record<string, unknown>
  try {
    document = parseToml(text)
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : ''
    throw new UsageError(`--config: ${path} is not valid TOML${where}: ${(error as Error).message.split('\n')[0]}`)
  }
  return flatten(document).map(([key, value]) => {
    const spec = (FLAGS as Record<string, FlagSpec>)[key]
    if (spec === undefined || spec.commandLineOnly === true || key === 'config') throw new UsageError(`--config: ${path}: unknown key "${key}" (keys are flag names without the dashes; busan --help lists them)`)
    return [key as FlagName, value]
  })
}

/**
 * Parses `argv` (without the node and script paths) and fills in what it leaves out from `env`'s
 * BUSAN_* variables, then from the --config file (or BUSAN_CONFIG), then the defaults. A flag the
 * command does not take is refused when it is on the command line, and ignored when it comes from
 * the environment or the file: one file or environment serves every command. Last, each flag
 * the command takes gets its default from flags.ts; a flag without one stays undefined.
 *
 * @throws UsageError for an unknown command or flag, a flag of another command, a missing value,
 * an unreadable or invalid config file, an unknown config key, or a switch set to neither true nor false
 */
export function readFlags(argv: string[], env: NodeJS.ProcessEnv): ParsedCommandLine {
  const { values, positionals } = parseCommandLine(argv)
  // `busan help` and `busan help <command>` are --help, as in geth.
  const asksHelp = positionals[0] === 'help'
  const { command, unknownCommand, args } = commandOf(asksHelp ? positionals.slice(1) : positionals)
  const flags: Record<string, string | boolean> = asksHelp ? { ...values, help: true } : { ...values }
  const sources = new Map<FlagName, string>()
  if (command === undefined) return { command, unknownCommand, args, flags: flags as Flags, sources }

  for (const name of Object.keys(values) as FlagName[]) {
    const spec: FlagSpec = FLAGS[name]
    if (!spec.commands.includes(command)) throw new UsageError(`busan ${command} does not take --${name}`, command)
  }
  const takes = (name: FlagName) => {
    const spec: FlagSpec = FLAGS[name]
    return spec.commands.includes(command) && spec.commandLineOnly !== true && flags[name] === undefined
  }
  for (const name of Object.keys(FLAGS) as FlagName[]) {
    const variable = envName(name)
    if (env[variable] === undefined || !takes(name)) continue
    flags[name] = asFlagValue(name, env[variable], variable, command)
    sources.set(name, variable)
  }
  const configPath = typeof flags.config === 'string' ? flags.config : undefined
  if (configPath !== undefined && (FLAGS.config.commands as readonly Command[]).includes(command)) {
    let entries: [FlagName, unknown][]
    try {
      entries = readConfigFile(configPath)
    } catch (error) {
      throw error instanceof UsageError ? new UsageError(error.message, command) : error
    }
    for (const [name, value] of entries) {
      if (!takes(name)) continue
      flags[name] = asFlagValue(name, value, `${configPath}: ${name}`, command)
      sources.set(name, `${configPath}, key ${name}`)
    }
  }
  for (const name of Object.keys(FLAGS) as FlagName[]) {
    const value = flagDefault(name, command)
    if (value !== undefined && flags[name] === undefined && (FLAGS[name] as FlagSpec).commands.includes(command)) flags[name] = value
  }
  return { command, unknownCommand, args, flags: flags as Flags, sources }
}


/** A flag with a default in flags.ts for the running command: readFlags set it, from a source or that default. */
export function defaulted(flags: Flags, name: FlagName): string {
  const value = flags[name]
  if (typeof value !== 'string') throw new Error(`--${name} has no default for this command (flags.ts)`)
  return value
}
