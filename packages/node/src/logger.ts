import { pino, type Logger } from 'pino'
import pretty from 'pino-pretty'

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'

/**
 * `json`: one JSON object a line, for log collectors (and the tests, which read the lines);
 * `text`: pino-pretty's coloured lines, for people. `--log.format`; text on a terminal by default.
 */
export type LogFormat = 'text' | 'json'

/** The default --log.format: text when stdout is a terminal, json when it is a file or a pipe. */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY === true ? 'text' : 'json'
}

/** The node's one logger; components get children with a `module` field. */
export function createLogger(level: LogLevel, format: LogFormat = 'json'): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }
  if (format === 'json') return pino(options)
  // Synchronous, so the last lines before an exit are not lost; a terminal reads slowly anyway.
  return pino(options, pretty({ colorize: process.stdout.isTTY === true, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }))
}
