// The exchange workload of issue 11: CityExchange `settle` of EIP-712 signed order pairs (two
// signature checks, B-Pass checks of both traders, an ERC-20 payment with fee and an ERC-1155
// delivery per call), sent as the transfers are and timed until mined, reported as gas per
// second of the receipts. The contracts are deployed behind ERC-1967 proxies by transactions,
// the same on both nodes: anvil has no Busan genesis, and both then run the same bytecode.
import { resolve } from 'node:path'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { Interface, Signature, TypedDataEncoder } from 'ethers'
import { signDigest } from '@busan/chain-config'
import { artifactsFromDirectory, BPASS_ROLE_BITS, EXCHANGE_ORDER_TYPES, ORDER_SIDE, PROXY_ARTIFACT_NAME, type ContractArtifact, type ExchangeOrder } from '@busan/genesis-builder'
import { gasOf } from './compute.ts'
import type { RpcClient } from './rpc-client.ts'
import { benchToken } from './token.ts'
import { fundSenders, nextCreation, sendAll, senderKeys, sign, timedPhase, waitForNonces, type Sender, type Shape } from './workload.ts'

const repoRoot = resolve(import.meta.dirname, '../../..')
/** Traders on each side; every pair trades many times (a fresh pair of orders each time). */
const TRADER_PAIRS = 50
const GOLD = 1n
const PRICE = 70_000n
const FAR_FUTURE = 2n ** 63n
const SETTLE_GAS = 500_000n
const SETUP_GAS = 6_000_000n

interface Contracts {
  exchange: string
  exchangeAbi: Interface
  token: string
  chainId: bigint
}

/** A creation transaction of `bytecode` with constructor `args` (encoded with `abi`) from `deployer`; returns [raw, address]. */
function deployment(deployer: Sender, bytecode: string, abi: Interface, args: unknown[] = []): [string, string] {
  const address = nextCreation(deployer)
  const data = `${bytecode}${abi.encodeDeploy(args).slice(2)}`
  return [sign(deployer.key, deployer.nonce++, undefined, 0n, hexToBytes(data as `0x${string}`), SETUP_GAS), address]
}

/** A call of `method` on `to` from `from` (its nonce advances). */
function callTx(from: Sender, to: string, abi: Interface, method: string, args: unknown[], gas = 300_000n): string {
  return sign(from.key, from.nonce++, to, 0n, hexToBytes(abi.encodeFunctionData(method, args) as `0x${string}`), gas)
}

/**
 * Deploys the B-Pass registry, the commodities and the exchange (each an implementation and an
 * ERC-1967 proxy initialised by it) and a payment token from a fresh admin; registers the
 * traders, mints gold to the sellers and tokens to the buyers, and has every trader approve
 * the exchange. `operators` may settle.
 */
