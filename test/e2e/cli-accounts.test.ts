// The operator's key commands: `busan account new` and `account import` write geth-style
// encrypted keystores; `run` unlocks them and refuses a wrong password clearly.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { promisify } from 'node:util'
import { Wallet } from 'ethers'
import { devAccounts, devGenesis } from '@busan/chain-config'
import { mainScript } from '@busan/testkit'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'busan-cli-'))
const password = join(dir, 'password.txt')
writeFileSync(password, 'correct horse\n')

after(() => rmSync(dir, { recursive: true, force: true }))

function busan(args: string[]) {
  return exec(process.execPath, [mainScript, ...args], { timeout: 60_000 })
}

test('account new writes an encrypted keystore only its owner can read, unlocked by the password', async () => {
  const { stdout } = await busan(['account', 'new', '--keystore-dir', join(dir, 'keys'), '--password', password])
  const { address, keystore } = JSON.parse(stdout) as { address: string; keystore: string }
  assert.equal(statSync(keystore).mode & 0o777, 0o600)
  const wallet = await Wallet.fromEncryptedJson(readFileSync(keystore, 'utf8'), 'correct horse')
  assert.equal(wallet.address, address)
  await assert.rejects(Wallet.fromEncryptedJson(readFileSync(keystore, 'utf8'), 'wrong'), /incorrect password/)
})

test('account import keeps the given key', async () => {
  const [, second] = devAccounts(2)
  const keyFile = join(dir, 'key.txt')
  writeFileSync(keyFile, `${second.privateKey}\n`)
  const { stdout } = await busan(['account', 'import', '--keystore-dir', join(dir, 'keys'), '--password', password, '--private-key-file', keyFile])
  const { address, keystore } = JSON.parse(stdout) as { address: string; keystore: string }
  assert.equal(address, second.address)
  assert.equal((await Wallet.fromEncryptedJson(readFileSync(keystore, 'utf8'), 'correct horse')).privateKey, second.privateKey)
  // geth refuses a key the keystore already holds ("account already exists").
  await assert.rejects(busan(['account', 'import', '--keystore-dir', join(dir, 'keys'), '--password', password, '--private-key-file', keyFile]), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2)
    assert.match(error.stderr, new RegExp(`^account ${second.address} already exists in --keystore-dir `))
    return true
  })
})

test('account import refuses a file that holds no key, one line that never echoes the file', async () => {
  // One hex digit short of a key: the message must not carry it (a near-miss key is still a secret).
  const nearMiss = devAccounts(3)[2].privateKey.slice(0, -1)
  const keyFile = join(dir, 'not-a-key.txt')
  writeFileSync(keyFile, `${nearMiss}\n`)
  await assert.rejects(busan(['account', 'import', '--keystore-dir', join(dir, 'keys'), '--password', password, '--private-key-file', keyFile]), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2)
    assert.match(error.stderr, /^--private-key-file: .*not-a-key\.txt does not hold a secp256k1 private key/)
    assert.ok(!error.stderr.includes(nearMiss.slice(2, 20)), 'the key file\'s content is not printed')
    assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace')
    return true
  })
})

test('run refuses a wrong keystore password and a missing genesis, with a clear message', async () => {
  const [first] = devAccounts(1)
  const keystore = join(dir, 'sealer.json')
  writeFileSync(keystore, await new Wallet(first.privateKey).encrypt('right'))
  writeFileSync(join(dir, 'genesis.json'), JSON.stringify(devGenesis()))
  const wrong = join(dir, 'wrong.txt')
  writeFileSync(wrong, 'not it\n')
  await assert.rejects(busan(['run', '--datadir', join(dir, 'data'), '--genesis', join(dir, 'genesis.json'), '--keystore', keystore, '--password', wrong, '--http.port', '0', '--p2p.port', '0']), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2)
    assert.match(error.stderr, /cannot unlock .*sealer\.json: incorrect password/)
    return true
  })
  await assert.rejects(busan(['run', '--datadir', join(dir, 'empty')]), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2)
    assert.match(error.stderr, /--genesis FILE is required/)
    return true
  })
  await assert.rejects(busan(['frobnicate']), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2)
    assert.match(error.stderr, /unknown command: frobnicate/)
    return true
  })
})
