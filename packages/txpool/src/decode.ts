// Decoding and signature checks for transactions entering the pool.
//
// A raw transaction is RLP-decoded once. The structural checks geth makes while decoding or
// in its signer (type, replay protection, chain id, fee caps, signature values) run on the
// decoded fields before EthereumJS builds the object, so the error is geth's rather than
// whatever the EthereumJS constructor throws first. The sender is recovered once with the
// native secp256k1/keccak of the chain's Common, from the decoded fields (no re-encoding of
// the transaction), and stored in the transaction's cache so the VM does not recover it
// again.
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import {
  createAccessList2930TxFromBytesArray,
  create1559FeeMarketTxFromBytesArray,
  createBlob4844TxFromBytesArray,
  createEOACode7702TxFromBytesArray,
  createLegacyTxFromBytesArray,
  type TypedTransaction,
} from '@ethereumjs/tx'
import { Address, SECP256K1_ORDER, SECP256K1_ORDER_DIV_2, bigIntToUnpaddedBytes, bytesToBigInt } from '@ethereumjs/util'
import { TxPoolError, TxPoolErrorReason as R } from './errors.ts'
import type { TxPoolOptions } from './options.ts'

type Keccak = (data: Uint8Array) => Uint8Array
type Ecrecover = (msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint) => Uint8Array

export interface DecodeContext {
  common: Common
  chainId: bigint
  maxTxSize: number
  allowUnprotected: boolean
}

/** The decoding context of a pool with these options (TxPool's own, and the sender recovery thread's). */
export function createDecodeContext(common: Common, options: Pick<TxPoolOptions, 'maxTxSize' | 'allowUnprotected'>): DecodeContext {
  return { common: sharedTxCommon(common), chainId: common.chainId(), maxTxSize: options.maxTxSize, allowUnprotected: options.allowUnprotected }
}

/** A transaction with its identity; the sender comes from `recoverSender`. */
export interface DecodedTx {
  tx: TypedTransaction
  raw: Uint8Array
  hash: Uint8Array
  hashHex: string
  /** Digest the sender signed. */
  signingHash: Uint8Array
  /** Signature as ecrecover wants it; v is 0/1 (typed) or the legacy v. */
  v: bigint
  r: Uint8Array
  s: Uint8Array
  /** Chain id for ecrecover's EIP-155 v handling (legacy protected only). */
  legacyChainId: bigint | undefined
}

export interface TypeLayout {
  /** geth's Go type name, used in its rlp messages. */
  name: string
  fields: number
  /** Indexes of fields that are RLP lists. */
  lists: readonly number[]
  /** Index of the chain id, or -1 (legacy: from v). */
  chainId: number
  /** Indexes of the tip and fee cap (equal for gas-price transactions). */
  tip: number
  feeCap: number
  build: (values: never, opts: { common: Common; params: Record<string, never> }) => TypedTransaction
}

const LAYOUTS: ReadonlyMap<number, TypeLayout> = new Map<number, TypeLayout>([
  [0, { name: 'types.LegacyTx', fields: 9, lists: [], chainId: -1, tip: 1, feeCap: 1, build: createLegacyTxFromBytesArray as TypeLayout['build'] }],
  [1, { name: 'types.AccessListTx', fields: 11, lists: [7], chainId: 0, tip: 2, feeCap: 2, build: createAccessList2930TxFromBytesArray as TypeLayout['build'] }],
  [2, { name: 'types.DynamicFeeTx', fields: 12, lists: [8], chainId: 0, tip: 2, feeCap: 3, build: create1559FeeMarketTxFromBytesArray as TypeLayout['build'] }],
  // Blob transactions arrive in their network form; the pool decodes their canonical form (blob.ts).
  [3, { name: 'types.BlobTx', fields: 14, lists: [8, 10], chainId: 0, tip: 2, feeCap: 3, build: createBlob4844TxFromBytesArray as TypeLayout['build'] }],
  [4, { name: 'types.SetCodeTx', fields: 13, lists: [8, 9], chainId: 0, tip: 2, feeCap: 3, build: createEOACode7702TxFromBytesArray as TypeLayout['build'] }],
])

