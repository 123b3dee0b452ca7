// Native secp256k1 and keccak for EthereumJS through `Common.customCrypto`. Keccak-256 is
// Node's own (OpenSSL 3's KECCAK-256, no addon, so safe in every thread); secp256k1 is the
// native binding, pure JS in threads that may be terminated mid-call (see `portable`).
// The binding is loaded directly: `require('secp256k1')` silently falls back to a
// pure-JS implementation (20x slower) when the native build is missing, and we want
// that to fail loudly instead.
import { hash } from 'node:crypto'
import { createRequire } from 'node:module'
import { isMainThread, workerData } from 'node:worker_threads'
import type { CustomCrypto } from '@ethereumjs/common'
import { secp256k1 as secp } from '@noble/curves/secp256k1.js'

const require = createRequire(import.meta.url)

interface Secp256k1Native {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean, output?: Uint8Array): Uint8Array
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number }
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array
  privateKeyVerify(seckey: Uint8Array): boolean
}

/**
 * Threads that may be terminated in the middle of a call (the RPC worker threads, stopped when a
 * call outlives its deadline) use pure-JS crypto (@noble, what EthereumJS uses by default): a
 * thread terminated inside a node-addon-api addon (secp256k1) aborts the whole process.
 * They say so with `workerData.portableCrypto`.
 */
const portable = !isMainThread && (workerData as { portableCrypto?: boolean } | null)?.portableCrypto === true

interface CryptoImpl {
  /** 64-byte signature r || s. */
  recover(sig64: Uint8Array, recid: number, msgHash: Uint8Array): Uint8Array
  sign(msgHash: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number }
  /** Uncompressed public key, 65 bytes with the 0x04 prefix. */
  publicKey(privateKey: Uint8Array): Uint8Array
}

function nativeImpl(): CryptoImpl {
  const secp256k1 = require('secp256k1/bindings') as Secp256k1Native
  return {
    recover: (sig64, recid, msgHash) => secp256k1.ecdsaRecover(sig64, recid, msgHash, false),
    sign: (msgHash, privateKey) => secp256k1.ecdsaSign(msgHash, privateKey),
    publicKey: (privateKey) => secp256k1.publicKeyCreate(privateKey, false),
  }
}

function portableImpl(): CryptoImpl {
  return {
    recover: (sig64, recid, msgHash) => secp.Signature.fromBytes(sig64).addRecoveryBit(recid).recoverPublicKey(msgHash).toBytes(false),
    sign(msgHash, privateKey) {
      const recovered = secp.sign(msgHash, privateKey, { prehash: false, format: 'recovered' })
      return { signature: recovered.subarray(1), recid: recovered[0] }
    },
    publicKey: (privateKey) => secp.getPublicKey(privateKey, false),
  }
}

const impl = portable ? portableImpl() : nativeImpl()

/**
 * Keccak-256 (the original Keccak padding, not FIPS-202 SHA3-256) of `data`: 32 bytes, a plain
 * Uint8Array (not a Buffer, whose `slice` shares memory). OpenSSL's one-shot digest is about 30%
 * faster than the keccak package's native sponge for the 32-600-byte inputs of the trie and
 * the EVM (docs/benchmarks.md, 2026-12-02).
 */
export function keccak256(data: Uint8Array): Uint8Array {
  const digest = hash('keccak-256', data, 'buffer')
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
  return impl.recover(sig, recid, msgHash).subarray(1)
}

/** Address (20 bytes) of an uncompressed 64-byte public key. */
export function publicKeyToAddress(publicKey: Uint8Array): Uint8Array {
  return keccak256(publicKey).subarray(12)
}

export function privateKeyToAddress(privateKey: Uint8Array): Uint8Array {
  return publicKeyToAddress(impl.publicKey(privateKey).subarray(1))
}

/** Signs a 32-byte digest; returns r, s and the recovery id (0/1). */
export function signDigest(msgHash: Uint8Array, privateKey: Uint8Array): { r: Uint8Array; s: Uint8Array; recovery: number } {
  const { signature, recid } = impl.sign(msgHash, privateKey)
  return { r: signature.slice(0, 32), s: signature.slice(32, 64), recovery: recid }
}

function ecrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  return recoverPublicKey(msgHash, recoveryId(v, chainId), r, s)
}

// EthereumJS calls `ecsign(hash, key, { prehash: false, format: 'recovered' })` and expects
// 65 bytes laid out as [recovery | r | s].
function ecsign(msgHash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { signature, recid } = impl.sign(msgHash, privateKey)
  const out = new Uint8Array(65)
  out[0] = recid
  out.set(signature, 1)
  return out
}

function ecdsaRecover(sig: Uint8Array, recId: number, hash: Uint8Array): Uint8Array {
  return impl.recover(sig, recId, hash)
}

export const nativeCrypto: CustomCrypto = {
  keccak256,
  ecrecover,
  ecsign: ecsign as unknown as CustomCrypto['ecsign'],
  ecdsaRecover,
}
