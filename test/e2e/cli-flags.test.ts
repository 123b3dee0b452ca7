// The node's numeric and duration flags, on real `busan` processes: a value the node cannot
// honour is refused at start with one line naming the flag (exit code 2), never accepted and
// misread; Go-style compound durations, a uint64 gas cap and a work queue of 0 work.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { devGenesis } from '@busan/chain-config'
import { ENDLESS_GAS_CAP, INFINITE_LOOP, mainScript } from '@busan/testkit'
import { startE2ENode, type E2ENode } from './helpers/node.ts'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'busan-cli-flags-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const genesisPath = join(dir, 'genesis.json')
writeFileSync(genesisPath, JSON.stringify(devGenesis()))

/** Runs `busan <command> --datadir <fresh dir> ...args`; asserts exit code 2 and one line naming the problem. */
async function refused(command: 'dev' | 'run', args: string[], message: RegExp): Promise<void> {
  const dataDir = mkdtempSync(join(dir, 'data-'))
  const extra = command === 'run' ? ['--genesis', genesisPath] : []
  await assert.rejects(exec(process.execPath, [mainScript, command, '--datadir', dataDir, ...extra, ...args], { timeout: 30_000 }), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2, `${args.join(' ')}: ${error.stderr}`)
    const [first] = error.stderr.split('\n')
    assert.match(first, message, args.join(' '))
    assert.doesNotMatch(error.stderr, /\n\s+at |Warning/, 'no stack trace, no runtime warning')
    return true
  })
}

