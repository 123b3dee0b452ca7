// `busan --help` (the commands) and `busan <command> --help` (that command's flags, each with its
// description, default and environment variable), written from the flag table in flags.ts.
import { COMMANDS, COMMAND_SUMMARIES, FLAGS, envName, flagDefaultText, type Command, type FlagName, type FlagSpec } from './flags.ts'

const SOURCES_NOTE =
  'Each flag can also come from a BUSAN_* environment variable (--http.port is BUSAN_HTTP_PORT) or a key of the\n' +
  '--config TOML file (http.port = 8545); the command line wins over the environment, the environment over the file.'

/** The overview: every command with its summary. */
export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.length)) + 2
  const lines = COMMANDS.map((command) => `  ${command.padEnd(width)}${COMMAND_SUMMARIES[command].summary}`)
  return [
    'busan: the Busan Chain node (an Ethereum-compatible proof-of-authority client)',
    '',
    'usage: busan <command> [flags]',
    '',
    'commands:',
    ...lines,
    '',
    'busan <command> --help lists a command\'s flags with their defaults.',
    SOURCES_NOTE,
  ].join('\n')
}

/** One command's usage line, summary and flags: `--name VALUE  description (default: D; env BUSAN_NAME)`. */
export function commandHelp(command: Command): string {
  const names = (Object.keys(FLAGS) as FlagName[]).filter((name) => (FLAGS[name] as FlagSpec).commands.includes(command))
  const left = (name: FlagName) => {
    const spec: FlagSpec = FLAGS[name]
    return `--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`
  }
  const width = Math.max(...names.map((name) => left(name).length)) + 2
  const rows = names.map((name) => {
    const spec: FlagSpec = FLAGS[name]
    const fallback = flagDefaultText(name, command)
    const notes = [fallback === undefined ? undefined : `default: ${fallback}`, spec.commandLineOnly === true ? undefined : `env ${envName(name)}`].filter((note) => note !== undefined)
    return `  ${left(name).padEnd(width)}${spec.description}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`
  })
  const { args, summary } = COMMAND_SUMMARIES[command]
  return [`usage: busan ${command} [flags]${args === undefined ? '' : ` ${args}`}`, '', summary, '', 'flags:', ...rows, '', SOURCES_NOTE].join('\n')
}
