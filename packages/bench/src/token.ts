// The benchmark's ERC-20 (contracts/bench/BenchToken.sol): its artifact (built by Hardhat
// when missing), its deployment with a balance for every sender, and transfers of it.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { hexToBytes } from '@ethereumjs/util'
import { Interface } from 'ethers'
import type { RpcClient } from './rpc-client.ts'
import { ethTransfer, fundSenders, nextCreation, sendAll, sign, waitForNonces, type BuildTx, type Sender, type Shape } from './workload.ts'

const repoRoot = resolve(import.meta.dirname, '../../..')

export interface BenchToken {
  abi: Interface
  /** Creation code. */
  bytecode: string
  /** The code a deployment leaves at the token's address (no immutables, so the artifact's). */
  runtimeBytecode: string
}

/** The compiled BenchToken (ABI and creation code), compiled first if the artifact is missing. */
export function benchToken(): BenchToken {
  const artifact = resolve(repoRoot, 'artifacts/contracts/bench/BenchToken.sol/BenchToken.json')
  if (!existsSync(artifact)) execFileSync(process.execPath, [resolve(repoRoot, 'node_modules/hardhat/dist/src/cli.js'), 'build'], { cwd: repoRoot, stdio: 'inherit' })
  const json = JSON.parse(readFileSync(artifact, 'utf8')) as { abi: unknown[]; bytecode: string; deployedBytecode: string }
  return { abi: new Interface(json.abi as string[]), bytecode: json.bytecode, runtimeBytecode: json.deployedBytecode }
}

/**
 * Deploys the token from `deployer` (its nonce advances), which then hands every sender
 * 10^24 units; resolves with the token's address once all of it is mined.
 */
export async function deployToken(client: RpcClient, token: BenchToken, deployer: Sender, senders: Sender[], shape: Shape): Promise<string> {
  const address = nextCreation(deployer)
  const deploy = sign(deployer.key, deployer.nonce++, undefined, 0n, hexToBytes(`${token.bytecode}${token.abi.encodeDeploy([10n ** 30n]).slice(2)}` as `0x${string}`), 3_000_000n)
  const funding = senders.map((sender) => sign(deployer.key, deployer.nonce++, address, 0n, hexToBytes(token.abi.encodeFunctionData('transfer', [sender.address, 10n ** 24n]) as `0x${string}`), 100_000n))
  await sendAll(client, [deploy, ...funding], shape)
  await waitForNonces(client, [deployer])
  if ((await client.call<string>('eth_getCode', [address, 'latest'])) !== token.runtimeBytecode) throw new Error(`the bench token's code at ${address} is not its deployed bytecode`)
  return address
}

/** ERC-20 transfers of 1 unit of the token at `address`, each sender to the next one. */
export function tokenTransfer(token: BenchToken, address: string, senders: Sender[]): BuildTx {
  return (sender, nonce, i) => sign(sender.key, nonce, address, 0n, hexToBytes(token.abi.encodeFunctionData('transfer', [senders[(i + 1) % senders.length].address, 1n]) as `0x${string}`), 80_000n)
}

/** The workload's setup on a fresh chain: every sender funded with ETH and the token; returns the two transfer builders. */
export async function prepareWorkload(client: RpcClient, senders: Sender[], shape: Shape): Promise<{ eth: BuildTx; erc20: BuildTx }> {
  const funders = await fundSenders(client, senders, shape)
  const token = benchToken()
  const address = await deployToken(client, token, funders[0], senders, shape)
  return { eth: ethTransfer(senders), erc20: tokenTransfer(token, address, senders) }
}
