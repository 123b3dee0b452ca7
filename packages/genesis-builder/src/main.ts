// CLI: node packages/genesis-builder/src/main.ts [--config FILE] [--genesis FILE]
//      [--deployments FILE] [--artifacts DIR] [--skip-compile]
// Paths default to the devnet files of this repository and are taken relative to the current
// folder when given.
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { compileContracts } from './artifacts.ts'
import { buildGenesisFiles } from './files.ts'
import { SYSTEM_CONTRACTS } from './system-contracts.ts'

const repositoryRoot = resolve(import.meta.dirname, '../../..')

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: join(repositoryRoot, 'genesis/devnet.config.json') },
    genesis: { type: 'string', default: join(repositoryRoot, 'genesis/devnet.json') },
    deployments: { type: 'string', default: join(repositoryRoot, 'deployments/devnet.json') },
    artifacts: { type: 'string', default: join(repositoryRoot, 'artifacts') },
    'skip-compile': { type: 'boolean', default: false },
  },
})

if (!values['skip-compile']) await compileContracts(repositoryRoot)
const built = await buildGenesisFiles({
  config: resolve(values.config),
  artifactsDir: resolve(values.artifacts),
  genesisOut: resolve(values.genesis),
  deploymentsOut: resolve(values.deployments),
})
console.log(`genesis for chain ${built.genesis.config.chainId} written to ${values.genesis}`)
for (const contract of SYSTEM_CONTRACTS) console.log(`  ${contract.name.padEnd(16)} ${built.deployments.contracts[contract.key].address}`)
for (const predeploy of Object.values(built.deployments.predeploys)) console.log(`  ${predeploy.name.padEnd(28)} ${predeploy.address} (predeploy)`)
console.log(`deployments written to ${values.deployments}`)
