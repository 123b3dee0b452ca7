// The busan command line (loaded by main.ts): `dev` starts a single-sealer dev chain; `account new` creates an
// encrypted keystore; `run` starts a node from a genesis file, sealing with a keystore key; `init`,
// `import`, `export` and `version`. The flags and their checks are cli-flags.ts; the key commands cli-accounts.ts.
import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { hexToBytes } from '@ethereumjs/util'
import { devAccounts, devGenesis, isProofOfAuthority, readGenesisFile, withConsensus, type GenesisFile } from '@busan/chain-config'
import type { NodeConfig } from './config.ts'
import { defaultLogFormat, type LogFormat, type LogLevel } from './logger.ts'
import type { ChainFileCommand } from './chain-file.ts'
import { MAX_DURATION_MS, MAX_PORT, booleanFlag, dataDirFlag, describeFlagSources, fail, httpConfig, integerFlag, list, p2pAddrFlag, positiveDurationFlag, rpcLimits, selectionPercentFlag, txpoolConfig } from './cli-flags.ts'
import { defaulted, readFlags, UsageError, type Flags, type ParsedCommandLine } from './flag-sources.ts'
import { commandHelp, generalHelp } from './help.ts'
import { accountImport, accountNew, unlock } from './cli-accounts.ts'
import { isSystemError, systemErrorLine, systemErrorReason } from './system-errors.ts'

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

const repoRoot = resolve(import.meta.dirname, '../../..')


/** The dev genesis with the system contracts when the genesis builder has produced it. */
async function devChainGenesis(consensus: 'clique' | 'qbft', period: number, sealer: string): Promise<GenesisFile> {
  const built = join(repoRoot, 'genesis/devnet.json')
  const genesis = existsSync(built) ? await readGenesisFile(built) : devGenesis()
  return withConsensus(genesis, { consensus, period, validators: [sealer] })
}

function consensusFlag(value: string): 'clique' | 'qbft' {
  if (value === 'clique') return 'clique'
  if (value === 'qbft') return 'qbft'
  fail(`--consensus must be clique or qbft, got ${value}`)
}

/** The block period a genesis's engine enforces, seconds (Clique's period, QBFT's blockperiodseconds). */
function genesisPeriod(genesis: GenesisFile): number | undefined {
  return genesis.config.clique?.period ?? genesis.config.qbft?.blockperiodseconds
}

/**
 * The period the genesis kept in a dev data directory gives. A directory that already holds a dev
 * chain keeps its consensus engine (the other one is another genesis block, so another chain),
 * and the shortest period any run of it used: --period says how fast this run seals, while the
 * kept file must validate every block the chain holds (Clique and QBFT refuse a block sealed
 * sooner than the period after its parent), so that an export imports under it.
 */
async function keptDevPeriod(dataDir: string, consensus: 'clique' | 'qbft', period: number): Promise<number> {
  const keptPath = join(dataDir, 'genesis.json')
  if (!existsSync(join(dataDir, 'chaindata')) || !existsSync(keptPath)) return period
  const kept = await readGenesisFile(keptPath)
  const keptConsensus = kept.config.qbft !== undefined ? 'qbft' : 'clique'
  if (keptConsensus !== consensus) fail(`--consensus: ${dataDir} holds a ${keptConsensus} dev chain; choose another --datadir for a ${consensus} one, or delete it`)
  return Math.min(period, genesisPeriod(kept) ?? period)
}

/** --period: seconds between dev blocks; 0 for a block as soon as transactions arrive. */
function devPeriod(flags: Flags): number {
  return integerFlag(defaulted(flags, 'period'), 'period', { max: Math.floor(MAX_DURATION_MS / 1000) })
}

async function dev(flags: Flags): Promise<NodeConfig> {
  const accounts = devAccounts()
  const sealer = accounts[0]
  const dataDir = dataDirFlag(flags.datadir ?? join(repoRoot, '.data/dev'))
  const logs = logOptions(flags)
  const consensus = consensusFlag(defaulted(flags, 'consensus'))
  const period = devPeriod(flags)
  const genesis = await devChainGenesis(consensus, period, sealer.address)
  // Kept as `init` keeps it, so `busan export --datadir` (and `run`) find the chain's genesis.
  const keptPeriod = await keptDevPeriod(dataDir, consensus, period)
  await keepGenesis(dataDir, keptPeriod === period ? genesis : withConsensus(genesis, { consensus, period: keptPeriod, validators: [sealer.address] }))
  return {
    dataDir,
    genesis,
    signer: { address: hexToBytes(sealer.address as `0x${string}`), privateKey: hexToBytes(sealer.privateKey as `0x${string}`) },
    http: httpConfig(flags),
    rpc: rpcLimits(flags),
    dbSync: booleanFlag(flags['db.sync'], 'db.sync'),
    txpool: txpoolConfig(flags),
    txsSelectionMaxTimePercent: selectionPercentFlag(flags),
    accountKeys: accounts.map((account) => hexToBytes(account.privateKey as `0x${string}`)),
    ...logs,
    dev: true,
  }
}

