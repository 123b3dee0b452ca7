// The value checks every command shares (numbers, durations, booleans, lists, namespaces). A flag the node
// cannot honour fails at once with one line naming it and exit code 2 (`fail`).
import { statSync } from 'node:fs'
import { isIPv4 } from 'node:net'
import { resolve } from 'node:path'
import { RPC_NAMESPACES } from '@busan/rpc/namespaces'
import { parseGoDuration } from '@busan/tracing'
import type { NodeConfig } from './config.ts'
import { defaulted, type Flags } from './flag-sources.ts'
import type { Command, FlagName } from './flags.ts'

let flagSources = new Map<string, string>()
let helpHint = 'busan --help'

/** Where the values came from (flag-sources.ts) and the command, so a refusal names them. */
export function describeFlagSources(sources: Map<FlagName, string>, command: Command | undefined): void {
  flagSources = sources
  helpHint = command === undefined ? 'busan --help' : `busan ${command} --help`
}

/**
 * Refuses the command line: the message (with the BUSAN_* variable or config-file key that set
 * the flag it names, when not the command line), a pointer to the help, and exit code 2.
 */
export function fail(message: string): never {
  const flag = /^--([\w.-]+)/.exec(message)?.[1]
  const source = flag === undefined ? undefined : flagSources.get(flag)
  process.stderr.write(`${message}${source === undefined ? '' : ` (set by ${source})`}\n${helpHint} lists the flags\n`)
  process.exit(2)
}

/**
 * A whole number written in decimal digits, within [min, max]. Number() would also take
 * "1e3", "0x10" or "" and round what is past 2^53; a flag means what its digits say.
 */
function bigintFlag(value: string | undefined, name: string, min: bigint, max: bigint): bigint | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (!/^\d+$/.test(text) || BigInt(text) < min || BigInt(text) > max) fail(`--${name} must be a whole number from ${min} to ${max} in decimal digits, got ${value}`)
  return BigInt(text)
}

/** bigintFlag for counts, ports and seconds: from `min` (default 0) to `max` (default 2^53-1). */
export function integerFlag(value: string, name: string, range?: { min?: number; max?: number }): number
export function integerFlag(value: string | undefined, name: string, range?: { min?: number; max?: number }): number | undefined
export function integerFlag(value: string | undefined, name: string, range: { min?: number; max?: number } = {}): number | undefined {
  const parsed = bigintFlag(value, name, BigInt(range.min ?? 0), BigInt(range.max ?? Number.MAX_SAFE_INTEGER))
  return parsed === undefined ? undefined : Number(parsed)
}

export const MAX_PORT = 65_535

export function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '')
}

/**
 * The longest delay a Node.js timer keeps, 2^31-1 ms (~24.8 days): a longer one fires at
 * once with a TimeoutOverflowWarning, so a huge timeout would abort every call.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1
/**
 * A Go duration as geth's flags take it (time.ParseDuration: "5s", "500ms", "1m30s", "0"), in
 * whole milliseconds: 0, or from 1 ms to MAX_DURATION_MS. Negative durations are refused.
 */
function durationFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  let ms: number
  try {
    ms = parseGoDuration(value.trim())
  } catch {
    fail(`--${name} must be a duration such as 5s, 500ms or 1m30s (units ns, us, ms, s, m, h), got ${value}`)
  }
  if (ms < 0) fail(`--${name} must not be negative, got ${value}`)
  // Rounded to 0 it would mean "none" (no timeout), the opposite of what was asked.
  if (ms > 0 && ms < 1) fail(`--${name} must be 0 or at least 1ms, got ${value}`)
  if (Math.round(ms) > MAX_DURATION_MS) fail(`--${name} must be at most 596h31m23.647s (2^31-1 ms, the longest timer Node.js keeps), got ${value}`)
  return Math.round(ms)
}

export function booleanFlag(value: string, name: string): boolean
export function booleanFlag(value: string | undefined, name: string): boolean | undefined
export function booleanFlag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined
  if (value === 'true' || value === 'false') return value === 'true'
  fail(`--${name} must be true or false, got ${value}`)
}

/** A duration flag that must not be 0 (an interval or a lifetime). */
export function positiveDurationFlag(value: string | undefined, name: string): number | undefined {
  const ms = durationFlag(value, name)
  if (ms === 0) fail(`--${name} must be longer than 0`)
  return ms
}

