// Builds a genesis with the city's system contracts: each implementation and proxy is created
// and initialised in the EthereumJS VM at its fixed address, the initial identities are
// registered by their issuers, and the resulting accounts become the genesis alloc. The base
// genesis gains the standard predeploys (Multicall3, the CREATE2 proxy, EntryPoint v0.7) first,
// whatever it is, so every genesis the builder writes carries them.
import { resolve } from 'node:path'
import { getAddress, Interface, type InterfaceAbi } from 'ethers'
import { devGenesis, readGenesisFile, STANDARD_PREDEPLOYS, withStandardPredeploys, type GenesisFile, type PredeployKey } from '@busan/chain-config'
import type { ArtifactSource, ContractArtifact } from './artifacts.ts'
import { rolesToBits, validateGenesisConfig, VOUCHER_PAYMENT_TOKEN, type GenesisConfig } from './config.ts'
import { exchangeOrderTypedData, type ExchangeOrderTypedData } from './exchange-orders.ts'
import { ExecutionReverted, GenesisVm } from './genesis-vm.ts'
import { PROXY_ARTIFACT_NAME, SYSTEM_CONTRACTS, systemContract, type SystemContractKey } from './system-contracts.ts'

/** Sender of the genesis creations. No contract records it: every role comes from the config. */
const GENESIS_DEPLOYER = '0x0000000000000000000000000000000000000000'

export interface DeployedContract {
  name: string
  /** The proxy: the address to use. */
  address: string
  implementation: string
  abi: InterfaceAbi
}

/** A standard predeploy as the deployments file lists it (the code itself is in the genesis). */
export interface PublishedPredeploy {
  name: string
  /** EIP-55 checksummed canonical address. */
  address: string
  /** keccak256 of the runtime code, as on every public chain that has the contract. */
  codeHash: string
  /** Project or release the contract comes from (a URL). */
  source: string
  /** Multicall3's ABI; the others' are large or (the CREATE2 proxy) have none. */
  abi?: unknown[]
}

/** The deployments file (deployments/devnet.json): what a dApp needs to reach the chain's contracts. */
export interface Deployments {
  chainId: number
  contracts: Record<SystemContractKey, DeployedContract>
  predeploys: Record<PredeployKey, PublishedPredeploy>
  /** EIP-712 typed-data definitions of the system contracts. */
  eip712: { exchangeOrder: ExchangeOrderTypedData }
}

export interface BuiltGenesis {
  genesis: GenesisFile
  deployments: Deployments
}

export interface BuildOptions {
  /** Folder that a relative `baseGenesis` path is resolved against (the config file's folder). */
  baseDir: string
}

/**
 * The genesis of `config` (its base genesis with the standard predeploys, the system contracts
 * deployed and initialised, the identities registered) and the deployments file describing it.
 * Throws with the decoded custom error when a contract refuses the config.
 */