async function deployExchange(client: RpcClient, operators: Sender[], sellers: Sender[], buyers: Sender[], shape: Shape): Promise<Contracts> {
  const [admin] = senderKeys(1, 'exchange-admin')
  await fundSenders(client, [admin, ...sellers, ...buyers], shape)
  // benchToken compiles the contracts first when the artifacts are missing.
  const token = benchToken()
  const artifacts = artifactsFromDirectory(resolve(repoRoot, 'artifacts'))
  const [proxy, registryCode, commoditiesCode, exchangeCode] = await Promise.all([PROXY_ARTIFACT_NAME, 'BPassRegistry', 'CityCommodities', 'CityExchange'].map((name) => artifacts(name)))
  const [proxyAbi, registryAbi, commoditiesAbi, exchangeAbi] = [proxy, registryCode, commoditiesCode, exchangeCode].map((artifact) => new Interface(artifact.abi))
  const behindProxy = (code: ContractArtifact, init: string): [string[], string] => {
    const [implementationTx, implementation] = deployment(admin, code.bytecode, new Interface(code.abi))
    const [proxyTx, address] = deployment(admin, proxy.bytecode, proxyAbi, [implementation, init])
    return [[implementationTx, proxyTx], address]
  }
  const [registryTxs, registry] = behindProxy(registryCode, registryAbi.encodeFunctionData('initialize', [admin.address, [admin.address]]))
  const [commoditiesTxs, commodities] = behindProxy(commoditiesCode, commoditiesAbi.encodeFunctionData('initialize', [admin.address, registry, [admin.address], [{ id: GOLD, custodian: admin.address, uri: 'bench://gold' }]]))
  const [tokenTx, paymentToken] = deployment(admin, token.bytecode, token.abi, [10n ** 30n])
  const exchangeInit = exchangeAbi.encodeFunctionData('initialize', [
    { council: admin.address, registry, commodities, feeTreasury: admin.address, feeBps: 30, operators: operators.map((o) => o.address), paymentTokens: [paymentToken] },
  ])
  const [exchangeTxs, exchange] = behindProxy(exchangeCode, exchangeInit)
  const latest = await client.call<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false])
  const traders = [...sellers, ...buyers]
  const setup = [
    ...registryTxs,
    ...commoditiesTxs,
    tokenTx,
    ...exchangeTxs,
    ...traders.map((trader, i) => callTx(admin, registry, registryAbi, 'register', [trader.address, `0x${(i + 1).toString(16).padStart(64, '0')}`, BPASS_ROLE_BITS.resident, 0n, FAR_FUTURE])),
    callTx(admin, commodities, commoditiesAbi, 'attestReserve', [GOLD, 10n ** 30n, BigInt(latest.timestamp)]),
    ...sellers.map((seller, i) => callTx(admin, commodities, commoditiesAbi, 'mint', [seller.address, GOLD, 10n ** 12n, `0x${(i + 1).toString(16).padStart(64, '0')}`])),
    ...buyers.map((buyer) => callTx(admin, paymentToken, token.abi, 'transfer', [buyer.address, 10n ** 27n])),
  ]
  // One sender's transactions: in order, one batch at a time (the pool refuses a nonce gap over 64).
  await sendAll(client, setup, { ...shape, concurrency: 1 })
  await waitForNonces(client, [admin])
  const approvals = [
    ...sellers.map((seller) => callTx(seller, commodities, commoditiesAbi, 'setApprovalForAll', [exchange, true])),
    ...buyers.map((buyer) => callTx(buyer, paymentToken, token.abi, 'approve', [exchange, 2n ** 256n - 1n])),
  ]
  await sendAll(client, approvals, shape)
  await waitForNonces(client, traders)
  if ((await client.call<string>('eth_getCode', [exchange, 'latest'])) === '0x') throw new Error(`the exchange proxy at ${exchange} has no code: its deployment failed`)
  return { exchange, exchangeAbi, token: paymentToken, chainId: BigInt(await client.call<string>('eth_chainId', [])) }
}

/** `order` signed by `key` for the exchange's EIP-712 domain: the `SignedOrder` tuple settle takes. */
function signedOrder(order: ExchangeOrder, key: Uint8Array, domain: { name: string; version: string; chainId: bigint; verifyingContract: string }): { order: ExchangeOrder; signature: string } {
  const { r, s, recovery } = signDigest(hexToBytes(TypedDataEncoder.hash(domain, EXCHANGE_ORDER_TYPES, order) as `0x${string}`), key)
  return { order, signature: Signature.from({ r: bytesToHex(r), s: bytesToHex(s), v: 27 + recovery }).serialized }
}

/**
 * Sets the exchange up (deployExchange), then times `perSender` settlements from every sender
 * (an operator), each a fresh sell order (maker) and buy order (taker) of 1 gram between one of
 * the trader pairs; resolves with million gas per second (receipts' gas over the time from the
 * first batch sent to the last settlement mined) and settlements per second.
 */
export async function measureExchange(client: RpcClient, senders: Sender[], perSender: number, shape: Shape): Promise<{ mgasPerSecond: number; settlementsPerSecond: number }> {
  const sellers = senderKeys(TRADER_PAIRS, 'seller')
  const buyers = senderKeys(TRADER_PAIRS, 'buyer')
  const contracts = await deployExchange(client, senders, sellers, buyers, shape)
  const domain = { name: 'Busan City Exchange', version: '1', chainId: contracts.chainId, verifyingContract: contracts.exchange }
  let trade = 0
  const settle = (operator: Sender, nonce: bigint) => {
    const pair = trade % TRADER_PAIRS
    const salt = BigInt(++trade)
    const common = { assetId: GOLD, amount: 1n, price: PRICE, paymentToken: contracts.token, expiry: FAR_FUTURE, salt }
    const maker = signedOrder({ signer: sellers[pair].address, side: ORDER_SIDE.SELL, ...common }, sellers[pair].key, domain)
    const taker = signedOrder({ signer: buyers[pair].address, side: ORDER_SIDE.BUY, ...common }, buyers[pair].key, domain)
    return sign(operator.key, nonce, contracts.exchange, 0n, hexToBytes(contracts.exchangeAbi.encodeFunctionData('settle', [maker, taker, 1n]) as `0x${string}`), SETTLE_GAS)
  }
  const hashes: string[] = []
  const settlementsPerSecond = await timedPhase(client, senders, perSender, shape, settle, { onSent: (sent) => hashes.push(...sent) })
  const seconds = hashes.length / settlementsPerSecond
  return { mgasPerSecond: Number(await gasOf(client, hashes)) / seconds / 1e6, settlementsPerSecond }
}
