// The busan command line's flags: the usage text, the options parseArgs reads, and the value
// checks every command shares (numbers, durations, booleans, lists, namespaces). A flag the node
// cannot honour fails at once with one line naming it and exit code 2 (`fail`).
import { parseArgs } from 'node:util'
import { RPC_NAMESPACES } from '@busan/rpc/namespaces'
import { parseGoDuration } from '@busan/tracing'
import type { NodeConfig } from './config.ts'

export const usage = `usage:
  busan dev [--datadir DIR] [--consensus clique|qbft] [--period SECONDS] [--http.addr HOST] [--http.port PORT] [--http.api LIST] [--explorer true|false] [--log-level LEVEL]
            [RPC LIMITS] [--db.sync true|false] [--txpool.lifetime DURATION] [--txpool.rejournal DURATION]
            [--poa-block-txs-selection-max-time PERCENT]
  busan init --genesis FILE --datadir DIR
  busan import --datadir DIR [--genesis FILE] FILE.rlp[.gz]...
  busan export --datadir DIR [--genesis FILE] FILE.rlp[.gz] [FIRST [LAST]]
  busan run --datadir DIR [--genesis FILE] [--keystore FILE --password FILE]
            [--http.addr HOST] [--http.port PORT] [--http.api LIST] [--http.corsdomain LIST] [--explorer true|false]
            [--p2p.addr HOST] [--p2p.port PORT] [--bootnodes MULTIADDRS] [--allowlist PEER_IDS]
            [RPC LIMITS] [--db.sync true|false] [--txpool.lifetime DURATION] [--txpool.rejournal DURATION]
            [--txpool.rebroadcast DURATION] [--discovery.interval DURATION] [--poa-block-txs-selection-max-time PERCENT]
  RPC LIMITS: [--rpc.gascap GAS] [--rpc.evmtimeout DURATION] [--rpc.workers N] [--rpc.workqueue N] [--rpc.logsrange BLOCKS] [--min-peers N]
              [--rpc.allow-unprotected-txs]
  busan version                     (also busan --version)
  busan account new --keystore-dir DIR --password FILE
  busan account import --keystore-dir DIR --password FILE --private-key-file FILE`

export const options = {
  datadir: { type: 'string' },
  genesis: { type: 'string' },
  period: { type: 'string' },
  'http.addr': { type: 'string', default: '127.0.0.1' },
  'http.port': { type: 'string', default: '8545' },
  'http.corsdomain': { type: 'string', default: '*' },
  'http.api': { type: 'string' },
  explorer: { type: 'string' },
  'p2p.addr': { type: 'string', default: '0.0.0.0' },
  'p2p.port': { type: 'string', default: '30303' },
  bootnodes: { type: 'string', default: '' },
  allowlist: { type: 'string' },
  'private-key-file': { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  consensus: { type: 'string' },
  'rpc.gascap': { type: 'string' },
  'rpc.evmtimeout': { type: 'string' },
  'rpc.workers': { type: 'string' },
  'rpc.workqueue': { type: 'string' },
  'rpc.logsrange': { type: 'string' },
  'min-peers': { type: 'string' },
  'db.sync': { type: 'string' },
  'txpool.lifetime': { type: 'string' },
  'rpc.allow-unprotected-txs': { type: 'boolean' },
  'txpool.rejournal': { type: 'string' },
  'txpool.rebroadcast': { type: 'string' },
  'discovery.interval': { type: 'string' },
  'poa-block-txs-selection-max-time': { type: 'string' },
  keystore: { type: 'string' },
  'keystore-dir': { type: 'string' },
  password: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const

export type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values']

export function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`)
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
    minPeers: integerFlag(flags['min-peers'], 'min-peers'),
  }
}

/** geth's --http.api: what each mode serves unless told otherwise. */
export const DEV_NAMESPACES = 'eth,net,web3,txpool,clique,qbft,admin,debug,ots,erigon,personal'
export const RUN_NAMESPACES = 'eth,net,web3,txpool'

/** --http.api's namespaces; one the server does not have is refused, naming the valid ones. */
function namespacesFlag(value: string): string[] {
  const namespaces = list(value).map((namespace) => namespace.toLowerCase())
  const unknown = namespaces.filter((namespace) => !RPC_NAMESPACES.includes(namespace))
  if (unknown.length > 0) fail(`--http.api: unknown namespace ${unknown.map((n) => `"${n}"`).join(', ')}; valid: ${RPC_NAMESPACES.join(',')}`)
  return namespaces
}

export function httpConfig(flags: Flags, defaultNamespaces: string, explorerByDefault: boolean): NodeConfig['http'] {
  return {
    host: flags['http.addr'],
    port: integerFlag(flags['http.port'], 'http.port', { max: MAX_PORT }) ?? 8545,
    corsOrigins: list(flags['http.corsdomain']),
    namespaces: namespacesFlag(flags['http.api'] ?? defaultNamespaces),
    explorer: booleanFlag(flags.explorer, 'explorer') ?? explorerByDefault,
  }
}