/** Keeps the chain's genesis in DIR/genesis.json, where `run`, `import` and `export` look for it. */
async function keepGenesis(dataDir: string, genesis: GenesisFile): Promise<void> {
  await mkdir(dataDir, { recursive: true })
  await writeFile(join(dataDir, 'genesis.json'), `${JSON.stringify(genesis, null, 2)}\n`)
}

/** Reads and checks a genesis file; a missing, unreadable or invalid one is a usage error naming the problem. */
async function genesisFile(path: string): Promise<GenesisFile> {
  return readGenesisFile(path).catch((error: Error) => fail(isSystemError(error) ? `--genesis: cannot read ${path}: ${systemErrorReason(error)}` : `${path}: ${error.message}`))
}

/** The genesis a data directory was initialised with (`init` keeps a copy), or --genesis. */
async function runGenesis(flags: Flags, dataDir: string): Promise<GenesisFile> {
  const kept = join(dataDir, 'genesis.json')
  if (flags.genesis !== undefined) return genesisFile(flags.genesis)
  if (existsSync(kept)) return readGenesisFile(kept)
  fail(`--genesis FILE is required (or run \`busan init\` on ${dataDir} first)`)
}

/** --bootnodes (multiaddrs ending in /p2p/<peer id>) and --allowlist (peer ids), each entry checked as the network reads it. */
async function peerFlags(flags: Flags): Promise<{ bootnodes: string[]; allowlist: string[] | undefined }> {
  const { allowlistPeerId, staticPeerId } = await import('@busan/network')
  const checked = (name: 'bootnodes' | 'allowlist', entries: string[], check: (entry: string) => string) => {
    for (const entry of entries) {
      try {
        check(entry)
      } catch (error) {
        fail(`--${name}: ${(error as Error).message}`)
      }
    }
    return entries
  }
  return {
    bootnodes: checked('bootnodes', list(flags.bootnodes), staticPeerId),
    allowlist: flags.allowlist === undefined ? undefined : checked('allowlist', list(flags.allowlist), allowlistPeerId),
  }
}

async function run(flags: Flags): Promise<NodeConfig> {
  if (flags.datadir === undefined) fail('--datadir DIR is required')
  const dataDir = dataDirFlag(flags.datadir)
  const genesis = await runGenesis(flags, dataDir)
  if (flags.keystore !== undefined && !isProofOfAuthority(genesis)) {
    fail('--keystore: the genesis names no proof-of-authority engine (config.clique or config.qbft); this node imports and serves such a chain but cannot seal it')
  }
  return {
    dataDir,
    genesis,
    signer: flags.keystore === undefined ? undefined : await unlock(flags.keystore, flags.password),
    http: httpConfig(flags),
    rpc: rpcLimits(flags),
    dbSync: booleanFlag(flags['db.sync'], 'db.sync'),
    txpool: txpoolConfig(flags),
    txsSelectionMaxTimePercent: selectionPercentFlag(flags),
    p2p: {
      listen: [`/ip4/${p2pAddrFlag(flags)}/tcp/${integerFlag(defaulted(flags, 'p2p.port'), 'p2p.port', { max: MAX_PORT })}`],
      ...(await peerFlags(flags)),
      discoveryIntervalMs: positiveDurationFlag(flags['discovery.interval'], 'discovery.interval'),
    },
    accountKeys: [],
    ...logOptions(flags),
  }
}

