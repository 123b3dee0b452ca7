// Reads the fixture contracts compiled by `hardhat build` (contracts/test/*.sol) from
// artifacts/ and deploys them with ethers. The e2e npm script builds before running.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ethers } from 'ethers'

const repoRoot = resolve(import.meta.dirname, '../../..')

export interface Artifact {
  contractName: string
  abi: ethers.InterfaceAbi
  bytecode: string
  deployedBytecode: string
}

const cache = new Map<string, Artifact>()

/** The artifact of contract `name` in contracts/test/<file>.sol (file defaults to the name). */
export function artifact(name: string, file = name): Artifact {
  const path = resolve(repoRoot, `artifacts/contracts/test/${file}.sol/${name}.json`)
  let found = cache.get(path)
  if (found === undefined) {
    if (!existsSync(path)) throw new Error(`missing artifact ${path}: run \`npx hardhat build\` first`)
    found = JSON.parse(readFileSync(path, 'utf8')) as Artifact
    cache.set(path, found)
  }
  return found
}

/** Deploys `name` from `signer`, waits for it to be mined; returns the contract and the receipt. */
export async function deploy(
  name: string,
  signer: ethers.Signer,
  args: unknown[] = [],
  options: { file?: string; overrides?: ethers.Overrides & { value?: bigint } } = {},
): Promise<{ contract: ethers.Contract; address: string; receipt: ethers.TransactionReceipt }> {
  const { abi, bytecode } = artifact(name, options.file)
  const factory = new ethers.ContractFactory(abi, bytecode, signer)
  const deployed = await factory.deploy(...args, options.overrides ?? {})
  const receipt = await deployed.deploymentTransaction()!.wait()
  if (receipt === null || receipt.status !== 1) throw new Error(`deploying ${name} failed`)
  const address = await deployed.getAddress()
  return { contract: new ethers.Contract(address, abi, signer), address, receipt }
}
