// The command line as operators meet it, on real `busan` processes: help for every command,
// user errors as one line and exit code 2, the config file and BUSAN_* variables under the
// command line (flags > env > file > defaults), the text and JSON log formats, quiet empty dev
// blocks, and the anvil-style start-up banner checked against the node's own JSON-RPC answers.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { ethers } from 'ethers'
import { devGenesis } from '@busan/chain-config'
import { mainScript, startNodeProcess, type NodeProcess } from '@busan/testkit'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'busan-cli-config-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** The environment without any BUSAN_* variable of the test runner's shell. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BUSAN_')))
  return { ...env, ...extra }
}

function busan(args: string[], env: NodeJS.ProcessEnv = cleanEnv()) {
  return exec(process.execPath, [mainScript, ...args], { timeout: 30_000, env })
}

/** Runs busan and expects exit code 2 with `message` on the first line of stderr and no stack trace. */
async function refused(args: string[], message: RegExp, env?: NodeJS.ProcessEnv): Promise<void> {
  await assert.rejects(busan(args, env), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2, `${args.join(' ')}: ${error.stderr}`)
    assert.match(error.stderr.split('\n')[0], message, args.join(' '))
    assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace')
    return true
  })
}

/** A TCP port nobody listens on (the OS picked it; closed again before use). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('help', () => {
  it('busan --help and busan help list every command; busan <command> --help lists its flags with defaults and variables', async () => {
    for (const args of [['--help'], ['help'], []]) {
      if (args.length === 0) {
        await refused(args, /^name a command$/)
        continue
      }
      const { stdout } = await busan(args)
      for (const command of ['dev', 'run', 'init', 'import', 'export', 'account new', 'account import', 'version']) assert.match(stdout, new RegExp(`\\n  ${command} +\\S`), command)
    }
    const { stdout: dev } = await busan(['dev', '--help'])
    assert.match(dev, /^usage: busan dev \[flags\]/)
    assert.match(dev, /\n  --http\.port PORT +JSON-RPC .*\(default: 8545; env BUSAN_HTTP_PORT\)\n/)
    assert.match(dev, /\n  --period SECONDS +.*\(default: 2; env BUSAN_PERIOD\)\n/)
    assert.doesNotMatch(dev, /--keystore /, 'dev takes no keystore')
    const { stdout: run } = await busan(['help', 'run'])
    assert.match(run, /\n  --keystore FILE +seal blocks with the key/)
    assert.match(run, /\n  --http\.api LIST +.*\(default: eth,net,web3,txpool; env BUSAN_HTTP_API\)\n/)
    const { stdout: exportHelp } = await busan(['export', '--help'])
    assert.match(exportHelp, /^usage: busan export \[flags\] FILE\.rlp\[\.gz\] \[FIRST \[LAST\]\]/)
  })
})

describe('user errors are one line and exit code 2', () => {
  it('an unknown command or flag, a flag another command takes, a missing value', async () => {
    await refused(['frob'], /^unknown command: frob$/)
    await refused(['account', 'delete'], /^unknown command: account delete$/)
    await refused(['dev', '--bogus'], /^Unknown option '--bogus'$/)
    await refused(['dev', '--http.prot', '1'], /^Unknown option '--http\.prot'; did you mean --http\.port\?$/)
    // Besu's and geth's dashes for our dots: --rpc-gascap is --rpc.gascap.
    await refused(['dev', '--rpc-gascap', '1'], /^Unknown option '--rpc-gascap'; did you mean --rpc\.gascap\?$/)
    await refused(['export', '--http.port', '1'], /^busan export does not take --http\.port$/)
    await refused(['run', '--keystore'], /argument missing/)
    await refused(['dev', '--log.format', 'xml'], /^--log\.format must be text or json, got xml$/)
    await refused(['dev', '--log-level', 'loud'], /^--log-level must be one of trace, debug, info, warn, error, fatal, silent, got loud$/)
  })

  it('a missing password file, and an empty password for a new keystore (geth refuses one)', async () => {
    const empty = join(dir, 'empty-password')
    writeFileSync(empty, '\n')
    await refused(['account', 'new', '--keystore-dir', join(dir, 'keys'), '--password', join(dir, 'nope')], /^--password: cannot read .*nope: no such file$/)
    await refused(['account', 'new', '--keystore-dir', join(dir, 'keys'), '--password', empty], /^--password: .* holds an empty password; a keystore needs a password$/)
  })

  it('a port another process holds, naming the flag to change', async () => {
    const holder: Server = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const { port } = holder.address() as { port: number }
    try {
      await refused(['dev', '--datadir', mkdtempSync(join(dir, 'busy-')), '--http.port', String(port)], new RegExp(`^--http\\.port: port ${port} is already in use by another process; stop it or choose another port with --http\\.port$`))
    } finally {
      holder.close()
    }
  })

  it('a listen address that is not this machine\'s, a data directory that is a file, an empty --http.api, a negative number, `account` alone', async () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, '')
    const fresh = () => mkdtempSync(join(dir, 'errors-'))
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this machine.
    await refused(['dev', '--datadir', fresh(), '--http.port', '0', '--http.addr', '192.0.2.1'], /^--http\.addr: cannot listen on 192\.0\.2\.1:0: not an address of this machine/)
    // .invalid never resolves (RFC 6761).
    await refused(['dev', '--datadir', fresh(), '--http.port', '0', '--http.addr', 'node.invalid'], /^--http\.addr: cannot listen on node\.invalid:0: the host name does not resolve/)
    await refused(['dev', '--datadir', file], /^--datadir: .*a-file is a file, not a directory$/)
    await refused(['dev', '--datadir', fresh(), '--http.api', ''], /^--http\.api: name at least one namespace; valid: admin,/)
    await refused(['dev', '--period', '-1'], /^--period: a value that starts with a dash is written --period=VALUE$/)
    await refused(['dev', '--period=-1'], /^--period must be a whole number from 0 to \d+ in decimal digits, got -1$/)
    await refused(['account'], /^busan account needs a subcommand: account new or account import$/)
  })

  it('an empty --datadir, a word no command takes, a --genesis that cannot be read', async () => {
    await refused(['dev', '--datadir', ''], /^--datadir must name a directory, got an empty value$/)
    await refused(['dev', 'extra'], /^busan dev takes no arguments, got "extra"$/)
    await refused(['init', '--genesis', join(dir, 'g.json'), '--datadir', join(dir, 'init'), 'stray'], /^busan init takes no arguments, got "stray"$/)
    await refused(['run', '--datadir', join(dir, 'run-missing'), '--genesis', join(dir, 'no-such-genesis.json')], /^--genesis: cannot read .*no-such-genesis\.json: no such file or directory$/)
  })

  it('a genesis file with a bad value names the field, as geth names it', async () => {
    const bad = (name: string, change: (genesis: ReturnType<typeof devGenesis>) => void) => {
      const genesis = devGenesis()
      change(genesis)
      const path = join(dir, `${name}.json`)
      writeFileSync(path, JSON.stringify(genesis))
      return ['init', '--genesis', path, '--datadir', join(dir, `init-${name}`)]
    }
    await refused(bad('gas-limit', (g) => (g.gasLimit = 'zz')), /invalid genesis: gasLimit must be a number \(decimal digits or 0x hex\), got "zz"$/)
    await refused(bad('alloc-address', (g) => (g.alloc['0xnothex'] = { balance: '1' })), /invalid genesis: alloc\["0xnothex"\]: not a 20-byte hex address$/)
    const [first] = Object.keys(devGenesis().alloc)
    await refused(bad('alloc-balance', (g) => (g.alloc[first].balance = 'lots')), new RegExp(`invalid genesis: alloc\\["${first}"\\]\\.balance must be a number \\(decimal digits or 0x hex\\), got "lots"$`))
    // A QBFT genesis whose extraData does not decode: refused by the engine, and the directory
    // `init` made for it is gone again, so the next `init` starts clean.
    const qbftGenesis = join(dir, 'bad-qbft-extra.json')
    writeFileSync(qbftGenesis, JSON.stringify({ ...devGenesis(), config: { chainId: 5, qbft: { blockperiodseconds: 1 } }, extraData: '0x00' }))
    const fresh = join(dir, 'init-bad-qbft')
    await refused(['init', '--genesis', qbftGenesis, '--datadir', fresh], /^cannot initialise .*init-bad-qbft: invalid genesis: /)
    assert.ok(!existsSync(fresh), 'the directory init made is removed')
    // geth writes header fields it leaves out as null (`geth dumpgenesis`): accepted.
    const { stdout } = await busan(bad('nulls', (g) => Object.assign(g, { baseFeePerGas: null, excessBlobGas: null, blobGasUsed: null })))
    assert.equal(JSON.parse(stdout).chainId, devGenesis().config.chainId)
  })

  it('what the machine refuses (a directory that cannot be made, a database another node holds) is one line and exit code 1', async () => {
    const file = join(dir, 'plain-file')
    writeFileSync(file, '')
    const fatal = async (args: string[], message: RegExp) => {
      await assert.rejects(busan(args), (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1, `${args.join(' ')}: ${error.stderr}`)
        assert.match(error.stderr.trim(), message, args.join(' '))
        assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace')
        return true
      })
    }
    await fatal(['dev', '--datadir', join(file, 'chain'), '--http.port', '0'], /^cannot create the directory .*plain-file\/chain: not a directory$/)
    const password = join(dir, 'password-for-fatal')
    writeFileSync(password, 'secret\n')
    await fatal(['account', 'new', '--keystore-dir', file, '--password', password], /^cannot list the directory .*plain-file: not a directory$/)
    const dataDir = mkdtempSync(join(dir, 'held-'))
    const holder = await startNodeProcess(['dev', '--datadir', dataDir, '--http.port', '0'], dataDir, { env: cleanEnv() })
    try {
      await fatal(['dev', '--datadir', dataDir, '--http.port', '0'], /^database .*chaindata is in use by another process \(is a node already running on this data directory\?\)$/)
    } finally {
      await holder.stop()
    }
  })

  it('bad --bootnodes, --allowlist and --p2p.addr, and a p2p port another process holds', async () => {
    const genesis = join(dir, 'run-genesis.json')
    writeFileSync(genesis, JSON.stringify(devGenesis()))
    const runArgs = () => ['run', '--datadir', mkdtempSync(join(dir, 'run-')), '--genesis', genesis, '--http.port', '0', '--p2p.addr', '127.0.0.1', '--p2p.port', '0']
    await refused([...runArgs(), '--bootnodes', 'garbage'], /^--bootnodes: invalid peer address garbage: /)
    await refused([...runArgs(), '--bootnodes', '/ip4/127.0.0.1/tcp/30303'], /^--bootnodes: peer address \/ip4\/127\.0\.0\.1\/tcp\/30303 has no \/p2p\/<peerId>$/)
    await refused([...runArgs(), '--allowlist', 'not-a-peer-id'], /^--allowlist: invalid peer id not-a-peer-id: /)
    await refused([...runArgs(), '--p2p.addr', 'localhost'], /^--p2p\.addr must be an IPv4 address such as 0\.0\.0\.0 or 127\.0\.0\.1, got localhost$/)
    await refused([...runArgs(), '--p2p.addr', '192.0.2.1'], /^--p2p\.addr: cannot listen on \/ip4\/192\.0\.2\.1\/tcp\/0: not an address of this machine/)
    const holder: Server = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const { port } = holder.address() as { port: number }
    try {
      await refused([...runArgs(), '--p2p.port', String(port)], new RegExp(`^--p2p\\.port: port ${port} is already in use by another process; stop it or choose another port with --p2p\\.port$`))
    } finally {
      holder.close()
    }
  })

  it('a bad config file or variable names where the value came from', async () => {
    const badKey = join(dir, 'bad-key.toml')
    writeFileSync(badKey, 'http.prot = 8545\n')
    await refused(['dev', '--config', badKey], /^--config: .*bad-key\.toml: unknown key "http\.prot"/)
    const badToml = join(dir, 'bad.toml')
    writeFileSync(badToml, '[http\nport = 1\n')
    await refused(['dev', '--config', badToml], /^--config: .*bad\.toml is not valid TOML at line 1/)
    const badValue = join(dir, 'bad-value.toml')
    writeFileSync(badValue, '[rpc]\nworkers = 0\n')
    await refused(['dev', '--config', badValue], /^--rpc\.workers must be a whole number from 1 to 64 in decimal digits, got 0 \(set by .*bad-value\.toml, key rpc\.workers\)$/)
    await refused(['dev'], /^--http\.port must be a whole number from 0 to 65535 in decimal digits, got 99999 \(set by BUSAN_HTTP_PORT\)$/, cleanEnv({ BUSAN_HTTP_PORT: '99999' }))
    await refused(['dev'], /^--config: cannot read .*missing\.toml: no such file$/, cleanEnv({ BUSAN_CONFIG: join(dir, 'missing.toml') }))
  })
})

describe('flags > BUSAN_* variables > config file > defaults', () => {
  const nodes: NodeProcess[] = []
  after(async () => {
    for (const node of nodes) await node.stop()
  })

  async function listeningPort(args: string[], env: NodeJS.ProcessEnv): Promise<{ port: number; node: NodeProcess }> {
    const dataDir = mkdtempSync(join(dir, 'node-'))
    const node = await startNodeProcess(['dev', '--datadir', dataDir, '--period', '0', ...args], dataDir, { env })
    nodes.push(node)
    const port = Number(new URL(node.rpcUrl).port)
    await node.stop()
    return { port, node }
  }

  it('each source wins over the ones below it, and a file key of another command is ignored', async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()]
    const config = join(dir, 'node.toml')
    // Both TOML spellings of a dotted flag, a list as an array, and keys `dev` does not take (p2p.port) that `run` would.
    writeFileSync(config, `log-level = "debug"\n\n[http]\nport = ${filePort}\napi = ["eth", "net", "web3"]\n\n[p2p]\nport = 30999\n`)
    const fromFile = await listeningPort(['--config', config], cleanEnv())
    assert.equal(fromFile.port, filePort)
    assert.ok(fromFile.node.logs.some((entry) => entry.level === 20), 'log-level debug from the file')
    const fromEnv = await listeningPort([], cleanEnv({ BUSAN_CONFIG: config, BUSAN_HTTP_PORT: String(envPort), BUSAN_LOG_LEVEL: 'info' }))
    assert.equal(fromEnv.port, envPort)
    assert.ok(!fromEnv.node.logs.some((entry) => entry.level === 20), 'BUSAN_LOG_LEVEL over the file')
    const fromFlag = await listeningPort(['--config', config, '--http.port', String(flagPort)], cleanEnv({ BUSAN_HTTP_PORT: String(envPort) }))
    assert.equal(fromFlag.port, flagPort)
  })

  it('the file\'s http.api list is served, and methods outside it are not', async () => {
    const config = join(dir, 'api.toml')
    writeFileSync(config, 'http.api = ["eth", "net"]\nhttp.port = 0\n')
    const dataDir = mkdtempSync(join(dir, 'api-'))
    const node = await startNodeProcess(['dev', '--datadir', dataDir, '--period', '0', '--config', config], dataDir, { env: cleanEnv() })
    nodes.push(node)
    const call = async (method: string) => (await (await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }) })).json()) as { result?: unknown; error?: { code: number; message: string } }
    assert.equal((await call('net_version')).result, '31337')
    assert.deepEqual((await call('web3_clientVersion')).error?.code, -32601)
  })
})

/** Starts `busan dev` with stdout piped, collecting its lines; stops it with SIGTERM. */
function devProcess(args: string[]) {
  const child = spawn(process.execPath, [mainScript, 'dev', '--datadir', mkdtempSync(join(dir, 'text-')), '--http.port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() })
  const lines: string[] = []
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line))
  const waitFor = async (pattern: RegExp, ms = 30_000) => {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      if (lines.some((line) => pattern.test(line))) return
      await sleep(50)
    }
    throw new Error(`no line matched ${pattern} within ${ms} ms:\n${lines.join('\n')}`)
  }
  const stop = async () => {
    child.kill('SIGTERM')
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve))
  }
  return { lines, waitFor, stop }
}

