// The key commands: `account new` and `account import` write geth's v3 (scrypt) keystore files,
// and `run --keystore` unlocks one. A missing or unreadable file, an empty password, a file that
// holds no key and a key the keystore already holds are usage errors naming the flag (exit 2);
// no message ever carries a key or a password.
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Wallet } from 'ethers'
import { hexToBytes } from '@ethereumjs/util'
import type { SignerKey } from './config.ts'
import { fail } from './cli-flags.ts'
import type { Flags } from './flag-sources.ts'
import { systemErrorReason } from './system-errors.ts'

/** A file a flag names, read as text; a missing or unreadable one is a usage error naming the flag. */
async function readText(path: string, flag: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => fail(`--${flag}: cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : systemErrorReason(error)}`))
}

/** The keystore password: the first line of the --password file (geth's --password). */
async function readPassword(path: string | undefined): Promise<string> {
  if (path === undefined) fail('--password FILE is required')
  return (await readText(path, 'password')).split(/\r?\n/)[0]
}

/** ethers' Wallet (v3 scrypt keystores), loaded on first use: ~130 modules a node without a keystore never needs. */
async function walletClass(): Promise<typeof Wallet> {
  return (await import('ethers')).Wallet
}

/** The sealing key of `run --keystore`: the keystore file unlocked with the --password file's first line. */
export async function unlock(keystorePath: string, passwordPath: string | undefined): Promise<SignerKey> {
  const password = await readPassword(passwordPath)
  const Wallet = await walletClass()
  const wallet = await Wallet.fromEncryptedJson(await readText(keystorePath, 'keystore'), password).catch((error: Error) =>
    fail(`cannot unlock ${keystorePath}: ${error.message.replace(/ \(argument=.*$/, '')}`),
  )
  return { address: hexToBytes(wallet.address as `0x${string}`), privateKey: hexToBytes(wallet.privateKey as `0x${string}`) }
}

/** Writes a geth-compatible (v3, scrypt) keystore file for the key; prints address and path. */
async function saveKeystore(flags: Flags, wallet: Wallet): Promise<void> {
  const dir = flags['keystore-dir'] ?? fail('--keystore-dir DIR is required')
  const password = await readPassword(flags.password)
  // geth refuses an empty passphrase for a new key: anyone who reads the file would hold the key.
  if (password === '') fail(`--password: ${flags.password} holds an empty password; a keystore needs a password`)
  // geth's `account import` refuses a key the keystore already holds ("account already exists").
  const existing = existsSync(dir) ? (await readdir(dir)).find((name) => name.toLowerCase().endsWith(`--${wallet.address.slice(2).toLowerCase()}`)) : undefined
  if (existing !== undefined) fail(`account ${wallet.address} already exists in --keystore-dir ${dir} (${existing})`)
  const json = await wallet.encrypt(password)
  await mkdir(dir, { recursive: true })
  const file = join(dir, `UTC--${new Date().toISOString().replace(/:/g, '-')}--${wallet.address.slice(2).toLowerCase()}`)
  await writeFile(file, json, { mode: 0o600 })
  process.stdout.write(`${JSON.stringify({ address: wallet.address, keystore: file })}\n`)
}

/** `busan account new`: a random key in a new keystore file. */
export async function accountNew(flags: Flags): Promise<void> {
  const Wallet = await walletClass()
  return saveKeystore(flags, new Wallet(Wallet.createRandom().privateKey))
}

/** `busan account import`: the key in the --private-key-file (64 hex digits, 0x optional) in a new keystore file. */
export async function accountImport(flags: Flags): Promise<void> {
  const keyFile = flags['private-key-file'] ?? fail('--private-key-file FILE is required')
  const Wallet = await walletClass()
  const key = (await readText(keyFile, 'private-key-file')).trim()
  // The message names the file, never its content: a near-miss key is still a secret.
  const wallet = (() => {
    try {
      return new Wallet(/^[0-9a-fA-F]{64}$/.test(key) ? `0x${key}` : key)
    } catch {
      fail(`--private-key-file: ${keyFile} does not hold a secp256k1 private key (64 hex digits, with or without 0x)`)
    }
  })()
  return saveKeystore(flags, wallet)
}
