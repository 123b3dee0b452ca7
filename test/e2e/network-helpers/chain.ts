// Chain-level checks over JSON-RPC for the network end-to-end tests: bounded polling, the
// Clique author of a block recovered from its seal (independently of the node's own
// clique_* answers), agreement of several nodes on a block, and transfers signed with ethers.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { headInfo, type BlockJson, type ClusterNode, type HeadInfo } from './cluster.ts'

export const CHAIN_ID = 31337n
export const GWEI = 10n ** 9n

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined/false;
 * fails after `timeoutMs` with the label and the last value or error seen.
 */
export async function waitFor<T>(label: string, probe: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> | string } = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000
  const intervalMs = options.intervalMs ?? 100
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
      last = value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      const detail = options.describe === undefined ? '' : `\n${await options.describe()}`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})${detail}`)
    }
    await sleep(intervalMs)
  }
}

/** Quantities as RLP wants them: minimal big-endian bytes, empty for zero. */
function rlpQuantity(value: string): Uint8Array {
  return ethers.toBeArray(BigInt(value))
}

/**
 * The header's RLP fields in order (Prague: through requestsHash), built from the JSON-RPC
 * answer. `extraData` may be replaced (the seal hash signs extraData without the seal).
 */
function headerFields(block: BlockJson, extraData: string): (string | Uint8Array)[] {
  const fields: (string | Uint8Array)[] = [
    block.parentHash,
    block.sha3Uncles,
    block.miner,
    block.stateRoot,
    block.transactionsRoot,
    block.receiptsRoot,
    block.logsBloom,
    rlpQuantity(block.difficulty),
    rlpQuantity(block.number),
    rlpQuantity(block.gasLimit),
    rlpQuantity(block.gasUsed),
    rlpQuantity(block.timestamp),
    extraData,
    block.mixHash,
    block.nonce,
  ]
  // Fields of later forks, in order; the first absent one ends the header.
  const optional: [string | undefined, boolean][] = [
    [block.baseFeePerGas, true],
    [block.withdrawalsRoot, false],
    [block.blobGasUsed, true],
    [block.excessBlobGas, true],
    [block.parentBeaconBlockRoot, false],
    [block.requestsHash, false],
  ]
  for (const [value, isQuantity] of optional) {
    if (value === undefined) break
    fields.push(isQuantity ? rlpQuantity(value) : value)
  }
  return fields
}

/**
 * The Clique signer of a block (EIP-225): ecrecover of keccak(rlp(header without the
 * 65-byte seal)) with the seal. The header encoding is first checked against the block hash.
 */
export function cliqueAuthor(block: BlockJson): string {
  const extra = ethers.getBytes(block.extraData)
  assert.ok(extra.length >= 32 + 65, `block ${Number(block.number)}: extraData too short for a seal`)
  assert.equal(ethers.keccak256(ethers.encodeRlp(headerFields(block, block.extraData))), block.hash, `block ${Number(block.number)}: header RLP rebuilt from JSON does not hash to the block hash`)
  const seal = extra.subarray(extra.length - 65)
  const digest = ethers.keccak256(ethers.encodeRlp(headerFields(block, ethers.hexlify(extra.subarray(0, extra.length - 65)))))
  const signature = ethers.Signature.from({ r: ethers.hexlify(seal.subarray(0, 32)), s: ethers.hexlify(seal.subarray(32, 64)), v: 27 + seal[64] })
  return ethers.recoverAddress(digest, signature).toLowerCase()
}

/** Blocks `from..to` of one node (JSON-RPC batch-free: one call each, in parallel chunks). */
export async function blocks(node: ClusterNode, from: number, to: number): Promise<BlockJson[]> {
  const out: BlockJson[] = []
  for (let start = from; start <= to; start += 25) {
    const chunk = await Promise.all(Array.from({ length: Math.min(25, to - start + 1) }, (_, i) => node.block(start + i)))
    for (const [i, block] of chunk.entries()) {
      if (block === null) throw new Error(`${node.name}: no block ${start + i}`)
      out.push(block)
    }
  }
  return out
}

/** Waits until every node has a head at or above `number`. */
export async function waitForHeight(nodes: ClusterNode[], number: number, timeoutMs = 30_000): Promise<void> {
  await Promise.all(
    nodes.map((node) =>
      waitFor(`${node.name} at block ${number}`, async () => (await node.blockNumber()) >= number, {
        timeoutMs,
        describe: async () => `${node.name} head ${await node.blockNumber().catch(() => '?')}`,
      }),
    ),
  )
}

/**
 * Waits until every node stores the same canonical block at `number` (which, through the
 * parent hashes, means the same chain up to it); returns that block.
 */
export async function waitForAgreementAt(nodes: ClusterNode[], number: number, timeoutMs = 30_000): Promise<HeadInfo> {
  await waitForHeight(nodes, number, timeoutMs)
  const describe = async () => (await Promise.all(nodes.map(async (node) => `${node.name}: #${number} ${(await node.block(number).catch(() => null))?.hash ?? '?'} head ${await node.blockNumber().catch(() => '?')}`))).join('\n')
  return waitFor(
    `agreement on block ${number}`,
    async () => {
      const found = await Promise.all(nodes.map((node) => node.block(number)))
      if (found.some((block) => block === null)) return undefined
      const [first, ...rest] = found as BlockJson[]
      return rest.every((block) => block.hash === first.hash && block.stateRoot === first.stateRoot) ? headInfo(first) : undefined
    },
    { timeoutMs, describe },
  )
}