const EMPTY = new Uint8Array(0)
const MAX_NONCE = 2n ** 64n - 1n
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * The Common handed to EthereumJS transaction constructors. They call `opts.common.copy()`
 * for every transaction; the chain's Common already skips the empty parameter update that
 * follows (see createChainCommon), so what is left is the copy itself. Every pooled
 * transaction shares one copy instead. It is never changed; callers must not change
 * `tx.common` of a pooled transaction either (no setHardfork/setEIPs on it).
 */
export function sharedTxCommon(common: Common): Common {
  const shared = common.copy()
  const factory = Object.create(shared) as Common
  Object.defineProperty(factory, 'copy', { value: () => shared, enumerable: false })
  return factory
}

/** Lowercase 0x hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  if (bytes.length > 32) return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
  let out = '0x'
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]]
  return out
}

function invalidSender(detail = 'invalid transaction v, r, s values'): TxPoolError {
  return new TxPoolError(R.InvalidSender, detail)
}

function checkSignatureValues(r: bigint, s: bigint): void {
  // geth's ValidateSignatureValues with homestead rules: 0 < r < N, 0 < s <= N/2.
  if (r === 0n || s === 0n || r >= SECP256K1_ORDER || s > SECP256K1_ORDER_DIV_2) throw invalidSender()
}

/** Maps an EthereumJS constructor error to a pool error. */
function constructorError(error: unknown): TxPoolError {
  const message = error instanceof Error ? error.message : String(error)
  if (/leading zero/i.test(message)) return new TxPoolError(R.Rlp, `non-canonical integer (leading zero bytes): ${message}`)
  if (/initcode size/i.test(message)) return new TxPoolError(R.MaxInitCodeSize, message)
  if (/nonce cannot equal or exceed/i.test(message)) return new TxPoolError(R.NonceMax, message)
  // EthereumJS refuses a transaction above EIP-7825's cap when it is built under Osaka.
  const capped = /gas limit (\d+) exceeds the maximum allowed by EIP-7825 \((\d+)\)/.exec(message)
  if (capped !== null) return new TxPoolError(R.GasLimitTooHigh, `(cap: ${capped[2]}, tx: ${capped[1]})`)
  return new TxPoolError(R.InvalidTransaction, message)
}

/** Size check, own copy and hash of a raw transaction: all `decodeRaw` needs first. */
export function identifyRaw(input: Uint8Array, ctx: DecodeContext): { raw: Uint8Array; hash: Uint8Array; hashHex: string } {
  if (input.length > ctx.maxTxSize) throw new TxPoolError(R.OversizedData, `transaction size ${input.length}, limit ${ctx.maxTxSize}`)
  if (input.length === 0) throw new TxPoolError(R.Rlp, 'typed transaction too short')
  // Own copy: the decoded fields are views into it, and the caller's buffer may be larger
  // (a whole request body) or reused.
  const raw = input.slice()
  const hash = (ctx.common.customCrypto.keccak256 as Keccak)(raw)
  return { raw, hash, hashHex: toHex(hash) }
}

/**
 * The type, layout and RLP fields of a raw transaction, as geth's decoding reads them: a
 * known type with the right number of fields of the right kinds, no check of their values.
 * Throws TxPoolError.
 */