/** Initialises a data directory: keeps the genesis file and writes the genesis block. */
async function init(flags: Flags): Promise<void> {
  if (flags.genesis === undefined) fail('--genesis FILE is required')
  if (flags.datadir === undefined) fail('--datadir DIR is required')
  const dataDir = dataDirFlag(flags.datadir)
  const genesis = await genesisFile(flags.genesis)
  const existed = existsSync(dataDir)
  await mkdir(dataDir, { recursive: true })
  // A genesis the engines refuse (e.g. a QBFT extraData that does not decode) is the operator's to
  // fix; a directory this command made for it goes again, so the next `init` starts clean.
  const { initDataDir } = await import('./node.ts')
  await initDataDir(dataDir, genesis).catch(async (error: Error) => {
    if (!existed) await rm(dataDir, { recursive: true, force: true })
    fail(`cannot initialise ${dataDir}: invalid genesis: ${error.message}`)
  })
  await keepGenesis(dataDir, genesis)
  process.stdout.write(`${JSON.stringify({ dataDir, chainId: genesis.config.chainId })}\n`)
}

/**
 * The data directory and genesis of `import` and `export`. A new directory is initialised
 * from --genesis for an import (its copy kept, as `init` keeps it); an export needs a chain.
 */
async function chainFileCommand(flags: Flags, creating: boolean): Promise<ChainFileCommand> {
  if (flags.datadir === undefined) fail('--datadir DIR is required')
  const dataDir = dataDirFlag(flags.datadir)
  const exists = existsSync(join(dataDir, 'chaindata'))
  if (!exists && !creating) fail(`${dataDir} holds no chain (no chaindata/)`)
  const genesis = await runGenesis(flags, dataDir)
  if (!existsSync(join(dataDir, 'genesis.json'))) await keepGenesis(dataDir, genesis)
  return { dataDir, genesis, ...logOptions(flags) }
}

/**
 * Runs an import or export; a bad file, block or data directory is one line on stderr and exit
 * code 1. The node's own modules (node.ts, chain-file.ts: ~1 s to load) are imported only once
 * the command line is checked, so a refused one answers at once.
 */
async function chainFileTask(task: (chainFile: typeof import('./chain-file.ts')) => Promise<unknown>): Promise<void> {
  const chainFile = await import('./chain-file.ts')
  const { ChainFileError } = chainFile
  try {
    const result = await task(chainFile)
    if (typeof result === 'number') process.stdout.write(`${JSON.stringify({ exported: result })}\n`)
  } catch (error) {
    const message = (error as Error).message
    process.stderr.write(`${error instanceof ChainFileError ? message : `cannot use the data directory: ${message}`}\n`)
    process.exit(1)
  }
}

async function importCommand(flags: Flags, files: string[]): Promise<void> {
  if (files.length === 0) fail('import: name one or more chain files')
  for (const file of files) if (!existsSync(file)) fail(`${file}: no such file`)
  const command = await chainFileCommand(flags, true)
  await chainFileTask(({ runImport }) => runImport(command, files))
}

async function exportCommand(flags: Flags, args: string[]): Promise<void> {
  const [file, first, last, extra] = args
  if (file === undefined || extra !== undefined) fail('export: name the file to write, then optionally the first and last block numbers')
  const blockNumber = (value: string | undefined, name: string) => {
    if (value === undefined) return undefined
    if (!/^\d+$/.test(value)) fail(`export: ${name} must be a block number in decimal digits, got ${value}`)
    return BigInt(value)
  }
  const from = blockNumber(first, 'FIRST') ?? 0n
  const to = blockNumber(last, 'LAST')
  const command = await chainFileCommand(flags, false)
  await chainFileTask(({ runExport }) => runExport(command, resolve(file), from, to))
}

/** --log-level and --log.format, checked. */
function logOptions(flags: Flags): { logLevel: LogLevel; logFormat: LogFormat } {
  const logLevel = defaulted(flags, 'log-level')
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) fail(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`)
  const logFormat = flags['log.format'] ?? defaultLogFormat()
  if (logFormat !== 'text' && logFormat !== 'json') fail(`--log.format must be text or json, got ${logFormat}`)
  return { logLevel: logLevel as LogLevel, logFormat }
}

/**
 * A listen address the node cannot take is the operator's to change: say which flag. The HTTP
 * server's errors carry Node's code (EADDRINUSE, EADDRNOTAVAIL, ENOTFOUND for a host name that
 * does not resolve); libp2p's UnsupportedListenAddressesError names the code in its message.
 * Anything else is not a usage error and goes on to the stack trace.
 */
function listenFailure(error: unknown, config: NodeConfig): never | undefined {
  const { code, name, message } = error as { code?: string; name?: string; message?: string }
  const p2pCode = name === 'UnsupportedListenAddressesError' ? /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES)\b/.exec(message ?? '')?.[1] : undefined
  const [side, failure] = p2pCode !== undefined ? ['p2p', p2pCode] : ['http', code]
  const listen = side === 'p2p' ? (config.p2p?.listen[0] ?? '') : `${config.http.host}:${config.http.port}`
  const port = side === 'p2p' ? listen.split('/tcp/')[1] : String(config.http.port)
  switch (failure) {
    case 'EADDRINUSE':
      return fail(`--${side}.port: port ${port} is already in use by another process; stop it or choose another port with --${side}.port`)
    case 'EACCES':
      return fail(`--${side}.port: port ${port} needs privileges this process lacks (ports below 1024); choose one from 1024 with --${side}.port`)
    case 'EADDRNOTAVAIL':
      return fail(`--${side}.addr: cannot listen on ${listen}: not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its interfaces`)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(`--${side}.addr: cannot listen on ${listen}: the host name does not resolve; use 127.0.0.1, 0.0.0.0 or one of the machine's addresses`)
    default:
      return undefined
  }
}

