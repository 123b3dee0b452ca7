// Compiled contracts come from Hardhat: its artifacts/ folder after `npx hardhat build`, or a
// build this module asks Hardhat for, so the builder embeds exactly the bytecode the
// contract tests exercise.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { InterfaceAbi } from 'ethers'

export interface ContractArtifact {
  contractName: string
  sourceName: string
  abi: InterfaceAbi
  /** Creation bytecode, 0x-prefixed. */
  bytecode: string
  linkReferences: Record<string, unknown>
}

/** Finds artifacts by contract name. */
export type ArtifactSource = (contractName: string) => Promise<ContractArtifact>

/** Reads artifacts from a Hardhat artifacts folder; each name must be unique in it. */
export function artifactsFromDirectory(artifactsDir: string): ArtifactSource {
  let index: Promise<Map<string, string[]>> | undefined
  return async (contractName) => {
    index ??= indexArtifacts(artifactsDir)
    const paths = (await index).get(contractName) ?? []
    if (paths.length === 0) throw new Error(`no artifact for ${contractName} in ${artifactsDir}: run \`npx hardhat build\``)
    if (paths.length > 1) throw new Error(`several artifacts named ${contractName} in ${artifactsDir}: ${paths.join(', ')}`)
    const artifact = JSON.parse(await readFile(paths[0], 'utf8')) as ContractArtifact
    if (Object.keys(artifact.linkReferences).length > 0) throw new Error(`${contractName} needs linked libraries, which the builder does not link`)
    return artifact
  }
}

async function indexArtifacts(artifactsDir: string): Promise<Map<string, string[]>> {
  const index = new Map<string, string[]>()
  const entries = await readdir(artifactsDir, { recursive: true, withFileTypes: true })
  for (const entry of entries) {
    // Contract artifacts sit in a folder named after their source file: <Source>.sol/<Name>.json.
    if (!entry.isFile() || !entry.name.endsWith('.json') || !entry.parentPath.endsWith('.sol')) continue
    const name = entry.name.slice(0, -'.json'.length)
    index.set(name, [...(index.get(name) ?? []), join(entry.parentPath, entry.name)])
  }
  return index
}

/** Compiles the project's contracts through Hardhat's API (a no-op when artifacts are current). */
export async function compileContracts(projectRoot: string): Promise<void> {
  const { createHardhatRuntimeEnvironment, importUserConfig } = await import('hardhat/hre')
  const configPath = join(projectRoot, 'hardhat.config.ts')
  const userConfig = await importUserConfig(configPath)
  const hre = await createHardhatRuntimeEnvironment(userConfig, { config: configPath }, projectRoot)
  await hre.tasks.getTask('build').run({ quiet: true, noTests: true })
}
