// Shared helpers of the txpool, persistence and Hardhat end-to-end suites: a bare JSON-RPC
// client (so error codes and messages are the node's own, not a library's rewording), dev
// signers and transaction signing with EthereumJS over the chain's native crypto.
import { setTimeout as sleep } from 'node:timers/promises'
import { RLP } from '@ethereumjs/rlp'
import { createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx'
import { bigIntToUnpaddedBytes, bytesToHex, hexToBytes, type PrefixedHexString } from '@ethereumjs/util'
import { createChainCommon, devAccounts, devGenesis, keccak256, signDigest } from '@busan/chain-config'

export const CHAIN_ID = 31337n
export const GWEI = 10n ** 9n
/** Fee caps that clear the dev chain's base fee (1 gwei at genesis, falling on light blocks). */
export const MAX_FEE = 100n * GWEI
export const TIP = GWEI

export const common = createChainCommon(devGenesis())

export interface RpcError {
  code: number
  message: string
  data?: unknown
}

export interface RpcReply<T = unknown> {
  id?: number
  result?: T
  error?: RpcError
}

/** A JSON-RPC client over fetch that hands back the node's replies as they are. */
export class Rpc {
  readonly url: string
  private id = 0

  constructor(url: string) {
    this.url = url
  }

  /** One call; the reply with either `result` or `error`. */
  async reply<T = unknown>(method: string, params: unknown[] = []): Promise<RpcReply<T>> {
    const response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }) })
    return (await response.json()) as RpcReply<T>
  }

  /** One call; throws on a JSON-RPC error. */
  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const reply = await this.reply<T>(method, params)
    if (reply.error !== undefined) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`)
    return reply.result as T
  }

  /** A batch; replies in request order. */
  async batch<T = unknown>(calls: { method: string; params: unknown[] }[]): Promise<RpcReply<T>[]> {
    if (calls.length === 0) return []
    const body = calls.map((call) => ({ jsonrpc: '2.0', id: ++this.id, method: call.method, params: call.params }))
    const response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const replies = (await response.json()) as RpcReply<T>[]
    const byId = new Map(replies.map((reply) => [reply.id, reply]))
    return body.map((request) => byId.get(request.id) ?? { error: { code: 0, message: `no reply for ${request.method}` } })
  }

  sendRaw(raw: string): Promise<RpcReply<string>> {
    return this.reply<string>('eth_sendRawTransaction', [raw])
  }
}

export interface Receipt {
  transactionHash: string
  blockHash: string
  blockNumber: string
  transactionIndex: string
  status: string
  from: string
  to: string | null
  contractAddress: string | null
  gasUsed: string
  logs: { address: string; topics: string[]; data: string; logIndex: string; blockHash: string; transactionHash: string }[]
}

export interface BlockJson {
  number: string
  hash: string
  parentHash: string
  stateRoot: string
  baseFeePerGas: string
  gasLimit: string
  transactions: (string | { hash: string; from: string; nonce: string })[]
}

/** Polls for a receipt until `timeoutMs`. */
export async function waitForReceipt(rpc: Rpc, hash: string, timeoutMs = 30_000): Promise<Receipt> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const receipt = await rpc.call<Receipt | null>('eth_getTransactionReceipt', [hash])
    if (receipt !== null) return receipt
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} within ${timeoutMs} ms`)
    await sleep(25)
  }
}

/** Polls for the receipts of all `hashes` (batched) until `timeoutMs`. */
export async function waitForReceipts(rpc: Rpc, hashes: string[], timeoutMs = 30_000): Promise<Receipt[]> {
  const deadline = Date.now() + timeoutMs
  const found = new Map<string, Receipt>()
  for (;;) {
    const missing = hashes.filter((hash) => !found.has(hash))
    if (missing.length === 0) return hashes.map((hash) => found.get(hash) as Receipt)
    const replies = await rpc.batch<Receipt | null>(missing.map((hash) => ({ method: 'eth_getTransactionReceipt', params: [hash] })))
    replies.forEach((reply, i) => {
      if (reply.result != null) found.set(missing[i], reply.result)
    })
    if (found.size === hashes.length) continue
    if (Date.now() > deadline) throw new Error(`${hashes.length - found.size} of ${hashes.length} receipts missing after ${timeoutMs} ms`)
    await sleep(25)
  }
}

export interface DevSigner {
  key: Uint8Array
  /** Lowercase 0x address. */
  address: string
}

