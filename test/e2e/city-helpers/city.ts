// The city system contracts as a client sees them: addresses and ABIs from
// deployments/devnet.json, who holds which role from genesis/devnet.config.json, wallets for
// the dev keys those roles name, and small helpers to send a transaction and read back its
// decoded events (from the receipt and, independently, from eth_getLogs) or its decoded
// custom error.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'

export const repoRoot = resolve(import.meta.dirname, '../../..')

export type SystemContractKey = 'council' | 'bpassRegistry' | 'voucher' | 'commodities' | 'exchange'

export interface Deployment {
  name: string
  address: string
  implementation: string
  abi: ethers.InterfaceAbi
}

export interface Deployments {
  chainId: number
  contracts: Record<SystemContractKey, Deployment>
}

/** The parts of genesis/devnet.config.json this test reads. */
export interface CityConfig {
  council: { owners: { label: string; address: string; weight: number }[]; threshold: number }
  bpass: {
    issuers: string[]
    identities: { label: string; holder: string; issuer: string; roles: string[]; validFrom: number; validUntil: number }[]
  }
  voucher: { name: string; symbol: string; treasurers: string[] }
  commodities: { custodians: string[]; assets: { label: string; id: number; custodian: string; uri: string }[] }
  exchange: { operators: string[]; feeTreasury: string; feeBps: number; paymentTokens: string[] }
}

export interface GenesisJson {
  config: { chainId: number }
  alloc: Record<string, { balance?: string; code?: string; nonce?: string; storage?: Record<string, string> }>
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(resolve(repoRoot, path), 'utf8')) as T
}

export const readDeployments = (): Deployments => readJson<Deployments>('deployments/devnet.json')
export const readCityConfig = (): CityConfig => readJson<CityConfig>('genesis/devnet.config.json')
export const readGenesis = (): GenesisJson => readJson<GenesisJson>('genesis/devnet.json')

/** B-Pass role bits (contracts/identity/IBPassRegistry.sol, `BPassRoles`). */
export const BPASS_ROLE: Record<string, number> = { resident: 1, merchant: 2, business: 4, custodian: 8, exchangeOperator: 16 }

export function rolesMask(names: string[]): number {
  return names.reduce((mask, name) => {
    const bit = BPASS_ROLE[name]
    if (bit === undefined) throw new Error(`unknown B-Pass role ${name}`)
    return mask | bit
  }, 0)
}

export type Contracts = Record<SystemContractKey, ethers.Contract>

/** Contract names (CityCouncil, ...) for messages. */
const names = new WeakMap<ethers.Contract, string>()

export function systemContracts(deployments: Deployments, runner: ethers.ContractRunner): Contracts {
  const entries = Object.entries(deployments.contracts).map(([key, deployment]) => {
    const contract = new ethers.Contract(deployment.address, deployment.abi, runner)
    names.set(contract, deployment.name)
    return [key, contract]
  })
  return Object.fromEntries(entries) as Contracts
}

/** A wallet for the dev key of `address` (an address the config names); fails for any other address. */
export function devWallet(address: string, provider: ethers.Provider): ethers.Wallet {
  const account = devAccounts().find((candidate) => candidate.address.toLowerCase() === address.toLowerCase())
  if (account === undefined) throw new Error(`${address} is not one of the dev accounts`)
  return new ethers.Wallet(account.privateKey, provider)
}

/** A fresh, reproducible key for an actor the genesis does not know. */
export function namedWallet(label: string, provider: ethers.Provider): ethers.Wallet {
  return new ethers.Wallet(ethers.id(`busan e2e city services: ${label}`), provider)
}

/** Waits for the transaction and fails unless it succeeded. */
export async function mined(sent: Promise<ethers.ContractTransactionResponse | ethers.TransactionResponse>): Promise<ethers.TransactionReceipt> {
  const tx = await sent
  const receipt = await tx.wait()
  assert.ok(receipt !== null, `no receipt for ${tx.hash}`)
  assert.equal(receipt.status, 1, `transaction ${tx.hash} failed`)
  return receipt
}

/** The events named `name` that `contract` emitted in `receipt`, decoded. */
export function eventsIn(receipt: ethers.TransactionReceipt, contract: ethers.Contract, name: string): ethers.Result[] {
  const address = (contract.target as string).toLowerCase()
  const found: ethers.Result[] = []
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue
    const parsed = contract.interface.parseLog(log)
    if (parsed?.name === name) found.push(parsed.args)
  }
  return found
}

/** The single event `name` of `contract` in `receipt`. */
export function eventIn(receipt: ethers.TransactionReceipt, contract: ethers.Contract, name: string): ethers.Result {
  const found = eventsIn(receipt, contract, name)
  assert.equal(found.length, 1, `expected one ${name} in ${receipt.hash}, found ${found.length}`)
  return found[0]
}

