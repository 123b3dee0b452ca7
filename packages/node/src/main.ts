#!/usr/bin/env node
// The busan command line: `dev` starts a single-sealer dev chain; `account new` creates an
// encrypted keystore; `run` starts a node from a genesis file, sealing with a keystore key.
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Wallet } from 'ethers'
import { hexToBytes } from '@ethereumjs/util'
import { devAccounts, devGenesis, readGenesisFile, type GenesisFile } from '@busan/chain-config'
import type { NodeConfig, SignerKey } from './config.ts'
import type { LogLevel } from './logger.ts'
import { startNode } from './node.ts'

const repoRoot = resolve(import.meta.dirname, '../../..')

const usage = `usage:
  busan dev [--datadir DIR] [--period SECONDS] [--http.addr HOST] [--http.port PORT] [--log-level LEVEL]
  busan run --genesis FILE --datadir DIR [--keystore FILE --password FILE] [--http.addr HOST] [--http.port PORT]
  busan account new --keystore-dir DIR --password FILE`

const options = {
  datadir: { type: 'string' },
  genesis: { type: 'string' },
  period: { type: 'string' },
  'http.addr': { type: 'string', default: '127.0.0.1' },
  'http.port': { type: 'string', default: '8545' },
  'http.corsdomain': { type: 'string', default: '*' },
  'log-level': { type: 'string', default: 'info' },
  keystore: { type: 'string' },
  'keystore-dir': { type: 'string' },
  password: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values']

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`)
  process.exit(2)
}

function integerFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) fail(`--${name} must be a non-negative integer`)
  return parsed
}

function httpConfig(flags: Flags): NodeConfig['http'] {
  return {
    host: flags['http.addr'],
    port: integerFlag(flags['http.port'], 'http.port') ?? 8545,
    corsOrigins: flags['http.corsdomain'].split(',').map((origin) => origin.trim()),
  }
}

/** The dev genesis with the system contracts when the genesis builder has produced it. */
async function devChainGenesis(period: number): Promise<GenesisFile> {
  const built = join(repoRoot, 'genesis/devnet.json')
  const genesis = existsSync(built) ? await readGenesisFile(built) : devGenesis()
  return { ...genesis, config: { ...genesis.config, clique: { ...genesis.config.clique, period } } }
}

async function dev(flags: Flags): Promise<NodeConfig> {
  const accounts = devAccounts()
  const sealer = accounts[0]
  return {
    dataDir: resolve(flags.datadir ?? join(repoRoot, '.data/dev')),
    genesis: await devChainGenesis(integerFlag(flags.period, 'period') ?? 2),
    signer: { address: hexToBytes(sealer.address as `0x${string}`), privateKey: hexToBytes(sealer.privateKey as `0x${string}`) },
    http: httpConfig(flags),
    accounts: accounts.map((account) => hexToBytes(account.address as `0x${string}`)),
    logLevel: flags['log-level'] as LogLevel,
  }
}

async function readPassword(path: string | undefined): Promise<string> {
  if (path === undefined) fail('--password FILE is required')
  return (await readFile(path, 'utf8')).replace(/\r?\n$/, '')
}

async function unlock(keystorePath: string, passwordPath: string | undefined): Promise<SignerKey> {
  const wallet = await Wallet.fromEncryptedJson(await readFile(keystorePath, 'utf8'), await readPassword(passwordPath))
  return { address: hexToBytes(wallet.address as `0x${string}`), privateKey: hexToBytes(wallet.privateKey as `0x${string}`) }
}

async function run(flags: Flags): Promise<NodeConfig> {
  if (flags.genesis === undefined) fail('--genesis FILE is required')
  if (flags.datadir === undefined) fail('--datadir DIR is required')
  return {
    dataDir: resolve(flags.datadir),
    genesis: await readGenesisFile(flags.genesis),
    signer: flags.keystore === undefined ? undefined : await unlock(flags.keystore, flags.password),
    http: httpConfig(flags),
    accounts: [],
    logLevel: flags['log-level'] as LogLevel,
  }
}

async function newAccount(flags: Flags): Promise<void> {
  const dir = flags['keystore-dir'] ?? fail('--keystore-dir DIR is required')
  const wallet = Wallet.createRandom()
  const json = await wallet.encrypt(await readPassword(flags.password))
  await mkdir(dir, { recursive: true })
  const file = join(dir, `UTC--${new Date().toISOString().replace(/:/g, '-')}--${wallet.address.slice(2).toLowerCase()}`)
  await writeFile(file, json, { mode: 0o600 })
  process.stdout.write(`${JSON.stringify({ address: wallet.address, keystore: file })}\n`)
}

async function main(): Promise<void> {
  const { values: flags, positionals } = parseArgs({ options, allowPositionals: true })
  if (flags.help) {
    process.stdout.write(`${usage}\n`)
    return
  }
  const [command, subcommand] = positionals
  if (command === 'account' && subcommand === 'new') return newAccount(flags)
  const config = command === 'dev' ? await dev(flags) : command === 'run' ? await run(flags) : fail(`unknown command: ${command ?? '(none)'}`)
  const node = await startNode(config)
  let signals = 0
  const shutdown = () => {
    if (++signals > 1) process.exit(130)
    node.stop().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