/** The funded dev accounts; #0 is the sealer. */
export const devSigners: DevSigner[] = devAccounts().map((account) => ({ key: hexToBytes(account.privateKey as PrefixedHexString), address: account.address.toLowerCase() }))

export interface TxFields {
  nonce: bigint
  to?: string
  value?: bigint
  data?: Uint8Array | string
  gasLimit?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

function dataBytes(data: Uint8Array | string | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array()
  return typeof data === 'string' ? hexToBytes(data as PrefixedHexString) : data
}

/** A signed EIP-1559 transaction (raw hex) and its hash. */
export function sign1559(signer: DevSigner, fields: TxFields): { raw: string; hash: string } {
  const tx = createFeeMarket1559Tx(
    {
      chainId: CHAIN_ID,
      nonce: fields.nonce,
      to: fields.to as PrefixedHexString | undefined,
      value: fields.value ?? 0n,
      data: dataBytes(fields.data),
      gasLimit: fields.gasLimit ?? 21_000n,
      maxFeePerGas: fields.maxFeePerGas ?? MAX_FEE,
      maxPriorityFeePerGas: fields.maxPriorityFeePerGas ?? TIP,
    },
    { common, params: {} },
  ).sign(signer.key)
  return { raw: bytesToHex(tx.serialize()), hash: bytesToHex(tx.hash()) }
}

/** A signed EIP-155 legacy transaction (raw hex) and its hash. */
export function signLegacy(signer: DevSigner, fields: Omit<TxFields, 'maxFeePerGas' | 'maxPriorityFeePerGas'> & { gasPrice?: bigint }): { raw: string; hash: string } {
  const tx = createLegacyTx(
    { nonce: fields.nonce, to: fields.to as PrefixedHexString | undefined, value: fields.value ?? 0n, data: dataBytes(fields.data), gasLimit: fields.gasLimit ?? 21_000n, gasPrice: fields.gasPrice ?? MAX_FEE },
    { common, params: {} },
  ).sign(signer.key)
  return { raw: bytesToHex(tx.serialize()), hash: bytesToHex(tx.hash()) }
}

export async function nonceOf(rpc: Rpc, address: string, tag = 'pending'): Promise<bigint> {
  return BigInt(await rpc.call<string>('eth_getTransactionCount', [address, tag]))
}

/**
 * Init code of a tiny contract: every call stores calldata word 0 in slot 0 and emits
 * LOG1(LOG_TOPIC) with the calldata as data.
 */
export const LOG_TOPIC = `0x${'ab'.repeat(32)}`
const runtime = `365f5f37` + `5f355f55` + `7f${LOG_TOPIC.slice(2)}` + `365fa1` + `00`
export const LOGGER_RUNTIME = `0x${runtime}`
export const LOGGER_INIT = `0x60${(runtime.length / 2).toString(16).padStart(2, '0')}600a5f3960${(runtime.length / 2).toString(16).padStart(2, '0')}5ff3${runtime}`

/** A 32-byte word as hex. */
export function word(value: bigint): string {
  return `0x${value.toString(16).padStart(64, '0')}`
}

/**
 * Signs an EIP-2718 typed transaction from its unsigned RLP fields as given, with no
 * validation: for transactions ethers and EthereumJS refuse to build (tip above fee cap).
 */
export function signTypedRaw(type: number, unsigned: Uint8Array[], key: Uint8Array): { raw: string; hash: string } {
  const prefixed = (body: Uint8Array) => {
    const out = new Uint8Array(body.length + 1)
    out[0] = type
    out.set(body, 1)
    return out
  }
  const digest = keccak256(prefixed(RLP.encode(unsigned)))
  const { r, s, recovery } = signDigest(digest, key)
  const raw = prefixed(RLP.encode([...unsigned, recovery === 0 ? new Uint8Array() : Uint8Array.of(recovery), stripZeros(r), stripZeros(s)]))
  return { raw: bytesToHex(raw), hash: bytesToHex(keccak256(raw)) }
}

function stripZeros(bytes: Uint8Array): Uint8Array {
  let i = 0
  while (i < bytes.length && bytes[i] === 0) i++
  return bytes.subarray(i)
}

/** Minimal big-endian bytes of an integer (RLP's canonical form). */
export function int(value: bigint): Uint8Array {
  return bigIntToUnpaddedBytes(value)
}
