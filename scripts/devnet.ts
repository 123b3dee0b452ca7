// npm run devnet -- --sealers 4 [--period 2] [--dir .data/devnet] [--rpc-port 8545] [--p2p-port 30303]
// A local Clique network on 127.0.0.1: N sealer processes and one RPC node, each with its own
// data directory, encrypted keystore and ports. Prints the RPC URLs; Ctrl-C stops them all.
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Wallet } from 'ethers'
import { cliqueGenesisExtraData, devGenesis, readGenesisFile, type GenesisFile } from '@busan/chain-config'
import { mainScript, startNodeProcess, type NodeProcess } from '@busan/testkit'
import { execFileSync } from 'node:child_process'

const repoRoot = resolve(import.meta.dirname, '..')
const { values: flags } = parseArgs({
  options: {
    sealers: { type: 'string', default: '4' },
    period: { type: 'string', default: '2' },
    dir: { type: 'string', default: join(repoRoot, '.data/devnet') },
    'rpc-port': { type: 'string', default: '8545' },
    'p2p-port': { type: 'string', default: '30303' },
  },
})
const sealerCount = Number(flags.sealers)
const baseDir = resolve(flags.dir)
const rpcPort = Number(flags['rpc-port'])
const p2pPort = Number(flags['p2p-port'])

/** A keystore per sealer, created once and reused on later runs. */
async function sealerKey(index: number): Promise<{ address: string; keystore: string; password: string }> {
  const dir = join(baseDir, `sealer-${index}`)
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
    const genesis: GenesisFile = { ...base, config: { ...base.config, clique: { ...base.config.clique, period: Number(flags.period) } }, extraData: cliqueGenesisExtraData(sealers) }
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
  const names = [...keys.map((_, i) => `sealer-${i}`), 'rpc']
  for (const [i, name] of names.entries()) {
    const dataDir = join(baseDir, name, 'data')
    if (!existsSync(join(dataDir, 'genesis.json'))) execFileSync(process.execPath, [mainScript, 'init', '--genesis', genesis, '--datadir', dataDir], { stdio: 'ignore' })
    const key = keys[i]
    const args = [
      'run', '--datadir', dataDir,
      '--http.port', String(i === sealerCount ? rpcPort : rpcPort + 1 + i), '--http.api', 'eth,net,web3,txpool,clique,admin',
      '--p2p.addr', '127.0.0.1', '--p2p.port', String(p2pPort + i),
      ...(bootnodes.length > 0 ? ['--bootnodes', bootnodes.join(',')] : []),
      ...(key === undefined ? [] : ['--keystore', key.keystore, '--password', key.password]),
    ]
    const node = await startNodeProcess(args, dataDir, { name })
    nodes.push(node)
    bootnodes.push(...node.p2pAddrs.slice(0, 1))
    process.stdout.write(`${name.padEnd(9)} ${node.rpcUrl}  ${key === undefined ? '(RPC node, not sealing)' : `sealer ${key.address}`}\n`)
  }
  process.stdout.write(`\n${sealerCount} sealers and one RPC node running (data in ${baseDir}); Ctrl-C stops them.\n`)
}

await main()
