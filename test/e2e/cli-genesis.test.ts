// `busan init` refuses a bad genesis with one line naming the field (exit code 2), and accepts
// Clique and QBFT genesis files alike.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { promisify } from 'node:util'
import { devGenesis, type GenesisFile } from '@busan/chain-config'
import { mainScript } from '@busan/testkit'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'busan-cli-genesis-'))
after(() => rmSync(dir, { recursive: true, force: true }))

let count = 0
/** Runs `busan init` on `genesis` in a fresh directory. */
function init(genesis: unknown) {
  const n = count++
  const path = join(dir, `genesis-${n}.json`)
  writeFileSync(path, typeof genesis === 'string' ? genesis : JSON.stringify(genesis))
  return exec(process.execPath, [mainScript, 'init', '--genesis', path, '--datadir', join(dir, `data-${n}`)], { timeout: 60_000 })
}

async function refused(genesis: unknown, message: RegExp): Promise<void> {
  await assert.rejects(init(genesis), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2, error.stderr)
    assert.match(error.stderr, message)
    assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace')
    return true
  })
}

test('accepts a Clique and a QBFT genesis', async () => {
  for (const genesis of [devGenesis(), devGenesis({ consensus: 'qbft' })]) {
    const { stdout } = await init(genesis)
    assert.equal(JSON.parse(stdout).chainId, 31337)
  }
})

test('refuses a bad QBFT section, naming the field', async () => {
  const qbft = devGenesis({ consensus: 'qbft' })
  const withQbft = (fields: Record<string, unknown>): GenesisFile => ({ ...qbft, config: { ...qbft.config, qbft: { ...qbft.config.qbft, ...fields } } })
  await refused(withQbft({ blockperiodseconds: 0 }), /config\.qbft\.blockperiodseconds must be an integer >= 1, got 0/)
  await refused(withQbft({ requesttimeoutseconds: 'soon' }), /config\.qbft\.requesttimeoutseconds must be an integer >= 1, got "soon"/)
  await refused(withQbft({ validatorcontractaddress: '0x1234' }), /config\.qbft\.validatorcontractaddress must be a 0x-prefixed 20-byte address/)
  await refused(withQbft({ blockperiodsecond: 2 }), /config\.qbft\.blockperiodsecond is not a QBFT setting this node knows/)
  await refused(withQbft({ startblock: 10 }), /config\.qbft\.startblock is only for a chain that starts on Clique/)
  await refused({ ...qbft, config: { ...qbft.config, transitions: { qbft: [{ block: 5, validatorselectionmode: 'contract' }] } } }, /config\.transitions\.qbft\[0\]: validatorselectionmode "contract" needs validatorcontractaddress/)
})

test('refuses a QBFT extraData that does not decode or names no validator', async () => {
  const qbft = devGenesis({ consensus: 'qbft' })
  await refused({ ...qbft, extraData: '0x1234' }, /invalid genesis: invalid extra data: extraData/)
  await refused({ ...qbft, extraData: `0xe5a0${'00'.repeat(32)}c0c080c0` }, /extraData lists no validators/)
})

test('refuses a file that is not a genesis at all', async () => {
  await refused('{ not json', /genesis-\d+\.json: .*JSON/)
  await refused({ config: {}, extraData: '0x', gasLimit: '0x1', alloc: {} }, /config\.chainId must be a positive integer/)
  await refused({ config: { chainId: 5, londonBlock: -1 }, extraData: '0x', gasLimit: '0x1', alloc: {} }, /config\.londonBlock must be a non-negative integer/)
  await refused({ config: { chainId: 5, eip155Block: 2, eip158Block: 3 }, extraData: '0x', gasLimit: '0x1', alloc: {} }, /config\.eip155Block and config\.eip158Block must be equal/)
})

test('accepts a geth proof-of-work genesis to import and serve, and refuses to seal on it', async () => {
  const ethash = { config: { chainId: 5, homesteadBlock: 0, londonBlock: 2, ethash: {} }, difficulty: '0x20000', extraData: '0x', gasLimit: '0x1c9c380', alloc: {} }
  const { stdout } = await init(ethash)
  assert.equal(JSON.parse(stdout).chainId, 5)
  const path = join(dir, 'ethash.json')
  writeFileSync(path, JSON.stringify(ethash))
  await assert.rejects(exec(process.execPath, [mainScript, 'run', '--genesis', path, '--datadir', join(dir, 'ethash-run'), '--keystore', join(dir, 'none.json')], { timeout: 60_000 }), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2, error.stderr)
    assert.match(error.stderr, /--keystore: the genesis names no proof-of-authority engine \(config\.clique or config\.qbft\)/)
    return true
  })
})
