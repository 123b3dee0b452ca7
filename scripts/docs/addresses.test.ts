// The system-contract addresses the README and docs/contracts.md print are the ones in
// deployments/devnet.json, each in its EIP-55 checksummed form (viem refuses a mixed-case
// address whose case is not the checksum). The checksum is ethers' getAddress. The standard
// predeploys (devnet.json's `predeploys`) are listed in docs/contracts.md, checksummed too.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { getAddress } from 'ethers'

const repo = join(import.meta.dirname, '../..')
const deployments = JSON.parse(readFileSync(join(repo, 'deployments/devnet.json'), 'utf8')) as {
  contracts: Record<string, { name: string; address: string; implementation?: string }>
  predeploys: Record<string, { name: string; address: string }>
}
const proxies = Object.values(deployments.contracts)
const predeploys = Object.values(deployments.predeploys)
const all = new Set([...proxies, ...predeploys].flatMap((c) => [c.address, 'implementation' in c ? c.implementation : undefined].filter((a): a is string => a !== undefined).map((a) => a.toLowerCase())))

describe('system-contract addresses in the docs', () => {
  for (const file of ['README.md', 'docs/contracts.md']) {
    it(`${file} prints every system contract, checksummed`, () => {
      const text = readFileSync(join(repo, file), 'utf8')
      for (const contract of proxies) assert.ok(text.includes(getAddress(contract.address)), `${file} lacks ${contract.name} at ${getAddress(contract.address)}`)
      if (file === 'docs/contracts.md') for (const predeploy of predeploys) assert.ok(text.includes(getAddress(predeploy.address)), `${file} lacks ${predeploy.name} at ${getAddress(predeploy.address)}`)
      for (const [printed] of text.matchAll(/0x[0-9a-fA-F]{40}(?![0-9a-fA-F])/g)) {
        if (all.has(printed.toLowerCase())) assert.equal(printed, getAddress(printed.toLowerCase()), `${file}: ${printed} is not in its checksummed form`)
      }
    })
  }
})
