// Deploys the city's system contracts behind ERC-1967 proxies on the simulated network, with
// the council as their governance, and gives every test the same cast of accounts.
import assert from 'node:assert/strict'
import { network } from 'hardhat'
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types'
import { keccak256, toUtf8Bytes } from 'ethers'
import type { BaseContract, Contract, Interface, TransactionReceipt, TransactionResponse } from 'ethers'

export type NetworkConnection = Awaited<ReturnType<typeof network.create>>
type Ethers = NetworkConnection['ethers']

/** B-Pass role bits, as in contracts/identity/IBPassRegistry.sol. */
export const ROLE = {
  RESIDENT: 1,
  MERCHANT: 2,
  BUSINESS: 4,
  CUSTODIAN: 8,
  EXCHANGE_OPERATOR: 16,
} as const

export const IDENTITY_STATUS = { NONE: 0n, ACTIVE: 1n, SUSPENDED: 2n, REVOKED: 3n } as const

export const ASSET = { GOLD: 1n, COPPER: 2n, OIL: 3n } as const

/** Far enough that no test's time travel reaches it. */
export const FAR_FUTURE = 4_102_444_800n // 2100-01-01

export const COUNCIL_THRESHOLD = 4n
export const EXCHANGE_FEE_BPS = 30n

export interface Cast {
  /** City hall: council owner with weight 3 (the majority of 5). */
  city: HardhatEthersSigner
  /** Council members with weight 1 each. */
  memberA: HardhatEthersSigner
  memberB: HardhatEthersSigner
  issuer: HardhatEthersSigner
  treasury: HardhatEthersSigner
  custodian: HardhatEthersSigner
  operator: HardhatEthersSigner
  feeTreasury: HardhatEthersSigner
  /** Verified residents. */
  alice: HardhatEthersSigner
  bob: HardhatEthersSigner
  /** Verified merchant (merchant + business). */
  merchant: HardhatEthersSigner
  /** Holds no B-Pass. */
  outsider: HardhatEthersSigner
  /** Unbound address used as a rotation target. */
  newKey: HardhatEthersSigner
}

export interface City {
  ethers: Ethers
  cast: Cast
  council: Contract
  registry: Contract
  voucher: Contract
  commodities: Contract
  exchange: Contract
  /** Identity ids by cast member. */
  identityOf: Map<string, bigint>
  /** Has the council (city + memberA, weight 4) perform `target.method(...args)`. */
  viaCouncil(target: BaseContract, method: string, args: unknown[]): Promise<TransactionReceipt>
  /** Deploys `name` behind an ERC-1967 proxy initialised with `initialize(...args)`. */
  deployProxy(name: string, args: unknown[]): Promise<Contract>
}

export function launchAssetUri(id: bigint): string {
  return `ipfs://busan-commodities/${id}.json`
}