describe('logs and the dev banner', () => {
  it('--log.format text prints anvil\'s banner: the well-known dev accounts and keys, balances, chain id, base fee and gas limit as the node answers them', async () => {
    const dev = devProcess(['--log.format', 'text', '--period', '0'])
    try {
      await dev.waitFor(/^Listening on 127\.0\.0\.1:\d+ /)
      const url = /\(JSON-RPC over HTTP (http:\/\/[\d.:]+) /.exec(dev.lines.find((line) => line.startsWith('Listening on'))!)![1]
      const text = dev.lines.join('\n')
      // The logs are pino-pretty lines, not JSON.
      assert.ok(dev.lines.some((line) => /INFO.*JSON-RPC listening/.test(line)), text)
      assert.ok(!dev.lines.some((line) => line.startsWith('{')), 'no JSON lines')
      // Hardhat's and anvil's documented first account and key of "test test ... junk".
      assert.match(text, /\n\(0\) 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 \(10000\.000000000000000000 ETH\)\n/)
      assert.match(text, /\n\(0\) 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n/)
      const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true })
      const accounts = (await provider.send('eth_accounts', [])) as string[]
      for (const [i, account] of accounts.entries()) {
        const balance = ethers.formatEther(await provider.getBalance(account))
        assert.ok(text.includes(`(${i}) ${ethers.getAddress(account)} (${balance.split('.')[0]}.${balance.split('.')[1].padEnd(18, '0')} ETH)`), `account ${i}`)
      }
      const section = (title: string) => text.split(`${title}\n==================\n\n`)[1].split('\n')[0]
      assert.equal(section('Chain ID'), String(Number(await provider.send('eth_chainId', []))))
      const latest = await provider.getBlock('latest')
      assert.equal(section('Gas Limit'), String(latest!.gasLimit))
      // The printed base fee is the next block's: the block the first transaction lands in has it.
      const wallet = new ethers.Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', provider)
      const receipt = await (await wallet.sendTransaction({ to: wallet.address, value: 1n })).wait()
      const block = await provider.getBlock(receipt!.blockNumber)
      assert.equal(section('Base Fee'), String(block!.baseFeePerGas))
      provider.destroy()
    } finally {
      await dev.stop()
    }
  })

  it('piped stdout gets JSON lines; the dev chain logs empty blocks at debug only', async () => {
    const quiet = devProcess(['--period', '1'])
    const verbose = devProcess(['--period', '1', '--log-level', 'debug'])
    try {
      await verbose.waitFor(/"msg":"sealed block".*"txs":0|"txs":0.*"msg":"sealed block"/, 20_000)
      await quiet.waitFor(/"msg":"JSON-RPC listening/)
      await sleep(2_500)
      const listening = quiet.lines.map((line) => JSON.parse(line) as { msg: string; url?: string }).find((entry) => entry.msg.startsWith('JSON-RPC listening'))
      const reply = await fetch(listening!.url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }) })
      assert.ok(Number(((await reply.json()) as { result: string }).result) >= 2, 'the quiet node sealed blocks')
      assert.ok(!quiet.lines.some((line) => line.includes('sealed block')), 'empty blocks logged at info')
      assert.ok(!quiet.lines.some((line) => line.includes('Available Accounts')), 'no banner in a JSON log')
    } finally {
      await Promise.all([quiet.stop(), verbose.stop()])
    }
  })
})