describe('flags the node cannot honour are refused at start', () => {
  it('an --http.api namespace the server does not have, naming the valid ones', async () => {
    await refused('dev', ['--http.api', 'eth,bogus'], /^--http\.api: unknown namespace "bogus"; valid: admin,clique,debug,erigon,eth,net,ots,personal,qbft,rpc,testing,txpool,web3$/)
    await refused('run', ['--http.api', 'eth,Personal,shh'], /^--http\.api: unknown namespace "shh"; valid: /)
  })

  it('durations past the longest Node.js timer (2^31-1 ms), for every duration flag', async () => {
    const max = /must be at most 596h31m23\.647s \(2\^31-1 ms/
    await refused('dev', ['--rpc.evmtimeout', '600h'], new RegExp(`^--rpc\\.evmtimeout ${max.source}.*got 600h$`))
    await refused('dev', ['--rpc.evmtimeout', '596h31m23.648s'], /^--rpc\.evmtimeout must be at most/)
    await refused('dev', ['--txpool.lifetime', '1000h'], /^--txpool\.lifetime must be at most/)
    await refused('dev', ['--txpool.rejournal', '25000h'], /^--txpool\.rejournal must be at most/)
    await refused('run', ['--txpool.rebroadcast', '600h'], /^--txpool\.rebroadcast must be at most/)
    await refused('run', ['--discovery.interval', '999999999s'], /^--discovery\.interval must be at most/)
  })

  it('durations under a millisecond (they would round to 0, "no timeout"), and numbers without a unit', async () => {
    await refused('dev', ['--rpc.evmtimeout', '0.4ms'], /^--rpc\.evmtimeout must be 0 or at least 1ms, got 0\.4ms$/)
    await refused('dev', ['--rpc.evmtimeout', '0.0001s'], /^--rpc\.evmtimeout must be 0 or at least 1ms/)
    await refused('dev', ['--rpc.evmtimeout', '5'], /^--rpc\.evmtimeout must be a duration such as 5s, 500ms or 1m30s \(units ns, us, ms, s, m, h\), got 5$/)
    await refused('dev', ['--rpc.evmtimeout', '1m30'], /^--rpc\.evmtimeout must be a duration/)
    await refused('dev', ['--txpool.lifetime', '3d'], /^--txpool\.lifetime must be a duration/)
  })

  it('integers that are not plain decimal digits, or out of range', async () => {
    await refused('dev', ['--rpc.workqueue', '1e3'], /^--rpc\.workqueue must be a whole number from 0 to \d+ in decimal digits, got 1e3$/)
    await refused('dev', ['--rpc.workqueue', '0x10'], /^--rpc\.workqueue must be a whole number .* got 0x10$/)
    await refused('dev', ['--rpc.workers', '0'], /^--rpc\.workers must be a whole number from 1 to 64 in decimal digits, got 0$/)
    await refused('dev', ['--rpc.workers', '65'], /^--rpc\.workers must be a whole number from 1 to 64/)
    await refused('dev', ['--http.port', '70000'], /^--http\.port must be a whole number from 0 to 65535/)
    await refused('dev', ['--period', '1.5'], /^--period must be a whole number/)
    for (const value of ['0', '101', '50%', '7.5']) {
      await refused('run', ['--poa-block-txs-selection-max-time', value], /^--poa-block-txs-selection-max-time must be a whole number from 1 to 100 in decimal digits/)
    }
  })

  it('a gas cap over uint64 (geth\'s type), read as digits and not rounded as a float', async () => {
    await refused('dev', ['--rpc.gascap', '99999999999999999999'], /^--rpc\.gascap must be a whole number from 0 to 18446744073709551615 in decimal digits, got 99999999999999999999$/)
    await refused('dev', ['--rpc.gascap', '5e7'], /^--rpc\.gascap must be a whole number/)
  })
})

describe('--rpc.logslimit: the most logs one eth_getLogs answers', () => {
  it('refuses a query past it with -32005 and answers one within it; 0 is no limit', async () => {
    // Runtime code PUSH1 0, DUP1, LOG0, STOP (600080a000): one empty log per call. The initcode
    // PUSH5 <runtime>, PUSH1 0, MSTORE, PUSH1 5, PUSH1 27, RETURN returns it.
    const logger = '0x64600080a0006000526005601bf3'
    for (const [limit, refused] of [['2', true], ['0', false]] as const) {
      const e = await startE2ENode({ extraArgs: ['--rpc.logslimit', limit] })
      try {
        const [wallet] = e.wallets
        const deployed = await (await wallet.sendTransaction({ data: logger })).wait()
        for (let i = 0; i < 3; i++) await (await wallet.sendTransaction({ to: deployed!.contractAddress! })).wait()
        const wide = await e.rpcResponse('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }])
        if (refused) assert.deepEqual(wide.error, { code: -32005, message: 'query returned more than 2 results' })
        else assert.equal((wide.result as unknown[]).length, 3)
        const latest = await e.rpc<unknown[]>('eth_getLogs', [{ fromBlock: 'latest', toBlock: 'latest' }])
        assert.equal(latest.length, 1)
      } finally {
        await e.stop()
      }
    }
  })
})

describe('--rpc.workqueue 0: no queue, a heavy call runs when a thread is free', () => {
  let e: E2ENode
  before(async () => {
    e = await startE2ENode({ extraArgs: ['--rpc.workers', '1', '--rpc.workqueue', '0', '--rpc.evmtimeout', '2s', '--rpc.gascap', ENDLESS_GAS_CAP] })
  })
  after(() => e?.stop())

  it('answers eth_call, eth_estimateGas and eth_getLogs on an idle node', async () => {
    assert.equal(await e.rpc('eth_call', [{ data: '0x00' }, 'latest']), '0x')
    assert.match(await e.rpc<string>('eth_estimateGas', [{ to: e.wallets[1].address }]), /^0x/)
    assert.deepEqual(await e.rpc('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }]), [])
  })

  it('refuses one at once while the only thread is busy, and runs it again after', async () => {
    const loop = e.rpcResponse('eth_call', [{ data: INFINITE_LOOP }, 'latest']).then((answer) => ({ answer, at: performance.now() }))
    // The loop holds the thread for its 2 s budget; a call in that time finds no free thread.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const busy = await e.rpcResponse('eth_call', [{ data: '0x00' }, 'latest'])
    const busyAt = performance.now()
    assert.deepEqual(busy.error, { code: -32005, message: 'server busy: no execution thread is free (1 in use), try again later' })
    const { answer, at } = await loop
    assert.deepEqual(answer.error, { code: -32000, message: 'execution aborted (timeout = 2s)' })
    assert.ok(busyAt < at, 'refused at once, not after waiting for the thread')
    // The stopped thread is replaced by a cold one (niced below the sealing thread, so on a
    // loaded machine it may take longer than the 2 s budget to start): the call is served once
    // it is up.
    let later: { result?: unknown; error?: { code: number; message: string } } = {}
    for (let attempt = 0; attempt < 10 && later.result === undefined; attempt++) {
      later = await e.rpcResponse('eth_call', [{ data: '0x00' }, 'latest'])
      if (later.error !== undefined) assert.equal(later.error.message, 'execution aborted (timeout = 2s)', 'only the cold start may delay it')
    }
    assert.equal(later.result, '0x')
  })
})

describe('Go-style compound durations and a uint64 gas cap are accepted', () => {
  let e: E2ENode
  before(async () => {
    const args = ['--rpc.evmtimeout', '1s500ms', '--rpc.gascap', '18446744073709551615', '--txpool.lifetime', '1h30m', '--txpool.rejournal', '1m30s']
    e = await startE2ENode({ extraArgs: args })
  })
  after(() => e?.stop())

  it('stops a call at 1s500ms, with geth\'s words for it, and the full gas cap never runs out first', async () => {
    const started = performance.now()
    const answer = await e.rpcResponse('eth_call', [{ data: INFINITE_LOOP }, 'latest'])
    const seconds = (performance.now() - started) / 1000
    assert.deepEqual(answer.error, { code: -32000, message: 'execution aborted (timeout = 1.5s)' })
    // Not sooner than its budget; the upper bound leaves room for a loaded machine.
    assert.ok(seconds > 1.4 && seconds < 10, `stopped after ${seconds.toFixed(2)} s`)
    assert.match(await e.rpc<string>('eth_estimateGas', [{ to: e.wallets[1].address }]), /^0x/)
  })
})

describe('busan version', () => {
  it('prints the version, the checkout\'s commit, Node.js and the EthereumJS libraries, as `geth version` does; `npx busan` runs it', async () => {
    const repo = join(import.meta.dirname, '../..')
    const { stdout: commit } = await exec('git', ['rev-parse', 'HEAD'], { cwd: repo })
    const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }
    const vm = JSON.parse(readFileSync(join(repo, 'node_modules/@ethereumjs/vm/package.json'), 'utf8')) as { version: string }
    for (const args of [['version'], ['--version']]) {
      const { stdout } = await exec(process.execPath, [mainScript, ...args], { timeout: 30_000 })
      const lines = stdout.trim().split('\n')
      assert.equal(lines[0], 'BusanChain')
      assert.ok(lines.includes(`Version: ${root.version}`), stdout)
      assert.ok(lines.includes(`Git Commit: ${commit.trim()}`), stdout)
      assert.ok(lines.includes(`Node.js: ${process.version}`), stdout)
      assert.match(stdout, new RegExp(`EthereumJS: vm ${vm.version.replace(/\./g, '\\.')}, evm `))
    }
    const { stdout } = await exec('npx', ['busan', '--version'], { cwd: repo, timeout: 60_000 })
    assert.ok(stdout.includes(`Git Commit: ${commit.trim()}`), stdout)
  })
})
