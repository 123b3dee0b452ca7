// The contract-heavy workload of issue 11: calls of a compute-bound contract
// (contracts/bench/BenchCompute.sol: a loop of keccak256 and 256-bit arithmetic), sent as the
// transfers are and timed until mined, reported as gas per second of the receipts.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { hexToBytes } from '@ethereumjs/util'
import { Interface } from 'ethers'
import type { RpcClient } from './rpc-client.ts'
import { benchToken } from './token.ts'
import { nextCreation, sendAll, sign, timedPhase, waitForNonces, type Sender, type Shape } from './workload.ts'

const repoRoot = resolve(import.meta.dirname, '../../..')
/** Loop iterations per call: about 1.36 million gas, well under EIP-7825's 2^24 per transaction. */
export const COMPUTE_ROUNDS = 4000n
/** Gas limit of each `work(COMPUTE_ROUNDS)` call. */
export const COMPUTE_CALL_GAS = 2_000_000n

/** The compiled BenchCompute (built with the bench token by Hardhat when missing). */
export function benchCompute(): { abi: Interface; bytecode: string } {
  const artifact = resolve(repoRoot, 'artifacts/contracts/bench/BenchCompute.sol/BenchCompute.json')
  if (!existsSync(artifact)) benchToken()
  const json = JSON.parse(readFileSync(artifact, 'utf8')) as { abi: unknown[]; bytecode: string }
  return { abi: new Interface(json.abi as string[]), bytecode: json.bytecode }
}

/** Gas of the receipts of `hashes`, summed (batches of 200). */
export async function gasOf(client: RpcClient, hashes: string[]): Promise<bigint> {
  let gas = 0n
  for (let i = 0; i < hashes.length; i += 200) {
    const receipts = await client.batch<{ gasUsed: string; status: string }>(hashes.slice(i, i + 200).map((hash) => ({ method: 'eth_getTransactionReceipt', params: [hash] })))
    for (const receipt of receipts) gas += BigInt(receipt.gasUsed)
  }
  return gas
}

/**
 * Deploys BenchCompute from `deployer` (its nonce advances), then times `perSender` calls of
 * `work(COMPUTE_ROUNDS)` from every sender; resolves with million gas per second (receipts'
 * gas over the time from the first batch sent to the last call mined) and calls per second.
 */
export async function measureCompute(client: RpcClient, deployer: Sender, senders: Sender[], perSender: number, shape: Shape): Promise<{ mgasPerSecond: number; callsPerSecond: number }> {
  const { abi, bytecode } = benchCompute()
  const address = nextCreation(deployer)
  await sendAll(client, [sign(deployer.key, deployer.nonce++, undefined, 0n, hexToBytes(bytecode as `0x${string}`), 1_000_000n)], shape)
  await waitForNonces(client, [deployer])
  const data = hexToBytes(abi.encodeFunctionData('work', [COMPUTE_ROUNDS]) as `0x${string}`)
  const hashes: string[] = []
  const callsPerSecond = await timedPhase(client, senders, perSender, shape, (sender, nonce) => sign(sender.key, nonce, address, 0n, data, COMPUTE_CALL_GAS), { onSent: (sent) => hashes.push(...sent) })
  const seconds = hashes.length / callsPerSecond
  return { mgasPerSecond: Number(await gasOf(client, hashes)) / seconds / 1e6, callsPerSecond }
}