describe('stopping', () => {
  it('SIGTERM to `npx busan dev` (npm, as `docker stop` sends it) stops the node cleanly: npm\'s `sh -c` does not pass it on', async () => {
    const repo = join(import.meta.dirname, '../..')
    const npx = spawn('npx', ['busan', 'dev', '--datadir', mkdtempSync(join(dir, 'npx-')), '--http.port', '0', '--log.format', 'json'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() })
    const lines: { msg?: string; pid?: number }[] = []
    createInterface({ input: npx.stdout }).on('line', (line) => lines.push(JSON.parse(line)))
    const until = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 60_000
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`${what} within 60 s:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)
        await sleep(100)
      }
    }
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    await until(() => lines.some((line) => line.msg === 'JSON-RPC listening (HTTP and WebSocket)'), 'no "JSON-RPC listening" line')
    const nodePid = lines.find((line) => line.msg === 'JSON-RPC listening (HTTP and WebSocket)')!.pid!
    assert.notEqual(nodePid, npx.pid, 'the node runs under npm, not as npm')
    npx.kill('SIGTERM')
    try {
      await until(() => !alive(nodePid), `the node (pid ${nodePid}) still runs`)
    } finally {
      if (alive(nodePid)) process.kill(nodePid, 'SIGKILL')
    }
    assert.ok(lines.some((line) => line.msg === 'stopped'), 'the node stopped as on SIGTERM (closed its database), not killed')
  })
})

describe('the node process\'s memory set-up (relaunch.ts)', () => {
  const library = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2', '/usr/lib64/libjemalloc.so.2', '/usr/lib/libjemalloc.so.2'].find((path) => existsSync(path))

  async function devNode(env: NodeJS.ProcessEnv): Promise<{ maps: string; cmdline: string; environ: string; pidMatches: boolean }> {
    const dataDir = mkdtempSync(join(dir, 'memory-'))
    const node = await startNodeProcess(['dev', '--datadir', dataDir, '--period', '0', '--http.port', '0'], dataDir, { env })
    try {
      const pid = node.process.pid!
      // The JSON-RPC answer comes from the process the test started: execve keeps its pid.
      const listening = node.logs.find((entry) => String(entry.msg).startsWith('JSON-RPC listening'))
      return { maps: readFileSync(`/proc/${pid}/maps`, 'utf8'), environ: readFileSync(`/proc/${pid}/environ`, 'utf8'), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '), pidMatches: listening?.pid === pid }
    } finally {
      await node.stop()
    }
  }

  it('a dev node runs on jemalloc (when the machine has it) with a 16 MB semi-space, under the pid it was started with', async (t) => {
    const { maps, cmdline, environ, pidMatches } = await devNode(cleanEnv())
    assert.ok(pidMatches, 'the node kept its pid')
    assert.match(cmdline, /--max-semi-space-size=16 /)
    if (library === undefined) {
      t.skip('libjemalloc2 is not installed (scripts/install-deps.sh installs it)')
      return
    }
    assert.ok(maps.includes(library), `${library} is mapped`)
    assert.ok(environ.split('\0').includes('MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0'), 'jemalloc returns freed pages after 1 s')
  })

  it('BUSAN_ALLOCATOR=system keeps glibc\'s malloc', async () => {
    const { maps, cmdline } = await devNode(cleanEnv({ BUSAN_ALLOCATOR: 'system' }))
    assert.ok(!maps.includes('jemalloc'), 'jemalloc is not mapped')
    assert.match(cmdline, /--max-semi-space-size=16 /)
  })
})