export function decodeFields(raw: Uint8Array): { type: number; layout: TypeLayout; bytes: Uint8Array[] } {
  const first = raw[0]
  let type: number
  let payload: Uint8Array
  if (first >= 0xc0) {
    type = 0
    payload = raw
  } else if (first >= 0x80) {
    throw new TxPoolError(R.Rlp, 'expected input list for types.LegacyTx')
  } else {
    type = first
    if (raw.length === 1) throw new TxPoolError(R.Rlp, 'typed transaction too short')
    payload = raw.subarray(1)
  }
  const layout = LAYOUTS.get(type)
  if (layout === undefined) throw new TxPoolError(R.TxTypeNotSupported, `type ${type}`)

  let decoded: Uint8Array | unknown[]
  try {
    decoded = RLP.decode(payload) as Uint8Array | unknown[]
  } catch (error) {
    throw new TxPoolError(R.Rlp, error instanceof Error ? error.message : String(error))
  }
  if (!Array.isArray(decoded)) throw new TxPoolError(R.Rlp, `expected input list for ${layout.name}`)
  const values = decoded as (Uint8Array | unknown[])[]
  if (values.length < layout.fields) throw new TxPoolError(R.Rlp, `too few elements for ${layout.name}`)
  if (values.length > layout.fields) throw new TxPoolError(R.Rlp, `input list has too many elements for ${layout.name}`)
  for (let i = 0; i < values.length; i++) {
    const isList = Array.isArray(values[i])
    if (isList !== layout.lists.includes(i)) {
      throw new TxPoolError(R.Rlp, `expected input ${isList ? 'string or byte' : 'list'} for ${layout.name} field ${i}`)
    }
  }
  return { type, layout, bytes: values as Uint8Array[] }
}

/**
 * Decodes a raw transaction (from `identifyRaw`) and checks everything that needs neither
 * the sender nor the state. Throws TxPoolError.
 */
export function decodeRaw(raw: Uint8Array, hash: Uint8Array, hashHex: string, ctx: DecodeContext): DecodedTx {
  const { type, layout, bytes } = decodeFields(raw)
  const n = layout.fields
  const vBytes = bytes[n - 3]
  const rBytes = bytes[n - 2]
  const sBytes = bytes[n - 1]
  const v = bytesToBigInt(vBytes)

  // Replay protection and chain id (geth: the RPC's EIP-155 check, then its signer).
  let chainId: bigint
  let legacyChainId: bigint | undefined
  let recoveryV: bigint
  if (type === 0) {
    if (v === 27n || v === 28n) {
      if (!ctx.allowUnprotected) throw new TxPoolError(R.Unprotected)
      chainId = ctx.chainId
      legacyChainId = undefined
    } else if (v >= 35n) {
      chainId = (v - 35n) / 2n
      legacyChainId = chainId
    } else {
      throw invalidSender()
    }
    recoveryV = v
  } else {
    chainId = bytesToBigInt(bytes[layout.chainId])
    if (v > 1n) throw invalidSender()
    recoveryV = v
    legacyChainId = undefined
  }
  if (chainId !== ctx.chainId) throw new TxPoolError(R.InvalidChainId, `have ${chainId} want ${ctx.chainId}`)

  if (layout.tip !== layout.feeCap && bytesToBigInt(bytes[layout.tip]) > bytesToBigInt(bytes[layout.feeCap])) {
    throw new TxPoolError(R.TipAboveFeeCap, `maxPriorityFeePerGas: ${bytesToBigInt(bytes[layout.tip])}, maxFeePerGas: ${bytesToBigInt(bytes[layout.feeCap])}`)
  }
  checkSignatureValues(bytesToBigInt(rBytes), bytesToBigInt(sBytes))
  if (type === 4 && (bytes[9] as unknown as unknown[]).length === 0) throw new TxPoolError(R.EmptyAuthorizationList)
  if (bytesToBigInt(bytes[type === 0 ? 0 : 1]) >= MAX_NONCE) throw new TxPoolError(R.NonceMax)

  let tx: TypedTransaction
  try {
    tx = layout.build(bytes as never, { common: ctx.common, params: {} })
  } catch (error) {
    throw constructorError(error)
  }

  const keccak = ctx.common.customCrypto.keccak256 as Keccak
  // The digest the sender signed, from the decoded fields as they are.
  let signingHash: Uint8Array
  if (type === 0) {
    const unsigned = bytes.slice(0, 6)
    if (legacyChainId !== undefined) unsigned.push(bigIntToUnpaddedBytes(legacyChainId), EMPTY, EMPTY)
    signingHash = keccak(RLP.encode(unsigned))
  } else {
    const body = RLP.encode(bytes.slice(0, n - 3))
    const message = new Uint8Array(body.length + 1)
    message[0] = type
    message.set(body, 1)
    signingHash = keccak(message)
  }
  return { tx, raw, hash, hashHex, signingHash, v: recoveryV, r: rBytes, s: sBytes, legacyChainId }
}

