// The same signed transactions sent to our node and to a second implementation (anvil):
// same keys and nonces, so the same transaction hashes and contract addresses on both chains.
import assert from 'node:assert/strict'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { artifact } from './artifacts.ts'
import { CHAIN_ID } from './node.ts'

export type Rpc = <T = any>(method: string, params?: unknown[]) => Promise<T>

export interface Sent {
  hash: string
  gasLimit: bigint
  blockNumber: string
}

/** A fixed gas price (legacy transactions): both chains charge the same fees. */
export const GAS_PRICE = 10_000_000_000n
/** Dev account #1 sends the plan (account #0 seals our dev chain). */
export const sender = new ethers.Wallet(devAccounts()[1].privateKey)
const tree = artifact('CallTree')
export const treeAbi = new ethers.Interface(tree.abi)
export const treeAddress = ethers.getCreateAddress({ from: sender.address, nonce: 0 })

/** The transactions both chains receive, in order (nonce = position). */
export const PLAN: { name: string; to?: string; data: string; value: bigint; gasLimit: bigint }[] = [
  { name: 'deploy', data: tree.bytecode, value: 5n, gasLimit: 3_000_000n },
  { name: 'run', to: treeAddress, data: treeAbi.encodeFunctionData('run', [7n]), value: 3n, gasLimit: 1_000_000n },
  { name: 'explode', to: treeAddress, data: treeAbi.encodeFunctionData('explode', [4n]), value: 0n, gasLimit: 300_000n },
  { name: 'invalid', to: treeAddress, data: treeAbi.encodeFunctionData('invalid', []), value: 0n, gasLimit: 300_000n },
  { name: 'kill', to: treeAddress, data: treeAbi.encodeFunctionData('killLeaf', []), value: 0n, gasLimit: 300_000n },
  { name: 'overdraw', to: treeAddress, data: treeAbi.encodeFunctionData('overdraw', []), value: 0n, gasLimit: 300_000n },
]

/** Sends PLAN one transaction at a time, each mined before the next; by name, where each landed. */
export async function sendPlan(rpc: Rpc): Promise<Record<string, Sent>> {
  const sent: Record<string, Sent> = {}
  for (const [nonce, step] of PLAN.entries()) {
    const raw = await sender.signTransaction({ type: 0, chainId: CHAIN_ID, nonce, gasPrice: GAS_PRICE, gasLimit: step.gasLimit, to: step.to, data: step.data, value: step.value })
    const hash = await rpc<string>('eth_sendRawTransaction', [raw])
    const receipt = await receiptOf(rpc, hash)
    sent[step.name] = { hash, gasLimit: step.gasLimit, blockNumber: receipt.blockNumber }
  }
  return sent
}

/** Waits (5 s at most) for a transaction's receipt. */
export async function receiptOf(rpc: Rpc, hash: string): Promise<{ blockNumber: string; status: string }> {
  for (let i = 0; i < 200; i++) {
    const receipt = await rpc('eth_getTransactionReceipt', [hash])
    if (receipt !== null) return receipt
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  assert.fail(`${hash} not mined within 5 s`)
}
