// Fixtures for the pool tests: real transactions signed with the dev mnemonic's keys, and a
// PoolStateReader over a plain Map (the pool's only view of the state).
import assert from 'node:assert/strict'
import pino from 'pino'
import { Registry } from 'prom-client'
import { RLP } from '@ethereumjs/rlp'
import {
  createAccessList2930Tx,
  createEOACode7702Tx,
  createFeeMarket1559Tx,
  createLegacyTx,
  type TypedTransaction,
} from '@ethereumjs/tx'
import { bigIntToUnpaddedBytes, bytesToHex, eoaCode7702SignAuthorization, hexToBytes } from '@ethereumjs/util'
import { createChainCommon, devAccounts, devGenesis, keccak256, signDigest } from '@busan/chain-config'
import { TxPool, TxPoolError, type DropReason, type HeadContext, type PoolAccount, type PooledTransaction, type PoolStateReader, type TxPoolInit, type TxPoolOptions } from '../src/index.ts'

export const common = createChainCommon(devGenesis())
export const CHAIN_ID = common.chainId()
export const GWEI = 1_000_000_000n
export const BASE_FEE = GWEI
export const BLOCK_GAS_LIMIT = 60_000_000n
export const ETH = 10n ** 18n
export const RECIPIENT: `0x${string}` = `0x${'11'.repeat(20)}`

const dev = devAccounts()
export const keys: Uint8Array[] = dev.map((account) => hexToBytes(account.privateKey as `0x${string}`))
export const addresses: Uint8Array[] = dev.map((account) => hexToBytes(account.address as `0x${string}`))
export const addressHex: string[] = dev.map((account) => account.address.toLowerCase())

export class MapState implements PoolStateReader {
  readonly accounts = new Map<string, PoolAccount>()
  reads = 0

  set(index: number, account: Partial<PoolAccount>): this {
    const current = this.accounts.get(addressHex[index]) ?? { nonce: 0n, balance: 0n }
    this.accounts.set(addressHex[index], { ...current, ...account })
    return this
  }

  async getAccount(address: Uint8Array): Promise<PoolAccount> {
    this.reads++
    return this.accounts.get(bytesToHex(address)) ?? { nonce: 0n, balance: 0n }
  }

  /** Every dev account funded with `balance`, nonce 0. */
  static funded(balance = 1000n * ETH): MapState {
    const state = new MapState()
    for (let i = 0; i < addressHex.length; i++) state.set(i, { nonce: 0n, balance })
    return state
  }
}

export function head(overrides: Partial<HeadContext> = {}): HeadContext {
  return { baseFee: BASE_FEE, gasLimit: BLOCK_GAS_LIMIT, ...overrides }
}

export function makePool(args: { options?: Partial<TxPoolOptions>; state?: MapState; head?: Partial<HeadContext>; registry?: Registry | null } & Pick<TxPoolInit, 'blobVerifier' | 'senderRecovery'> = {}) {
  const state = args.state ?? MapState.funded()
  const registry = args.registry === undefined ? new Registry() : args.registry
  const pool = new TxPool({ common, state, head: head(args.head), options: args.options, logger: pino({ level: 'silent' }), metrics: registry, blobVerifier: args.blobVerifier, senderRecovery: args.senderRecovery })
  return { pool, state, registry }
}

/** Every 'pending' and 'dropped' event of `pool` from now on, in order. */
export function recordEvents(pool: TxPool): { pending: PooledTransaction[]; dropped: [PooledTransaction, DropReason][] } {
  const events = { pending: [] as PooledTransaction[], dropped: [] as [PooledTransaction, DropReason][] }
  pool.events.on('pending', (tx) => events.pending.push(tx))
  pool.events.on('dropped', (tx, reason) => events.dropped.push([tx, reason]))
  return events
}

export interface FeeTxFields {
  nonce?: bigint
  tip?: bigint
  feeCap?: bigint
  gasLimit?: bigint
  value?: bigint
  data?: Uint8Array
  to?: `0x${string}`
}

/** An EIP-1559 transaction from dev account `from` (tip and fee cap default to 1 and 2 gwei). */
export function tx1559(from: number, fields: FeeTxFields = {}): TypedTransaction {
  return createFeeMarket1559Tx(
    {
      chainId: CHAIN_ID,
      nonce: fields.nonce ?? 0n,
      maxPriorityFeePerGas: fields.tip ?? GWEI,
      maxFeePerGas: fields.feeCap ?? 2n * GWEI + (fields.tip ?? GWEI),
      gasLimit: fields.gasLimit ?? 21_000n,
      to: fields.to ?? RECIPIENT,
      value: fields.value ?? 1n,
      data: fields.data,
    },
    { common, params: {} },
  ).sign(keys[from])
}