/** The 64-byte public key that signed a decoded transaction. Throws TxPoolError (invalid sender). */
export function recoverPublicKey(decoded: DecodedTx): Uint8Array {
  const ecrecover = decoded.tx.common.customCrypto.ecrecover as Ecrecover
  let publicKey: Uint8Array
  try {
    publicKey = ecrecover(decoded.signingHash, decoded.v, decoded.r, decoded.s, decoded.legacyChainId)
  } catch (error) {
    throw invalidSender(error instanceof Error ? error.message : String(error))
  }
  if (publicKey.length !== 64) throw invalidSender()
  return publicKey
}

/**
 * The sender of a decoded transaction, cached on the transaction. `publicKey`: one recovered
 * ahead from the same bytes (sender-cache.ts); recovered here when absent.
 */
export function recoverSender(decoded: DecodedTx, publicKey: Uint8Array = recoverPublicKey(decoded)): Uint8Array {
  const keccak = decoded.tx.common.customCrypto.keccak256 as Keccak
  // EthereumJS consults this cache in getSenderPublicKey/getSenderAddress and hash();
  // senderAddress is our patch's (patches/@ethereumjs+tx+*.patch), saving it a pure-JS keccak.
  const sender = keccak(publicKey).slice(12)
  decoded.tx.cache.senderPubKey = publicKey
  decoded.tx.cache.senderAddress = new Address(sender)
  decoded.tx.cache.hash = decoded.hash
  return sender
}

/** Checks and identity of an already-built transaction (reorg re-adds, local signing). */
export function inspectTransaction(tx: TypedTransaction, ctx: DecodeContext, allowUnprotected: boolean): { raw: Uint8Array; hash: Uint8Array; hashHex: string; sender: Uint8Array } {
  // A blob transaction comes back from a block without its sidecar: it cannot be offered to peers again.
  if (tx.type === 3) throw new TxPoolError(R.MissingSidecar)
  if (!LAYOUTS.has(tx.type)) throw new TxPoolError(R.TxTypeNotSupported, `type ${tx.type}`)
  if (!tx.isSigned()) throw invalidSender('transaction is not signed')
  let chainId: bigint
  if (tx.type === 0) {
    const v = tx.v as bigint
    if (v === 27n || v === 28n) {
      if (!allowUnprotected) throw new TxPoolError(R.Unprotected)
      chainId = ctx.chainId
    } else if (v >= 35n) chainId = (v - 35n) / 2n
    else throw invalidSender()
  } else {
    chainId = (tx as { chainId: bigint }).chainId
  }
  if (chainId !== ctx.chainId) throw new TxPoolError(R.InvalidChainId, `have ${chainId} want ${ctx.chainId}`)
  checkSignatureValues(tx.r as bigint, tx.s as bigint)
  const raw = tx.serialize()
  if (raw.length > ctx.maxTxSize) throw new TxPoolError(R.OversizedData, `transaction size ${raw.length}, limit ${ctx.maxTxSize}`)
  const keccak = ctx.common.customCrypto.keccak256 as Keccak
  const hash = keccak(raw)
  let publicKey: Uint8Array
  try {
    publicKey = tx.getSenderPublicKey()
  } catch (error) {
    throw invalidSender(error instanceof Error ? error.message : String(error))
  }
  return { raw, hash, hashHex: toHex(hash), sender: keccak(publicKey).slice(12) }
}