/** geth's --txpool.lifetime and --txpool.rejournal, and how often local transactions are announced again. */
export function txpoolConfig(flags: Flags): NodeConfig['txpool'] {
  return {
    lifetimeMs: positiveDurationFlag(flags['txpool.lifetime'], 'txpool.lifetime'),
    rejournalMs: positiveDurationFlag(flags['txpool.rejournal'], 'txpool.rejournal'),
    rebroadcastMs: positiveDurationFlag(flags['txpool.rebroadcast'], 'txpool.rebroadcast'),
    // geth's switch: present means accept.
    allowUnprotected: flags['rpc.allow-unprotected-txs'] === true ? true : undefined,
  }
}

/** Besu's --poa-block-txs-selection-max-time: a percentage of the block period, 1 to 100. */
export function selectionPercentFlag(flags: Flags): number | undefined {
  return integerFlag(flags['poa-block-txs-selection-max-time'], 'poa-block-txs-selection-max-time', { min: 1, max: 100 })
}

/** geth's --rpc.gascap is a uint64. */
const MAX_GAS_CAP = 2n ** 64n - 1n
/** Each RPC worker thread holds its own EVM and database handles, ~47 MB. */
const MAX_RPC_WORKERS = 64

/** geth's --rpc.gascap and --rpc.evmtimeout, and the worker threads that run heavy calls. */
export function rpcLimits(flags: Flags): NodeConfig['rpc'] {
  return {
    gasCap: bigintFlag(flags['rpc.gascap'], 'rpc.gascap', 0n, MAX_GAS_CAP),
    evmTimeoutMs: durationFlag(flags['rpc.evmtimeout'], 'rpc.evmtimeout'),
    workers: integerFlag(flags['rpc.workers'], 'rpc.workers', { min: 1, max: MAX_RPC_WORKERS }),
    workQueue: integerFlag(flags['rpc.workqueue'], 'rpc.workqueue'),
    logsRange: integerFlag(flags['rpc.logsrange'], 'rpc.logsrange'),
    logsLimit: integerFlag(flags['rpc.logslimit'], 'rpc.logslimit'),
    minPeers: integerFlag(flags['min-peers'], 'min-peers'),
  }
}

/** --http.api's namespaces; one the server does not have is refused, naming the valid ones. */
function namespacesFlag(value: string): string[] {
  const namespaces = list(value).map((namespace) => namespace.toLowerCase())
  const unknown = namespaces.filter((namespace) => !RPC_NAMESPACES.includes(namespace))
  if (unknown.length > 0) fail(`--http.api: unknown namespace ${unknown.map((n) => `"${n}"`).join(', ')}; valid: ${RPC_NAMESPACES.join(',')}`)
  if (namespaces.length === 0) fail(`--http.api: name at least one namespace; valid: ${RPC_NAMESPACES.join(',')}`)
  return namespaces
}

/** The JSON-RPC server's flags; their defaults (dev's and run's namespaces and explorer differ) are flags.ts's. */
export function httpConfig(flags: Flags): NodeConfig['http'] {
  return {
    host: defaulted(flags, 'http.addr'),
    port: integerFlag(defaulted(flags, 'http.port'), 'http.port', { max: MAX_PORT }),
    corsOrigins: list(flags['http.corsdomain']),
    namespaces: namespacesFlag(defaulted(flags, 'http.api')),
    explorer: booleanFlag(defaulted(flags, 'explorer'), 'explorer'),
  }
}

/** --datadir, resolved; a path that exists and is not a directory is refused (mkdir would fail with EEXIST later). */
export function dataDirFlag(value: string): string {
  // resolve('') is the working directory: a chain would land in whatever directory this runs in.
  if (value.trim() === '') fail('--datadir must name a directory, got an empty value')
  const dataDir = resolve(value)
  const stat = statSync(dataDir, { throwIfNoEntry: false })
  if (stat !== undefined && !stat.isDirectory()) fail(`--datadir: ${dataDir} is a file, not a directory`)
  return dataDir
}

/** --p2p.addr: the listen address is an /ip4/ multiaddr, so an IPv4 address (0.0.0.0 for every interface). */
export function p2pAddrFlag(flags: Flags): string {
  const address = defaulted(flags, 'p2p.addr')
  if (!isIPv4(address)) fail(`--p2p.addr must be an IPv4 address such as 0.0.0.0 or 127.0.0.1, got ${address}`)
  return address
}