/**
 * Waits until every node reports the same latest block (hash and state root) and it stays
 * the head for `quietMs` (a quiet chain: period 0 with nothing pending); returns it.
 */
export async function waitForSameHead(nodes: ClusterNode[], timeoutMs = 30_000, quietMs = 300): Promise<HeadInfo> {
  const describe = async () => (await Promise.all(nodes.map(async (node) => {
    const head = await node.head().catch(() => undefined)
    return `${node.name}: ${head === undefined ? '?' : `#${head.number} ${head.hash} root ${head.stateRoot}`} peers ${await node.rpc('net_peerCount').catch(() => '?')}`
  }))).join('\n')
  return waitFor(
    'the same head everywhere',
    async () => {
      const heads = await Promise.all(nodes.map((node) => node.head()))
      const same = heads.every((head) => head.hash === heads[0].hash && head.stateRoot === heads[0].stateRoot)
      if (!same) return undefined
      await sleep(quietMs)
      const again = await Promise.all(nodes.map((node) => node.head()))
      return again.every((head) => head.hash === heads[0].hash) ? heads[0] : undefined
    },
    { timeoutMs, describe },
  )
}

/** Waits until every node has at least `count` peers. */
export async function waitForPeers(nodes: ClusterNode[], count: number, timeoutMs = 20_000): Promise<void> {
  await Promise.all(nodes.map((node) => waitFor(`${node.name} with ${count} peers`, async () => Number(await node.rpc<string>('net_peerCount')) >= count, { timeoutMs })))
}

/** The 10 funded dev accounts as ethers wallets (not connected). */
export const devWallets = devAccounts().map((account) => new ethers.Wallet(account.privateKey))

/**
 * A signed EIP-1559 transfer (no RPC round trips: nonce, fees and gas given). The fee cap
 * clears the dev genesis base fee (1 gwei) and anything it can rise to in these tests.
 */
export async function signTransfer(from: ethers.Wallet, options: { nonce: number; to: string; value: bigint; gasLimit?: bigint }): Promise<{ raw: string; hash: string }> {
  const raw = await from.signTransaction({
    type: 2,
    chainId: CHAIN_ID,
    nonce: options.nonce,
    to: options.to,
    value: options.value,
    gasLimit: options.gasLimit ?? 21_000n,
    maxFeePerGas: 10n * GWEI,
    maxPriorityFeePerGas: GWEI,
  })
  return { raw, hash: ethers.keccak256(raw) }
}

/** Sends a signed transfer through `node`; returns its hash. */
export async function sendTransfer(node: ClusterNode, from: ethers.Wallet, options: { nonce: number; to: string; value: bigint }): Promise<string> {
  const { raw, hash } = await signTransfer(from, options)
  const sent = await node.rpc<string>('eth_sendRawTransaction', [raw])
  assert.equal(sent, hash)
  return hash
}

export interface ReceiptJson {
  transactionHash: string
  blockHash: string
  blockNumber: string
  status: string
}

export async function receipt(node: ClusterNode, hash: string): Promise<ReceiptJson | null> {
  return node.rpc<ReceiptJson | null>('eth_getTransactionReceipt', [hash])
}

export async function waitForReceipt(node: ClusterNode, hash: string, timeoutMs = 30_000): Promise<ReceiptJson> {
  return waitFor(`receipt of ${hash} on ${node.name}`, async () => (await receipt(node, hash)) ?? undefined, { timeoutMs })
}
