// The transaction workload the benchmark sends: pre-signed EIP-1559 transfers from many
// senders, in JSON-RPC batches, timed until every sender's nonce shows them mined.
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { bigIntToUnpaddedBytes, bytesToHex, generateAddress, hexToBytes } from '@ethereumjs/util'
import { createChainCommon, devAccounts, devGenesis, keccak256, privateKeyToAddress } from '@busan/chain-config'
import type { RpcClient } from './rpc-client.ts'

const common = createChainCommon(devGenesis())
const MAX_FEE = 200n * 10n ** 9n
const TIP = 10n ** 9n

export interface Shape {
  /** Transactions per JSON-RPC batch. */
  batch: number
  /** Batches in flight at once. */
  concurrency: number
}

export interface Sender {
  key: Uint8Array
  address: string
  nonce: bigint
}

/** `count` deterministic keys (`label` tells sets apart: the senders, the QBFT validators). */
export function senderKeys(count: number, label = 'sender'): Sender[] {
  return Array.from({ length: count }, (_, i) => {
    const key = keccak256(new TextEncoder().encode(`busan-bench-${label}-${i}`))
    return { key, address: bytesToHex(privateKeyToAddress(key)), nonce: 0n }
  })
}

/** The address of the contract `deployer`'s next transaction creates (at its current nonce). */
export function nextCreation(deployer: Sender): string {
  return bytesToHex(generateAddress(hexToBytes(deployer.address as `0x${string}`), bigIntToUnpaddedBytes(deployer.nonce)))
}

export function sign(key: Uint8Array, nonce: bigint, to: string | undefined, value: bigint, data: Uint8Array, gasLimit: bigint): string {
  const tx = createFeeMarket1559Tx({ chainId: 31337n, nonce, to: to as `0x${string}` | undefined, value, data, gasLimit, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: TIP }, { common, params: {} })
  return bytesToHex(tx.sign(key).serialize())
}

/** Called with the hashes of one answered batch and when it was sent (`performance.now()`). */
export type OnBatchSent = (hashes: string[], sentAt: number) => void

/** Sends `raws` as eth_sendRawTransaction batches, `shape.concurrency` batches in flight. */
export async function sendAll(client: RpcClient, raws: string[], shape: Shape, onSent?: OnBatchSent): Promise<void> {
  const batches: string[][] = []
  for (let i = 0; i < raws.length; i += shape.batch) batches.push(raws.slice(i, i + shape.batch))
  let next = 0
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]
      const sentAt = performance.now()
      const hashes = await client.batch<string>(batch.map((raw) => ({ method: 'eth_sendRawTransaction', params: [raw] })))
      onSent?.(hashes, sentAt)
    }
  }
  await Promise.all(Array.from({ length: shape.concurrency }, worker))
}

/**
 * Resolves once every account's nonce (`latest`) reaches `nonce`. Throws when the nonces have
 * not moved for `stallMs` (a transaction dropped, or a node that stopped sealing) or the node
 * stops answering, naming how many transactions are missing, so a run never hangs.
 */
export async function waitForNonces(client: RpcClient, accounts: { address: string; nonce: bigint }[], stallMs = 60_000): Promise<void> {
  let waiting = accounts
  let missing = -1n
  let progressAt = performance.now()
  while (waiting.length > 0) {
    const counts = await client.batch<string>(waiting.map((a) => ({ method: 'eth_getTransactionCount', params: [a.address, 'latest'] })))
    const left = waiting.reduce((sum, a, i) => sum + (a.nonce > BigInt(counts[i]) ? a.nonce - BigInt(counts[i]) : 0n), 0n)
    waiting = waiting.filter((a, i) => BigInt(counts[i]) < a.nonce)
    if (left !== missing) [missing, progressAt] = [left, performance.now()]
    if (waiting.length === 0) break
    if (performance.now() - progressAt > stallMs) throw new Error(`${missing} transactions of ${waiting.length} senders not mined, no progress for ${stallMs / 1000} s (dropped, or the node stopped sealing)`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Throws unless every transaction of `hashes` has a receipt with status 1: a figure counts only transactions that succeeded. */
export async function checkReceipts(client: RpcClient, hashes: string[]): Promise<void> {
  let failed = 0
  let absent = 0
  for (let i = 0; i < hashes.length; i += 200) {
    const receipts = await client.batch<{ status: string } | null>(hashes.slice(i, i + 200).map((hash) => ({ method: 'eth_getTransactionReceipt', params: [hash] })))
    for (const receipt of receipts) {
      if (receipt === null) absent++
      else if (receipt.status !== '0x1') failed++
    }
  }
  if (failed + absent > 0) throw new Error(`of ${hashes.length} transactions, ${failed} failed (status 0) and ${absent} have no receipt: the figure would count them`)
}

/** Builds and signs one transaction of sender number `i` with `nonce`. */
export type BuildTx = (sender: Sender, nonce: bigint, i: number) => string

/** ETH transfers of 1 wei, each sender to the next one. */
export function ethTransfer(senders: Sender[]): BuildTx {
  return (sender, nonce, i) => sign(sender.key, nonce, senders[(i + 1) % senders.length].address, 1n, new Uint8Array(), 21_000n)
}

/** How a timed phase watches its transactions: each batch as it is answered, and when all are mined. */
export interface PhaseWatch {
  /** Called once every transaction is signed, right before the first batch goes out. */
  onStart?: () => void
  onSent?: OnBatchSent
  /** Resolves once every transaction sent is in a block; default: every sender's nonce shows them mined. */
  mined?: () => Promise<void>
}

/**
 * Signs `perSender` transactions for every sender up front, then times send-to-mined:
 * returns transactions per second, once every receipt shows status 1 (checked after the clock).
 */
export async function timedPhase(client: RpcClient, senders: Sender[], perSender: number, shape: Shape, build: BuildTx, watch: PhaseWatch = {}): Promise<number> {
  const raws: string[] = []
  // Interleave senders so every batch carries many of them, as real traffic would.
  for (let n = 0; n < perSender; n++) {
    for (const [i, sender] of senders.entries()) raws.push(build(sender, sender.nonce + BigInt(n), i))
  }
  const hashes: string[] = []
  watch.onStart?.()
  const started = performance.now()
  await sendAll(client, raws, shape, (sent, sentAt) => {
    hashes.push(...sent)
    watch.onSent?.(sent, sentAt)
  })
  for (const sender of senders) sender.nonce += BigInt(perSender)
  await (watch.mined?.() ?? waitForNonces(client, senders))
  const tps = (raws.length / (performance.now() - started)) * 1000
  await checkReceipts(client, hashes)
  return tps
}

/** Gives every sender `amount` wei (default 100 ETH) from dev accounts #1..#9; returns the funders with their next nonces. */
export async function fundSenders(client: RpcClient, senders: Sender[], shape: Shape, amount = 100n * 10n ** 18n): Promise<Sender[]> {
  const funders: Sender[] = devAccounts()
    .slice(1)
    .map((account) => ({ key: hexToBytes(account.privateKey as `0x${string}`), address: account.address, nonce: 0n }))
  for (const funder of funders) funder.nonce = BigInt(await client.call<string>('eth_getTransactionCount', [funder.address, 'pending']))
  const funding = senders.map((sender, i) => {
    const funder = funders[i % funders.length]
    return sign(funder.key, funder.nonce++, sender.address, amount, new Uint8Array(), 21_000n)
  })
  await sendAll(client, funding, shape)
  await waitForNonces(client, funders)
  return funders
}