export async function deployCity(connection: NetworkConnection): Promise<City> {
  const { ethers } = connection
  const signers = await ethers.getSigners()
  const [city, memberA, memberB, issuer, treasury, custodian, operator, feeTreasury, alice, bob, merchant, outsider, newKey] = signers
  const cast: Cast = { city, memberA, memberB, issuer, treasury, custodian, operator, feeTreasury, alice, bob, merchant, outsider, newKey }

  const proxyFactory = await ethers.getContractFactory('ERC1967Proxy')
  async function deployProxy(name: string, args: unknown[]): Promise<Contract> {
    const implementation = await (await ethers.getContractFactory(name)).deploy()
    const initData = implementation.interface.encodeFunctionData('initialize', args)
    const proxy = await proxyFactory.deploy(await implementation.getAddress(), initData)
    return (await ethers.getContractAt(name, await proxy.getAddress())) as unknown as Contract
  }

  const council = await deployProxy('CityCouncil', [
    [
      { owner: city.address, weight: 3 },
      { owner: memberA.address, weight: 1 },
      { owner: memberB.address, weight: 1 },
    ],
    COUNCIL_THRESHOLD,
  ])
  const councilAddress = await council.getAddress()
  const registry = await deployProxy('BPassRegistry', [councilAddress, [issuer.address]])
  const registryAddress = await registry.getAddress()
  const voucher = await deployProxy('CityVoucher', [councilAddress, registryAddress, 'Busan Dongbaekjeon', 'DBJ', [treasury.address]])
  const commodities = await deployProxy('CityCommodities', [
    councilAddress,
    registryAddress,
    [custodian.address],
    Object.values(ASSET).map((id) => ({ id, custodian: custodian.address, uri: launchAssetUri(id) })),
  ])
  const exchange = await deployProxy('CityExchange', [
    {
      council: councilAddress,
      registry: registryAddress,
      commodities: await commodities.getAddress(),
      feeTreasury: feeTreasury.address,
      feeBps: EXCHANGE_FEE_BPS,
      operators: [operator.address],
      paymentTokens: [await voucher.getAddress()],
    },
  ])

  const identityOf = new Map<string, bigint>()
  const identities: [HardhatEthersSigner, number][] = [
    [alice, ROLE.RESIDENT],
    [bob, ROLE.RESIDENT],
    [merchant, ROLE.MERCHANT | ROLE.BUSINESS],
    [custodian, ROLE.CUSTODIAN | ROLE.BUSINESS],
    [feeTreasury, ROLE.EXCHANGE_OPERATOR | ROLE.BUSINESS],
  ]
  for (const [holder, roles] of identities) {
    await (await registry.connect(issuer).getFunction('register')(holder.address, credentialHash(holder.address), roles, 0n, FAR_FUTURE)).wait()
    identityOf.set(holder.address, await registry.identityIdOf(holder.address))
  }

  async function viaCouncil(target: BaseContract, method: string, args: unknown[]): Promise<TransactionReceipt> {
    const data = target.interface.encodeFunctionData(method, args)
    const proposalId: bigint = await council.proposalCount()
    await (await council.connect(city).getFunction('propose')(await target.getAddress(), 0n, data)).wait()
    await (await council.connect(memberA).getFunction('confirm')(proposalId)).wait()
    const receipt = await (await council.connect(city).getFunction('execute')(proposalId)).wait()
    assert.ok(receipt !== null)
    return receipt
  }

  return { ethers, cast, council, registry, voucher, commodities, exchange, identityOf, viaCouncil, deployProxy }
}

/** Stand-in for the hash of an off-chain credential document. */
export function credentialHash(label: string): string {
  return hashLabel(`credential:${label}`)
}

export function hashLabel(label: string): string {
  return keccak256(toUtf8Bytes(label))
}

/** Waits for a transaction and returns its receipt. */
export async function mined(response: Promise<TransactionResponse>): Promise<TransactionReceipt> {
  const receipt = await (await response).wait()
  assert.ok(receipt !== null)
  return receipt
}

/**
 * Asserts `action` reverts with the custom error `errorName` of `contract`'s ABI and, when
 * given, these arguments.
 */
export async function assertRevert(
  action: Promise<unknown>,
  contract: { interface: Interface },
  errorName: string,
  expectedArgs?: unknown[],
): Promise<void> {
  let failure: unknown
  try {
    await action
  } catch (error) {
    failure = error
  }
  assert.ok(failure !== undefined, `expected a revert with ${errorName}, but the call succeeded`)
  const data = revertData(failure)
  assert.ok(data !== undefined, `expected revert data for ${errorName}, got: ${String(failure)}`)
  const parsed = contract.interface.parseError(data)
  assert.ok(parsed !== null, `revert data ${data} is no error of the given ABI (expected ${errorName})`)
  assert.equal(parsed.name, errorName)
  if (expectedArgs !== undefined) assert.deepEqual([...parsed.args], expectedArgs)
}

function revertData(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const candidate = (current as { data?: unknown }).data
    if (typeof candidate === 'string' && candidate.startsWith('0x')) return candidate
    current = (current as { error?: unknown; info?: { error?: unknown } }).error ?? (current as { info?: { error?: unknown } }).info?.error
  }
  return undefined
}