export function txLegacy(from: number, fields: { nonce?: bigint; gasPrice?: bigint; gasLimit?: bigint; value?: bigint } = {}): TypedTransaction {
  return createLegacyTx(
    { nonce: fields.nonce ?? 0n, gasPrice: fields.gasPrice ?? 2n * GWEI, gasLimit: fields.gasLimit ?? 21_000n, to: RECIPIENT, value: fields.value ?? 1n },
    { common, params: {} },
  ).sign(keys[from])
}

export function tx2930(from: number, fields: { nonce?: bigint; gasPrice?: bigint } = {}): TypedTransaction {
  return createAccessList2930Tx(
    {
      chainId: CHAIN_ID,
      nonce: fields.nonce ?? 0n,
      gasPrice: fields.gasPrice ?? 2n * GWEI,
      gasLimit: 30_000n,
      to: RECIPIENT,
      value: 1n,
      accessList: [{ address: RECIPIENT, storageKeys: [] }],
    },
    { common, params: {} },
  ).sign(keys[from])
}

export function tx7702(from: number, fields: { nonce?: bigint } = {}): TypedTransaction {
  const authorization = eoaCode7702SignAuthorization({ chainId: `0x${CHAIN_ID.toString(16)}`, address: RECIPIENT, nonce: '0x0' }, keys[from + 1])
  return createEOACode7702Tx(
    {
      chainId: CHAIN_ID,
      nonce: fields.nonce ?? 0n,
      maxPriorityFeePerGas: GWEI,
      maxFeePerGas: 3n * GWEI,
      gasLimit: 100_000n,
      to: RECIPIENT,
      value: 0n,
      authorizationList: [authorization],
    },
    { common, params: {} },
  ).sign(keys[from])
}

const int = (value: bigint) => bigIntToUnpaddedBytes(value)

/**
 * Signs EIP-1559 fields by hand, for encodings EthereumJS refuses to build (tip above fee
 * cap) or to tamper with the signature. Returns the raw transaction.
 */
export function rawSigned1559(from: number, fields: { chainId?: bigint; nonce?: bigint; tip: bigint; feeCap: bigint; gasLimit?: bigint; authorizationList?: unknown[] }, tamper?: (signature: { yParity: bigint; r: bigint; s: bigint }) => { yParity: bigint; r: bigint; s: bigint }): Uint8Array {
  const type = fields.authorizationList === undefined ? 2 : 4
  const body: unknown[] = [
    int(fields.chainId ?? CHAIN_ID),
    int(fields.nonce ?? 0n),
    int(fields.tip),
    int(fields.feeCap),
    int(fields.gasLimit ?? 21_000n),
    hexToBytes(RECIPIENT),
    int(1n),
    new Uint8Array(0),
    [],
  ]
  if (fields.authorizationList !== undefined) body.push(fields.authorizationList)
  const payload = RLP.encode(body as Uint8Array[])
  const digest = keccak256(Uint8Array.of(type, ...payload))
  const signed = signDigest(digest, keys[from])
  let signature = { yParity: BigInt(signed.recovery), r: BigInt(bytesToHex(signed.r)), s: BigInt(bytesToHex(signed.s)) }
  if (tamper !== undefined) signature = tamper(signature)
  const encoded = RLP.encode([...body, int(signature.yParity), int(signature.r), int(signature.s)] as Uint8Array[])
  return Uint8Array.of(type, ...encoded)
}

/** A legacy transaction signed without EIP-155 (v = 27/28). */
export function rawUnprotectedLegacy(from: number, nonce = 0n): Uint8Array {
  const body = [int(nonce), int(2n * GWEI), int(21_000n), hexToBytes(RECIPIENT), int(1n), new Uint8Array(0)]
  const signed = signDigest(keccak256(RLP.encode(body)), keys[from])
  return RLP.encode([...body, int(27n + BigInt(signed.recovery)), signed.r, signed.s])
}

/** Asserts that `promise` rejects with a TxPoolError of `reason` whose message starts with `prefix`. */
export async function rejects(promise: Promise<unknown>, reason: string, prefix: string): Promise<TxPoolError> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof TxPoolError, `expected a TxPoolError, got ${caught === undefined ? 'success' : String(caught)}`)
  assert.equal(caught.code, -32000)
  assert.equal(caught.reason, reason, caught.message)
  assert.ok(caught.message.startsWith(prefix), `message ${JSON.stringify(caught.message)} should start with ${JSON.stringify(prefix)}`)
  return caught
}

/** Hex of the pooled hashes a cursor yields, in order. */
export function drain(cursor: { next(): { hashHex: string } | undefined }): string[] {
  const out: string[] = []
  for (let pooled = cursor.next(); pooled !== undefined; pooled = cursor.next()) out.push(pooled.hashHex)
  return out
}

export function hashOf(tx: TypedTransaction): string {
  return bytesToHex(tx.hash())
}