async function startCommand(command: 'dev' | 'run', flags: Flags): Promise<void> {
  const config = command === 'dev' ? await dev(flags) : await run(flags)
  const { startNode } = await import('./node.ts')
  const node = await startNode(config).catch((error: unknown) => listenFailure(error, config) ?? Promise.reject(error))
  if (command === 'dev' && config.logFormat === 'text') {
    const { devBanner } = await import('./dev-banner.ts')
    process.stdout.write(await devBanner(node, devAccounts(), { chainId: config.genesis.config.chainId, consensus: consensusFlag(defaulted(flags, 'consensus')), period: devPeriod(flags), dataDir: config.dataDir }))
  }
  let signals = 0
  const shutdown = () => {
    if (++signals > 1) process.exit(130)
    node.stop().then(
      () => process.exit(0),
      // The node has logged each failed step; this line says why the exit code is 1.
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
  stopWithNpmLauncher(shutdown)
}

/**
 * Under `npx busan` or `npm start`, npm runs the node through `sh -c`, and a SIGTERM to npm (as
 * `docker stop` and process supervisors send it) ends npm and the shell without passing it on:
 * the node would run on, orphaned. So a node npm started stops, as on SIGTERM, once the process
 * that launched it has gone (it is then re-parented). A node started any other way keeps running
 * when its parent exits (`busan run ... &`, nohup).
 */
function stopWithNpmLauncher(stop: () => void): void {
  if (process.env.npm_command === undefined) return
  const launcher = process.ppid
  setInterval(() => {
    if (process.ppid !== launcher) stop()
  }, 500).unref()
}

async function main(): Promise<void> {
  let parsed: ParsedCommandLine
  try {
    parsed = readFlags(process.argv.slice(2), process.env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    describeFlagSources(new Map(), error.command)
    fail(error.message)
  }
  const { command, unknownCommand, args, flags, sources } = parsed
  describeFlagSources(sources, command)
  if (unknownCommand === 'account') fail('busan account needs a subcommand: account new or account import')
  if (unknownCommand !== undefined) fail(`unknown command: ${unknownCommand}`)
  // Only import and export take arguments (files, a block range); a stray word elsewhere is a mistake, not ignored.
  if (command !== undefined && command !== 'import' && command !== 'export' && args.length > 0) fail(`busan ${command} takes no arguments, got "${args.join(' ')}"`)
  if (flags.help === true) {
    process.stdout.write(`${command === undefined ? generalHelp() : commandHelp(command)}\n`)
    return
  }
  if (flags.version === true || command === 'version') {
    const { versionText } = await import('./version.ts')
    process.stdout.write(`${versionText()}\n`)
    return
  }
  switch (command) {
    case undefined:
      fail('name a command')
    case 'account new':
      return accountNew(flags)
    case 'account import':
      return accountImport(flags)
    case 'init':
      return init(flags)
    case 'import':
      return importCommand(flags, args)
    case 'export':
      return exportCommand(flags, args)
    case 'dev':
    case 'run':
      return startCommand(command, flags)
  }
}

/**
 * What the environment refuses (a read-only or unwritable data or keystore directory, a database
 * another node holds) is one line and exit code 1, as geth's "Fatal:"; anything else is a fault
 * and keeps its stack trace.
 */
function fatalLine(error: unknown): string | undefined {
  if (isSystemError(error)) return systemErrorLine(error)
  if (error instanceof Error && error.name === 'DatabaseOpenError') return error.message
  return undefined
}

main().catch((error: unknown) => {
  process.stderr.write(`${fatalLine(error) ?? (error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`)
  process.exit(1)
})
