// npm run devnet -- [--consensus clique|qbft] [--sealers 4 | --validators 4] [--period 2] [--dir .data/devnet]
//                   [--rpc-port 8545] [--p2p-port 30303]
// A local network on 127.0.0.1: N sealer (Clique) or validator (QBFT) processes and one RPC
// node, each with its own data directory, encrypted keystore and ports. Prints the RPC URLs;
// Ctrl-C stops them all. Each consensus gets its own directory under --dir.
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Wallet } from 'ethers'
import { devGenesis, readGenesisFile, withConsensus, type GenesisFile } from '@busan/chain-config'
import { mainScript, startNodeProcess, type NodeProcess } from '@busan/testkit'
import { execFileSync } from 'node:child_process'

const repoRoot = resolve(import.meta.dirname, '..')
const { values: flags } = parseArgs({
  options: {
    consensus: { type: 'string', default: 'clique' },
    sealers: { type: 'string' },
    validators: { type: 'string' },
    period: { type: 'string' },
    dir: { type: 'string', default: join(repoRoot, '.data/devnet') },
    'rpc-port': { type: 'string', default: '8545' },
    'p2p-port': { type: 'string', default: '30303' },
  },
})
const consensus = flags.consensus === 'qbft' ? 'qbft' : flags.consensus === 'clique' ? 'clique' : (() => { throw new Error('--consensus must be clique or qbft') })()
const sealerCount = Number(flags.validators ?? flags.sealers ?? '4')
const period = Number(flags.period ?? (consensus === 'qbft' ? '1' : '2'))
const baseDir = resolve(flags.dir, consensus)
const role = consensus === 'qbft' ? 'validator' : 'sealer'
const rpcPort = Number(flags['rpc-port'])
const p2pPort = Number(flags['p2p-port'])

/** A keystore per sealer, created once and reused on later runs. */
async function sealerKey(index: number): Promise<{ address: string; keystore: string; password: string }> {
  const dir = join(baseDir, `${role}-${index}`)
  const keystore = join(dir, 'keystore.json')
  const password = join(dir, 'password.txt')
  await mkdir(dir, { recursive: true })
  if (!existsSync(keystore)) {
    const secret = Wallet.createRandom().privateKey.slice(2, 26)
    await writeFile(password, `${secret}\n`, { mode: 0o600 })
    await writeFile(keystore, await Wallet.createRandom().encrypt(secret), { mode: 0o600 })
  }
  const address = `0x${(JSON.parse(await readFile(keystore, 'utf8')) as { address: string }).address}`
  return { address, keystore, password }
}

async function genesisFor(sealers: string[]): Promise<string> {
  const path = join(baseDir, 'genesis.json')
  if (!existsSync(path)) {
    const system = join(repoRoot, 'genesis/devnet.json')
    const base: GenesisFile = existsSync(system) ? await readGenesisFile(system) : devGenesis()
    const genesis = withConsensus(base, { consensus, period, validators: sealers })
    await writeFile(path, `${JSON.stringify(genesis, null, 2)}\n`)
  }
  return path
}

async function main(): Promise<void> {
  const keys = await Promise.all(Array.from({ length: sealerCount }, (_, i) => sealerKey(i)))
  const genesis = await genesisFor(keys.map((key) => key.address))
  const nodes: NodeProcess[] = []
  const stopAll = async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    process.exit(0)
  }
  process.on('SIGINT', stopAll)
  process.on('SIGTERM', stopAll)
  const bootnodes: string[] = []
  const names = [...keys.map((_, i) => `${role}-${i}`), 'rpc']
  for (const [i, name] of names.entries()) {
    const dataDir = join(baseDir, name, 'data')
    if (!existsSync(join(dataDir, 'genesis.json'))) execFileSync(process.execPath, [mainScript, 'init', '--genesis', genesis, '--datadir', dataDir], { stdio: 'ignore' })
    const key = keys[i]
    const args = [
      'run', '--datadir', dataDir,
      '--http.port', String(i === sealerCount ? rpcPort : rpcPort + 1 + i), '--http.api', `eth,net,web3,txpool,${consensus},admin`,
      '--p2p.addr', '127.0.0.1', '--p2p.port', String(p2pPort + i),
      ...(bootnodes.length > 0 ? ['--bootnodes', bootnodes.join(',')] : []),
      ...(key === undefined ? [] : ['--keystore', key.keystore, '--password', key.password]),
    ]
    const node = await startNodeProcess(args, dataDir, { name })
    nodes.push(node)
    bootnodes.push(...node.p2pAddrs.slice(0, 1))
    process.stdout.write(`${name.padEnd(12)} ${node.rpcUrl}  ${key === undefined ? `(RPC node, not ${consensus === 'qbft' ? 'validating' : 'sealing'})` : `${role} ${key.address}`}\n`)
  }
  process.stdout.write(`\n${sealerCount} ${role}s (${consensus}, period ${period} s) and one RPC node running (data in ${baseDir}); Ctrl-C stops them.\n`)
}

await main()