export async function buildGenesis(config: GenesisConfig, artifacts: ArtifactSource, options: BuildOptions): Promise<BuiltGenesis> {
  validateGenesisConfig(config)
  const base = withStandardPredeploys(config.baseGenesis === 'dev' ? devGenesis() : await readGenesisFile(resolve(options.baseDir, config.baseGenesis)))
  const artifactOf = {} as Record<SystemContractKey, ContractArtifact>
  for (const contract of SYSTEM_CONTRACTS) artifactOf[contract.key] = await artifacts(contract.name)
  const proxyArtifact = await artifacts(PROXY_ARTIFACT_NAME)
  const iface = (key: SystemContractKey) => new Interface(artifactOf[key].abi)
  const explain = revertExplainer(SYSTEM_CONTRACTS.map((contract) => iface(contract.key)))

  const vm = await GenesisVm.fromGenesis(base)
  const address = (key: SystemContractKey) => systemContract(key).address

  const initializers: Record<SystemContractKey, string> = {
    council: iface('council').encodeFunctionData('initialize', [
      config.council.owners.map((owner) => ({ owner: owner.address, weight: owner.weight })),
      config.council.threshold,
    ]),
    bpassRegistry: iface('bpassRegistry').encodeFunctionData('initialize', [address('council'), config.bpass.issuers]),
    voucher: iface('voucher').encodeFunctionData('initialize', [
      address('council'),
      address('bpassRegistry'),
      config.voucher.name,
      config.voucher.symbol,
      config.voucher.treasurers,
    ]),
    commodities: iface('commodities').encodeFunctionData('initialize', [
      address('council'),
      address('bpassRegistry'),
      config.commodities.custodians,
      config.commodities.assets.map((asset) => ({ id: asset.id, custodian: asset.custodian, uri: asset.uri })),
    ]),
    exchange: iface('exchange').encodeFunctionData('initialize', [
      {
        council: address('council'),
        registry: address('bpassRegistry'),
        commodities: address('commodities'),
        feeTreasury: config.exchange.feeTreasury,
        feeBps: config.exchange.feeBps,
        operators: config.exchange.operators,
        paymentTokens: config.exchange.paymentTokens.map((token) => (token === VOUCHER_PAYMENT_TOKEN ? address('voucher') : token)),
      },
    ]),
    validatorSet: iface('validatorSet').encodeFunctionData('initialize', [address('council'), config.validatorSet.validators]),
  }

  const proxyInterface = new Interface(proxyArtifact.abi)
  for (const contract of SYSTEM_CONTRACTS) {
    await explain(`deploying ${contract.name} implementation`, vm.deployAt(contract.implementation, artifactOf[contract.key].bytecode, GENESIS_DEPLOYER))
    const proxyArgs = proxyInterface.encodeDeploy([contract.implementation, initializers[contract.key]])
    await explain(`deploying and initialising ${contract.name}`, vm.deployAt(contract.address, proxyArtifact.bytecode + proxyArgs.slice(2), GENESIS_DEPLOYER))
  }

  for (const identity of config.bpass.identities) {
    const data = iface('bpassRegistry').encodeFunctionData('register', [
      identity.holder,
      identity.credentialHash,
      rolesToBits(identity.roles),
      identity.validFrom,
      identity.validUntil,
    ])
    await explain(`registering B-Pass identity of ${identity.holder}`, vm.call({ from: identity.issuer, to: address('bpassRegistry'), data }))
  }

  const genesis: GenesisFile = { ...base, alloc: await vm.exportAlloc() }
  const contracts = Object.fromEntries(
    SYSTEM_CONTRACTS.map((contract) => [
      contract.key,
      {
        name: contract.name,
        address: getAddress(contract.address),
        implementation: getAddress(contract.implementation),
        abi: artifactOf[contract.key].abi,
      },
    ]),
  ) as Record<SystemContractKey, DeployedContract>
  const exchangeOrder = await exchangeOrderTypedData(vm, contracts.exchange.address, artifactOf.exchange.abi)
  return { genesis, deployments: { chainId: base.config.chainId, contracts, predeploys: publishedPredeploys(), eip712: { exchangeOrder } } }
}

/** The deployments file's `predeploys`: what a dApp needs, without the code (which is in the genesis). */
function publishedPredeploys(): Record<PredeployKey, PublishedPredeploy> {
  const entries = Object.entries(STANDARD_PREDEPLOYS).map(([key, { name, address, codeHash, source, abi }]) => [key, { name, address, codeHash, source, ...(abi === undefined ? {} : { abi }) }])
  return Object.fromEntries(entries) as Record<PredeployKey, PublishedPredeploy>
}

/** Rethrows VM reverts with the custom error decoded from the system contracts' ABIs. */
function revertExplainer(interfaces: Interface[]) {
  return async function explain<T>(step: string, action: Promise<T>): Promise<T> {
    try {
      return await action
    } catch (error) {
      if (!(error instanceof ExecutionReverted)) throw error
      for (const iface of interfaces) {
        const parsed = iface.parseError(error.data)
        if (parsed !== null) throw new Error(`${step} reverted: ${parsed.name}(${parsed.args.map(String).join(', ')})`)
      }
      throw new Error(`${step} failed: ${error.message} (${error.data})`)
    }
  }
}

/** JSON as written to disk: two-space indentation and a final newline, so output is byte-stable. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}