/** Names of all events in the receipt, in log order, as `Contract.Event` (decoded with the system ABIs). */
export function eventNames(receipt: ethers.TransactionReceipt, contracts: Contracts): string[] {
  return receipt.logs.map((log) => {
    const entry = Object.values(contracts).find((contract) => (contract.target as string).toLowerCase() === log.address.toLowerCase())
    if (entry === undefined) return `${log.address}.?`
    const parsed = entry.interface.parseLog(log)
    return `${contractName(entry)}.${parsed?.name ?? '?'}`
  })
}

function contractName(contract: ethers.Contract): string {
  return names.get(contract) ?? String(contract.target)
}

/**
 * The same transaction's logs fetched again through eth_getLogs (by block hash and by block
 * range), decoded: checks the node's log index answers what the receipt says.
 */
export async function assertLogsIndexed(provider: ethers.JsonRpcProvider, receipt: ethers.TransactionReceipt): Promise<void> {
  const strip = (logs: readonly ethers.Log[]) =>
    logs
      .filter((log) => log.transactionHash === receipt.hash)
      .map((log) => ({ address: log.address, topics: [...log.topics], data: log.data, index: log.index, blockNumber: log.blockNumber, blockHash: log.blockHash, transactionIndex: log.transactionIndex }))
  const expected = strip(receipt.logs)
  assert.ok(expected.length > 0, `receipt ${receipt.hash} has no logs`)
  const byHash = await provider.getLogs({ blockHash: receipt.blockHash })
  assert.deepEqual(strip(byHash), expected, 'eth_getLogs by blockHash differs from the receipt')
  const byRange = await provider.getLogs({ fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber })
  assert.deepEqual(strip(byRange), expected, 'eth_getLogs by block range differs from the receipt')
}

/** What a refused call or transaction reverted with, decoded by ethers from the revert data. */
export interface DecodedRevert {
  name: string
  args: unknown[]
}

/**
 * Runs `action`, which must fail with a CALL_EXCEPTION carrying revert data, and decodes that
 * data as a custom error of `errorsOf` (ethers `Interface.parseError`). When ethers' Contract
 * already decoded it itself (`err.revert`, as `staticCall` does), the two must agree;
 * `decodedByContract` requires that it did.
 */
export async function refused(action: () => Promise<unknown>, errorsOf: ethers.Contract, options: { decodedByContract?: boolean } = {}): Promise<DecodedRevert> {
  let error: unknown
  try {
    await action()
  } catch (caught) {
    error = caught
  }
  assert.ok(error !== undefined, 'expected a refusal, the call succeeded')
  assert.ok(ethers.isError(error, 'CALL_EXCEPTION'), `expected CALL_EXCEPTION, got ${String(error)}`)
  assert.ok(typeof error.data === 'string' && error.data.length >= 10, `no revert data: ${error.message}`)
  const parsed = errorsOf.interface.parseError(error.data)
  assert.ok(parsed !== null, `revert data ${error.data} is not a custom error of ${contractName(errorsOf)}`)
  const decoded = { name: parsed.name, args: plain(parsed.args) as unknown[] }
  if (options.decodedByContract === true) assert.ok(error.revert !== null && error.revert !== undefined, `ethers' Contract did not decode ${parsed.name} itself`)
  if (error.revert !== null && error.revert !== undefined) {
    assert.deepEqual({ name: error.revert.name, args: plain(error.revert.args) }, decoded, 'ethers Contract decoded another error')
  }
  return decoded
}

/**
 * `contract.method(...args)` is refused both as eth_call (`staticCall`: ethers' Contract decodes
 * the custom error) and as a transaction (the wallet's eth_estimateGas is refused, nothing is
 * sent), with the same error. `errorsOf` decodes errors raised by a contract called inside.
 */
export async function refusedCallAndSend(contract: ethers.Contract, method: string, args: unknown[], errorsOf: ethers.Contract = contract): Promise<DecodedRevert> {
  const fn = contract.getFunction(method)
  const asCall = await refused(() => fn.staticCall(...args), errorsOf, { decodedByContract: errorsOf === contract })
  const asSend = await refused(() => fn.send(...args), errorsOf)
  assert.deepEqual(asSend, asCall, `${method}: the transaction was refused differently from the call`)
  return asCall
}

/** Asserts the refusal's error name and arguments. */
export function assertRevert(actual: DecodedRevert, name: string, args: unknown[]): void {
  assert.deepEqual(actual, { name, args: plain(args) })
}

/** Deep-converts an ethers Result (or anything inside one) into plain arrays and values, addresses checksummed. */
export function plain(value: unknown): unknown {
  if (value instanceof ethers.Result) return value.toArray().map(plain)
  if (Array.isArray(value)) return value.map(plain)
  if (typeof value === 'string' && ethers.isAddress(value) && value.length === 42) return ethers.getAddress(value)
  return value
}
