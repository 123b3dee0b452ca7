// Native secp256k1 and keccak for EthereumJS through `Common.customCrypto`.
// The bindings are loaded directly: `require('secp256k1')` silently falls back to a
// pure-JS implementation (20x slower) when the native build is missing, and we want
// that to fail loudly instead.
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { CustomCrypto } from '@ethereumjs/common'

const require = createRequire(import.meta.url)

interface Secp256k1Native {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean, output?: Uint8Array): Uint8Array
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number }
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array
  privateKeyVerify(seckey: Uint8Array): boolean
}
/** The keccak package's native sponge; its stream wrapper costs more than the hash. */
interface KeccakState {
  initialize(rate: number, capacity: number): void
  absorb(data: Buffer): void
  squeeze(length: number): Buffer
}

const secp256k1 = require('secp256k1/bindings') as Secp256k1Native
const NativeKeccakState = require('node-gyp-build')(dirname(require.resolve('keccak/package.json'))) as new () => KeccakState
const keccakState = new NativeKeccakState()

export function keccak256(data: Uint8Array): Uint8Array {
  // One sponge is reused: hashing is synchronous, so calls never interleave.
  keccakState.initialize(1088, 512)
  keccakState.absorb(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength))
  const digest = keccakState.squeeze(32)
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}

function leftPad32(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 32) return bytes
  if (bytes.length > 32) throw new Error('signature component longer than 32 bytes')
  const out = new Uint8Array(32)
  out.set(bytes, 32 - bytes.length)
  return out
}

/** Recovery id from a signature `v`: 0/1 (typed), 27/28 (legacy) or EIP-155. */
export function recoveryId(v: bigint, chainId?: bigint): number {
  let recovery: bigint
  if (v === 0n || v === 1n) recovery = v
  else if (chainId === undefined) recovery = v - 27n
  else recovery = v - (chainId * 2n + 35n)
  if (recovery !== 0n && recovery !== 1n) throw new Error('Invalid signature v value')
  return Number(recovery)
}

/** Uncompressed public key (64 bytes, no 0x04 prefix) that signed `msgHash`. */
export function recoverPublicKey(msgHash: Uint8Array, recid: number, r: Uint8Array, s: Uint8Array): Uint8Array {
  const sig = new Uint8Array(64)
  sig.set(leftPad32(r), 0)
  sig.set(leftPad32(s), 32)
  return secp256k1.ecdsaRecover(sig, recid, msgHash, false).subarray(1)
}

/** Address (20 bytes) of an uncompressed 64-byte public key. */
export function publicKeyToAddress(publicKey: Uint8Array): Uint8Array {
  return keccak256(publicKey).subarray(12)
}

export function privateKeyToAddress(privateKey: Uint8Array): Uint8Array {
  return publicKeyToAddress(secp256k1.publicKeyCreate(privateKey, false).subarray(1))
}

/** Signs a 32-byte digest; returns r, s and the recovery id (0/1). */
export function signDigest(msgHash: Uint8Array, privateKey: Uint8Array): { r: Uint8Array; s: Uint8Array; recovery: number } {
  const { signature, recid } = secp256k1.ecdsaSign(msgHash, privateKey)
  return { r: signature.slice(0, 32), s: signature.slice(32, 64), recovery: recid }
}

function ecrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  return recoverPublicKey(msgHash, recoveryId(v, chainId), r, s)
}

// EthereumJS calls `ecsign(hash, key, { prehash: false, format: 'recovered' })` and expects
// 65 bytes laid out as [recovery | r | s].
function ecsign(msgHash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { signature, recid } = secp256k1.ecdsaSign(msgHash, privateKey)
  const out = new Uint8Array(65)
  out[0] = recid
  out.set(signature, 1)
  return out
}

function ecdsaRecover(sig: Uint8Array, recId: number, hash: Uint8Array): Uint8Array {
  return secp256k1.ecdsaRecover(sig, recId, hash, false)
}

export const nativeCrypto: CustomCrypto = {
  keccak256,
  ecrecover,
  ecsign: ecsign as unknown as CustomCrypto['ecsign'],
  ecdsaRecover,
}
