// From a config file to the genesis and deployments files on disk.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { artifactsFromDirectory } from './artifacts.ts'
import { buildGenesis, formatJson, type BuiltGenesis } from './build.ts'
import { readGenesisConfig } from './config.ts'

export interface GenesisFilePaths {
  config: string
  artifactsDir: string
  genesisOut: string
  deploymentsOut: string
}

export async function buildGenesisFiles(paths: GenesisFilePaths): Promise<BuiltGenesis> {
  const config = await readGenesisConfig(paths.config)
  const built = await buildGenesis(config, artifactsFromDirectory(paths.artifactsDir), { baseDir: dirname(paths.config) })
  for (const [path, content] of [
    [paths.genesisOut, built.genesis],
    [paths.deploymentsOut, built.deployments],
  ] as const) {
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, formatJson(content))
  }
  return built
}
