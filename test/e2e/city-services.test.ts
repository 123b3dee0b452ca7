// The city services end to end, against one real dev node started from the built genesis
// (genesis/devnet.json) and driven over JSON-RPC with ethers v6: council governance, B-Pass
// identities, voucher issue/payment/redemption, commodity reserves and mints, and EIP-712
// order settlement on the exchange. Every step is checked through balances and views, through
// the events decoded from its receipt (and the same logs read back with eth_getLogs), and every
// refusal through the contract's custom error as ethers decodes it. The steps build on each
// other and run in order on the one chain.
//
// B-Pass registration is an issuer's call (ISSUER_ROLE); the council holds the admin role that
// accredits issuers and nothing else may grant it. So in step 1 the council's multisig performs
// the admin action, accrediting a new issuer (propose, confirm up to the threshold, execute),
// the issuer the genesis config names registers the resident and the merchant, and the newly
// accredited issuer registers the two traders of step 4.
/// <reference lib="dom" />
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { chromium } from 'playwright-core'
import { EXCHANGE_ORDER_TYPES, ORDER_SIDE, type ExchangeOrder } from '@busan/genesis-builder'
import { startDevNode, type DevNode } from '@busan/testkit'
import {
  BPASS_ROLE,
  assertLogsIndexed,
  assertRevert,
  devWallet,
  eventIn,
  eventNames,
  eventsIn,
  mined,
  namedWallet,
  plain,
  readCityConfig,
  readDeployments,
  readGenesis,
  refused,
  refusedCallAndSend,
  rolesMask,
  systemContracts,
  type CityConfig,
  type Contracts,
  type Deployments,
} from './city-helpers/city.ts'

const CHAIN_ID = 31337n
const ISSUER_ROLE = ethers.id('ISSUER_ROLE')
const TREASURY_ROLE = ethers.id('TREASURY_ROLE')
const OPERATOR_ROLE = ethers.id('EXCHANGE_OPERATOR_ROLE')
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash

const ORDER_TYPES = EXCHANGE_ORDER_TYPES
const { BUY, SELL } = ORDER_SIDE
type Order = ExchangeOrder

let node: DevNode
let provider: ethers.JsonRpcProvider
let deployments: Deployments
let config: CityConfig
let c: Contracts

// Actors the genesis config names (dev keys).
let councilSigners: ethers.Wallet[] // owners whose weight reaches the threshold, heaviest first
let otherOwner: ethers.Wallet | undefined // an owner outside that set: executes (any owner may)
let issuer: ethers.Wallet
let treasury: ethers.Wallet
let custodian: ethers.Wallet
let operator: ethers.Wallet
let feeTreasury: string
let goldId: bigint

// Actors the genesis does not know: registered (or, the stranger, never registered) here.
let districtOffice: ethers.Wallet // an issuer the council accredits in step 1
let resident: ethers.Wallet
let merchant: ethers.Wallet
let seller: ethers.Wallet // trader A: holds gold, sells it
let buyer: ethers.Wallet // trader B: holds vouchers, buys gold
let stranger: ethers.Wallet // no B-Pass

/** The contract with `wallet` as the sender. */
function as(contract: ethers.Contract, wallet: ethers.Wallet): ethers.Contract {
  return contract.connect(wallet) as ethers.Contract
}

async function latestTimestamp(): Promise<bigint> {
  const block = await provider.getBlock('latest')
  assert.ok(block !== null)
  return BigInt(block.timestamp)
}

const vouchers = (account: string): Promise<bigint> => c.voucher.balanceOf(account)
const gold = (account: string): Promise<bigint> => c.commodities.balanceOf(account, goldId)
const goldSupply = (): Promise<bigint> => c.commodities.getFunction('totalSupply(uint256)')(goldId)

before(async () => {
  node = await startDevNode({ period: 0 })
  // Short polling: with period 0 a block is sealed as soon as a transaction is pending. No
  // request cache: a sender's next nonce is asked again right after its last receipt.
  provider = new ethers.JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 })
  deployments = readDeployments()
  config = readCityConfig()
  c = systemContracts(deployments, provider)

  const owners = [...config.council.owners].sort((a, b) => b.weight - a.weight)
  let weight = 0
  councilSigners = []
  for (const owner of owners) {
    if (weight >= config.council.threshold) break
    councilSigners.push(devWallet(owner.address, provider))
    weight += owner.weight
  }
  assert.ok(weight >= config.council.threshold, 'the configured owners cannot reach the threshold')
  assert.ok(councilSigners.length >= 2, 'the scenario needs the threshold to take more than one owner')
  const rest = owners.slice(councilSigners.length)
  otherOwner = rest.length > 0 ? devWallet(rest[0].address, provider) : undefined

  issuer = devWallet(config.bpass.issuers[0], provider)
  treasury = devWallet(config.voucher.treasurers[0], provider)
  const goldAsset = config.commodities.assets.find((entry) => entry.label.startsWith('gold'))
  assert.ok(goldAsset !== undefined, 'no gold class in the config')
  goldId = BigInt(goldAsset.id)
  custodian = devWallet(goldAsset.custodian, provider)
  operator = devWallet(config.exchange.operators[0], provider)
  feeTreasury = ethers.getAddress(config.exchange.feeTreasury)

  districtOffice = namedWallet('district office issuer', provider)
  resident = namedWallet('resident', provider)
  merchant = namedWallet('merchant', provider)
  seller = namedWallet('trader A (seller)', provider)
  buyer = namedWallet('trader B (buyer)', provider)
  stranger = namedWallet('stranger without a B-Pass', provider)

  // Gas money for the new actors, from the city hall key, in one go.
  const funder = councilSigners[0]
  const nonce = await provider.getTransactionCount(funder.address, 'pending')
  const funded = [districtOffice, resident, merchant, seller, buyer, stranger]
  const sent = await Promise.all(funded.map((wallet, i) => funder.sendTransaction({ to: wallet.address, value: ethers.parseEther('1'), nonce: nonce + i })))
  await Promise.all(sent.map((tx) => mined(Promise.resolve(tx))))
})

after(async () => {
  provider?.destroy()
  if (node === undefined) return
  await node.stop()
  node.cleanup()
})

describe('city services end to end on a dev node', () => {
  it('runs the built genesis: the system contracts are there and callable at block 0', async () => {
    assert.equal((await provider.getNetwork()).chainId, CHAIN_ID)
    assert.equal(BigInt(deployments.chainId), CHAIN_ID)
    const genesis = readGenesis()
    for (const deployment of Object.values(deployments.contracts)) {
      for (const address of [deployment.address, deployment.implementation]) {
        const code = await provider.getCode(address, 0)
        assert.notEqual(code, '0x', `${deployment.name} at ${address} has no code at block 0`)
        assert.equal(code, genesis.alloc[address.toLowerCase()]?.code?.toLowerCase(), `${deployment.name} at ${address}: code differs from genesis/devnet.json`)
      }
    }

    // The council's owners and threshold, at block 0 by number and as "earliest".
    const expectedOwners = config.council.owners.map((owner) => [ethers.getAddress(owner.address), BigInt(owner.weight)])
    assert.deepEqual(plain(await c.council.owners({ blockTag: 0 })), expectedOwners)
    assert.deepEqual(plain(await c.council.owners({ blockTag: 'earliest' })), expectedOwners)
    const ownersCall = { to: deployments.contracts.council.address, data: c.council.interface.encodeFunctionData('owners') }
    const [byNumber, byEarliest, byHash] = await Promise.all([
      provider.send('eth_call', [ownersCall, '0x0']),
      provider.send('eth_call', [ownersCall, 'earliest']),
      provider.getBlock(0).then((block) => provider.send('eth_call', [ownersCall, { blockHash: block!.hash }])),
    ])
    assert.equal(byEarliest, byNumber)
    assert.equal(byHash, byNumber)
    assert.equal(await c.council.threshold({ blockTag: 0 }), BigInt(config.council.threshold))
    assert.equal(await c.council.proposalCount({ blockTag: 0 }), 0n)

    // A view on each of the other four.
    assert.equal(await c.bpassRegistry.identityCount({ blockTag: 0 }), BigInt(config.bpass.identities.length))
    for (const identity of config.bpass.identities) {
      assert.equal(await c.bpassRegistry.hasBPassRole(identity.holder, rolesMask(identity.roles), { blockTag: 0 }), true, identity.label)
    }
    assert.equal(await c.bpassRegistry.hasRole(ISSUER_ROLE, issuer.address, { blockTag: 0 }), true)
    assert.equal(await c.bpassRegistry.hasRole(DEFAULT_ADMIN_ROLE, deployments.contracts.council.address, { blockTag: 0 }), true)
    assert.equal(await c.voucher.name({ blockTag: 0 }), config.voucher.name)
    assert.equal(await c.voucher.symbol({ blockTag: 'earliest' }), config.voucher.symbol)
    assert.equal(await c.voucher.decimals({ blockTag: 0 }), 0n)
    assert.equal(await c.voucher.totalSupply({ blockTag: 0 }), 0n)
    assert.equal(await c.commodities.uri(goldId, { blockTag: 0 }), config.commodities.assets.find((entry) => BigInt(entry.id) === goldId)!.uri)
    assert.equal(await c.exchange.feeBps({ blockTag: 0 }), BigInt(config.exchange.feeBps))
    assert.equal(await c.exchange.feeTreasury({ blockTag: 'earliest' }), feeTreasury)
    assert.equal(await c.exchange.isPaymentTokenAllowed(deployments.contracts.voucher.address, { blockTag: 0 }), true)
    assert.equal(await c.exchange.hasRole(OPERATOR_ROLE, operator.address, { blockTag: 0 }), true)
  })

  it('step 1: the council accredits an issuer by multisig; residents, a merchant and traders get a B-Pass', async () => {
    const council = c.council
    const registry = c.bpassRegistry
    const [proposer, ...confirmers] = councilSigners
    const executor = otherOwner ?? proposer
    const registryAddress = deployments.contracts.bpassRegistry.address

    // Without accreditation the district office cannot register anyone, and no single key,
    // not even the city hall's, can accredit it: the admin role is the council contract's.
    const credential = (label: string) => ethers.id(`busan e2e credential document: ${label}`)
    const now = await latestTimestamp()
    const validFrom = now
    const validUntil = now + 365n * 86_400n
    assertRevert(
      await refusedCallAndSend(as(registry, districtOffice), 'register', [seller.address, credential('seller'), BPASS_ROLE.business, validFrom, validUntil]),
      'AccessControlUnauthorizedAccount',
      [districtOffice.address, ISSUER_ROLE],
    )
    assertRevert(
      await refusedCallAndSend(as(registry, proposer), 'grantRole', [ISSUER_ROLE, districtOffice.address]),
      'AccessControlUnauthorizedAccount',
      [proposer.address, DEFAULT_ADMIN_ROLE],
    )
    assertRevert(await refusedCallAndSend(as(council, issuer), 'propose', [registryAddress, 0n, '0x']), 'NotOwner', [issuer.address])

    // Propose: the proposer's confirmation counts at once, but its weight alone is short.
    const grant = registry.interface.encodeFunctionData('grantRole', [ISSUER_ROLE, districtOffice.address])
    const proposalId = await council.proposalCount()
    const proposed = await mined(as(council, proposer).propose(registryAddress, 0n, grant))
    assert.deepEqual(eventNames(proposed, c), ['CityCouncil.ProposalCreated', 'CityCouncil.ProposalConfirmed'])
    assert.deepEqual(plain(eventIn(proposed, council, 'ProposalCreated')), [proposalId, proposer.address, registryAddress, 0n, grant])
    assert.deepEqual(plain(eventIn(proposed, council, 'ProposalConfirmed')), [proposalId, proposer.address])
    const proposerWeight = await council.weightOf(proposer.address)
    assert.equal(await council.confirmedWeight(proposalId), proposerWeight)
    assertRevert(await refusedCallAndSend(as(council, proposer), 'execute', [proposalId]), 'ThresholdNotReached', [
      proposalId,
      proposerWeight,
      BigInt(config.council.threshold),
    ])

    // Co-signers bring the weight to the threshold.
    for (const confirmer of confirmers) {
      const confirmed = await mined(as(council, confirmer).confirm(proposalId))
      assert.deepEqual(plain(eventIn(confirmed, council, 'ProposalConfirmed')), [proposalId, confirmer.address])
      assert.equal(await council.isConfirmedBy(proposalId, confirmer.address), true)
    }
    assert.ok((await council.confirmedWeight(proposalId)) >= BigInt(config.council.threshold))
    assertRevert(await refusedCallAndSend(as(council, proposer), 'confirm', [proposalId]), 'AlreadyConfirmed', [proposalId, proposer.address])

    // Any owner executes; the council contract is the caller of grantRole.
    const executed = await mined(as(council, executor).execute(proposalId))
    assert.deepEqual(eventNames(executed, c), ['CityCouncil.ProposalExecuted', 'BPassRegistry.RoleGranted'])
    assert.deepEqual(plain(eventIn(executed, council, 'ProposalExecuted')), [proposalId, executor.address])
    assert.deepEqual(plain(eventIn(executed, registry, 'RoleGranted')), [ISSUER_ROLE, districtOffice.address, deployments.contracts.council.address])
    await assertLogsIndexed(provider, executed)
    assert.equal(await registry.hasRole(ISSUER_ROLE, districtOffice.address), true)
    const stored = await council.proposal(proposalId)
    assert.equal(stored.executed, true)
    assert.equal(stored.proposer, proposer.address)
    assertRevert(await refusedCallAndSend(as(council, executor), 'execute', [proposalId]), 'AlreadyExecuted', [proposalId])

    // eth_getLogs: the proposal's confirmations, by the indexed proposal id.
    const confirmations = await council.queryFilter(council.filters.ProposalConfirmed(proposalId), proposed.blockNumber, executed.blockNumber)
    assert.deepEqual(
      confirmations.map((log) => (log as ethers.EventLog).args.owner),
      councilSigners.map((wallet) => wallet.address),
    )

    // The issuer the config names registers the resident and the merchant; the newly
    // accredited district office registers the two traders (trader B is also a resident, so
    // the treasury can issue vouchers to it).
    const countBefore = await registry.identityCount()
    const registrations: [ethers.Wallet, ethers.Wallet, string[]][] = [
      [issuer, resident, ['resident']],
      [issuer, merchant, ['merchant', 'business']],
      [districtOffice, seller, ['business']],
      [districtOffice, buyer, ['resident', 'business']],
    ]
    let firstBlock = 0
    for (const [index, [by, holder, roleNames]] of registrations.entries()) {
      const roles = rolesMask(roleNames)
      const hash = credential(roleNames.join('+') + holder.address)
      const receipt = await mined(as(registry, by).register(holder.address, hash, roles, validFrom, validUntil))
      if (index === 0) firstBlock = receipt.blockNumber
      const id = countBefore + BigInt(index) + 1n
      assert.deepEqual(plain(eventIn(receipt, registry, 'IdentityRegistered')), [id, holder.address, by.address, hash, BigInt(roles), validFrom, validUntil])
      assert.equal(await registry.identityIdOf(holder.address), id)
      const identity = await registry.identity(id)
      assert.deepEqual(plain([identity.holder, identity.roles, identity.status, identity.issuer, identity.credentialHash]), [
        holder.address,
        BigInt(roles),
        1n, // Active
        by.address,
        hash,
      ])
      assert.equal(await registry.isVerified(holder.address), true)
      assert.equal(await registry.hasBPassRole(holder.address, roles), true)
    }
    assert.equal(await registry.identityCount(), countBefore + 4n)
    assert.equal(await registry.hasBPassRole(resident.address, BPASS_ROLE.merchant), false)
    assert.equal(await registry.isVerified(stranger.address), false)
    assertRevert(
      await refusedCallAndSend(as(registry, issuer), 'register', [resident.address, credential('again'), BPASS_ROLE.resident, validFrom, validUntil]),
      'HolderAlreadyBound',
      [resident.address, countBefore + 1n],
    )

    // eth_getLogs: all four registrations, and the district office's by the indexed issuer.
    const registered = await registry.queryFilter(registry.filters.IdentityRegistered(), firstBlock, 'latest')
    assert.deepEqual(
      registered.map((log) => (log as ethers.EventLog).args.holder),
      registrations.map(([, holder]) => holder.address),
    )
    const byDistrict = await registry.queryFilter(registry.filters.IdentityRegistered(null, null, districtOffice.address), 0, 'latest')
    assert.deepEqual(
      byDistrict.map((log) => (log as ethers.EventLog).args.holder),
      [seller.address, buyer.address],
    )
  })

  it('step 2: the treasury issues vouchers, the resident pays the merchant, the merchant redeems', async () => {
    const voucher = c.voucher
    const supplyBefore = await voucher.totalSupply()

    // Issue to the resident.
    const issued = await mined(as(voucher, treasury).issue(resident.address, 100_000n))
    assert.deepEqual(eventNames(issued, c), ['CityVoucher.Transfer', 'CityVoucher.Issued'])
    assert.deepEqual(plain(eventIn(issued, voucher, 'Issued')), [resident.address, 100_000n, treasury.address])
    assert.deepEqual(plain(eventIn(issued, voucher, 'Transfer')), [ethers.ZeroAddress, resident.address, 100_000n])
    await assertLogsIndexed(provider, issued)
    assert.equal(await vouchers(resident.address), 100_000n)
    assert.equal(await voucher.totalSupply(), supplyBefore + 100_000n)
    // Only residents receive issuance, and only the treasury issues.
    assertRevert(await refusedCallAndSend(as(voucher, treasury), 'issue', [merchant.address, 1n]), 'MissingBPassRole', [merchant.address, BigInt(BPASS_ROLE.resident)])
    assertRevert(await refusedCallAndSend(as(voucher, resident), 'issue', [resident.address, 1n]), 'AccessControlUnauthorizedAccount', [resident.address, TREASURY_ROLE])

    // The resident pays the merchant.
    const paid = await mined(as(voucher, resident).transfer(merchant.address, 30_000n))
    assert.deepEqual(eventNames(paid, c), ['CityVoucher.Transfer'])
    assert.deepEqual(plain(eventIn(paid, voucher, 'Transfer')), [resident.address, merchant.address, 30_000n])
    assert.equal(await vouchers(resident.address), 70_000n)
    assert.equal(await vouchers(merchant.address), 30_000n)

    // A payment to an address without a B-Pass is refused; nothing moves.
    assertRevert(await refusedCallAndSend(as(voucher, resident), 'transfer', [stranger.address, 1_000n]), 'NotVerified', [stranger.address])
    assert.equal(await vouchers(resident.address), 70_000n)
    assert.equal(await vouchers(stranger.address), 0n)

    // The merchant redeems with a payout reference, once.
    const reference = ethers.id('busan e2e payout 2024-0001')
    const redeemed = await mined(as(voucher, merchant).redeem(20_000n, reference))
    assert.deepEqual(eventNames(redeemed, c), ['CityVoucher.Transfer', 'CityVoucher.Redeemed'])
    assert.deepEqual(plain(eventIn(redeemed, voucher, 'Redeemed')), [merchant.address, 20_000n, reference])
    assert.deepEqual(plain(eventIn(redeemed, voucher, 'Transfer')), [merchant.address, ethers.ZeroAddress, 20_000n])
    await assertLogsIndexed(provider, redeemed)
    assert.equal(await vouchers(merchant.address), 10_000n)
    assert.equal(await voucher.totalSupply(), supplyBefore + 80_000n)
    assert.equal(await voucher.isRedemptionReferenceUsed(reference), true)
    const byReference = await voucher.queryFilter(voucher.filters.Redeemed(null, null, reference), 0, 'latest')
    assert.equal(byReference.length, 1)
    assert.equal(byReference[0].transactionHash, redeemed.hash)
    assert.deepEqual(plain((byReference[0] as ethers.EventLog).args), [merchant.address, 20_000n, reference])

    assertRevert(await refusedCallAndSend(as(voucher, merchant), 'redeem', [1n, reference]), 'ReferenceAlreadyUsed', [reference])
    assertRevert(await refusedCallAndSend(as(voucher, resident), 'redeem', [1n, ethers.id('resident payout')]), 'MissingBPassRole', [resident.address, BigInt(BPASS_ROLE.merchant)])
    assert.equal(await vouchers(merchant.address), 10_000n)
  })

  it('step 3: the custodian attests the gold reserve and mints against it, never past it', async () => {
    const commodities = c.commodities
    const before = await commodities.asset(goldId)
    assert.equal(before.custodian, custodian.address)
    assert.equal(before.listed, true)
    assert.equal(await goldSupply(), 0n)

    const attestedAt = await latestTimestamp()
    const attested = await mined(as(commodities, custodian).attestReserve(goldId, 1_000n, attestedAt))
    assert.deepEqual(plain(eventIn(attested, commodities, 'ReserveAttested')), [goldId, custodian.address, 1_000n, attestedAt])
    const asset = await commodities.asset(goldId)
    assert.equal(asset.reserve, 1_000n)
    assert.equal(asset.attestedAt, attestedAt)

    const receiptA = ethers.id('busan e2e warehouse receipt A')
    const minted = await mined(as(commodities, custodian).mint(seller.address, goldId, 600n, receiptA))
    assert.deepEqual(eventNames(minted, c), ['CityCommodities.TransferSingle', 'CityCommodities.MintedAgainstReceipt'])
    assert.deepEqual(plain(eventIn(minted, commodities, 'TransferSingle')), [custodian.address, ethers.ZeroAddress, seller.address, goldId, 600n])
    assert.deepEqual(plain(eventIn(minted, commodities, 'MintedAgainstReceipt')), [goldId, seller.address, 600n, receiptA])
    await assertLogsIndexed(provider, minted)
    assert.equal(await gold(seller.address), 600n)
    assert.equal(await goldSupply(), 600n)
    assert.equal(await commodities.isReceiptUsed(receiptA), true)

    // 600 + 401 would pass the attested 1000.
    const receiptB = ethers.id('busan e2e warehouse receipt B')
    assertRevert(await refusedCallAndSend(as(commodities, custodian), 'mint', [seller.address, goldId, 401n, receiptB]), 'ReserveExceeded', [goldId, 1_001n, 1_000n])
    assert.equal(await goldSupply(), 600n)
    assert.equal(await commodities.isReceiptUsed(receiptB), false)
    // A spent receipt, an unverified recipient, a caller that is not the class's custodian.
    assertRevert(await refusedCallAndSend(as(commodities, custodian), 'mint', [seller.address, goldId, 1n, receiptA]), 'ReferenceAlreadyUsed', [receiptA])
    assertRevert(await refusedCallAndSend(as(commodities, custodian), 'mint', [stranger.address, goldId, 1n, receiptB]), 'NotVerified', [stranger.address])
    assertRevert(await refusedCallAndSend(as(commodities, operator), 'mint', [seller.address, goldId, 1n, receiptB]), 'NotAssetCustodian', [goldId, operator.address])
    assert.equal(await gold(seller.address), 600n)
  })

  it('step 4: two traders sign EIP-712 orders and the operator settles them atomically, once', async () => {
    const { voucher, commodities, exchange } = c
    const exchangeAddress = deployments.contracts.exchange.address
    const voucherAddress = deployments.contracts.voucher.address

    // Trader B gets vouchers to pay with.
    await mined(as(voucher, treasury).issue(buyer.address, 5_000_000n))

    // The domain the brief states, checked against the contract's own (ERC-5267).
    const domain = { name: 'Busan City Exchange', version: '1', chainId: CHAIN_ID, verifyingContract: exchangeAddress }
    const onChain = await exchange.eip712Domain()
    assert.deepEqual(plain([onChain.name, onChain.version, onChain.chainId, onChain.verifyingContract]), plain([domain.name, domain.version, domain.chainId, domain.verifyingContract]))

    const expiry = (await latestTimestamp()) + 3_600n
    // Trader A's resting sell order (the maker): 100 g at 70,000 won/g.
    const sell: Order = { signer: seller.address, side: SELL, assetId: goldId, amount: 100n, price: 70_000n, paymentToken: voucherAddress, expiry, salt: 1n }
    // Trader B's buy order (the taker): 60 g, willing to pay up to 72,000 won/g.
    const buy: Order = { signer: buyer.address, side: BUY, assetId: goldId, amount: 60n, price: 72_000n, paymentToken: voucherAddress, expiry, salt: 2n }
    const maker = { order: sell, signature: await seller.signTypedData(domain, ORDER_TYPES, sell) }
    const taker = { order: buy, signature: await buyer.signTypedData(domain, ORDER_TYPES, buy) }
    const sellHash = ethers.TypedDataEncoder.hash(domain, ORDER_TYPES, sell)
    const buyHash = ethers.TypedDataEncoder.hash(domain, ORDER_TYPES, buy)
    assert.equal(await exchange.hashOrder(sell), sellHash)
    assert.equal(await exchange.hashOrder(buy), buyHash)
    assert.equal(ethers.verifyTypedData(domain, ORDER_TYPES, sell, maker.signature), seller.address)

    const fill = 60n
    const payment = fill * sell.price // at the maker's price
    const fee = (payment * BigInt(config.exchange.feeBps)) / 10_000n
    assert.equal(fee, 12_600n)

    const balances = async () => ({
      buyerVouchers: await vouchers(buyer.address),
      sellerVouchers: await vouchers(seller.address),
      treasuryVouchers: await vouchers(feeTreasury),
      buyerGold: await gold(buyer.address),
      sellerGold: await gold(seller.address),
      voucherSupply: await voucher.totalSupply(),
      goldSupply: await goldSupply(),
      buyFilled: await exchange.filledAmount(buyHash),
      sellFilled: await exchange.filledAmount(sellHash),
    })

    // The seller lets the exchange move its gold; the buyer has not approved its vouchers yet.
    const approvedGold = await mined(as(commodities, seller).setApprovalForAll(exchangeAddress, true))
    assert.deepEqual(plain(eventIn(approvedGold, commodities, 'ApprovalForAll')), [seller.address, exchangeAddress, true])
    const start = await balances()

    // All or nothing: the payment leg fails (no allowance) inside the voucher, so the
    // settlement reverts as a whole. Sent with a fixed gas limit, it is mined and fails, and
    // neither leg nor the fill records remain.
    assertRevert(await refused(() => as(exchange, operator).settle.staticCall(maker, taker, fill), voucher), 'ERC20InsufficientAllowance', [exchangeAddress, 0n, payment - fee])
    const failing = await as(exchange, operator).settle(maker, taker, fill, { gasLimit: 1_000_000n })
    let failedReceipt: ethers.TransactionReceipt | null = null
    try {
      await failing.wait()
    } catch (error) {
      assert.ok(ethers.isError(error, 'CALL_EXCEPTION'), String(error))
      failedReceipt = error.receipt ?? null
    }
    assert.ok(failedReceipt !== null, 'the settlement without allowance did not fail on chain')
    assert.equal(failedReceipt.status, 0)
    assert.equal(failedReceipt.logs.length, 0)
    assert.deepEqual(await balances(), start)

    const approved = await mined(as(voucher, buyer).approve(exchangeAddress, payment))
    assert.deepEqual(plain(eventIn(approved, voucher, 'Approval')), [buyer.address, exchangeAddress, payment])

    // Only an operator settles, and only what was signed.
    assertRevert(await refusedCallAndSend(as(exchange, buyer), 'settle', [maker, taker, fill]), 'AccessControlUnauthorizedAccount', [buyer.address, OPERATOR_ROLE])
    // The buy order with its signature but another price: below the ask it does not cross;
    // at a crossing price the signature no longer matches.
    const cheaper = { order: { ...buy, price: 69_000n }, signature: taker.signature }
    assertRevert(await refusedCallAndSend(as(exchange, operator), 'settle', [maker, cheaper, fill]), 'PricesDoNotCross', [69_000n, 70_000n])
    const altered = { order: { ...buy, price: 71_000n }, signature: taker.signature }
    const alteredHash = ethers.TypedDataEncoder.hash(domain, ORDER_TYPES, altered.order)
    assertRevert(await refusedCallAndSend(as(exchange, operator), 'settle', [maker, altered, fill]), 'InvalidSignature', [alteredHash, buyer.address])
    assertRevert(await refusedCallAndSend(as(exchange, operator), 'settle', [maker, taker, fill + 1n]), 'Overfill', [buyHash, 0n, fill + 1n, buy.amount])

    // The matched pair settles.
    const settled = await mined(as(exchange, operator).settle(maker, taker, fill))
    assert.deepEqual(eventNames(settled, c), ['CityVoucher.Transfer', 'CityVoucher.Transfer', 'CityCommodities.TransferSingle', 'CityExchange.Trade'])
    assert.deepEqual(
      eventsIn(settled, voucher, 'Transfer').map(plain),
      [
        [buyer.address, seller.address, payment - fee],
        [buyer.address, feeTreasury, fee],
      ],
    )
    assert.deepEqual(plain(eventIn(settled, commodities, 'TransferSingle')), [exchangeAddress, seller.address, buyer.address, goldId, fill])
    const trade = eventIn(settled, exchange, 'Trade')
    assert.deepEqual(plain(trade), [buyHash, sellHash, buyer.address, seller.address, false, goldId, fill, voucherAddress, sell.price, fee, feeTreasury])
    assert.equal(trade.amount, fill)
    assert.equal(trade.fee, fee)
    await assertLogsIndexed(provider, settled)

    // Both legs moved, in the one transaction; the fee reached the exchange treasury.
    const end = await balances()
    assert.deepEqual(end, {
      buyerVouchers: start.buyerVouchers - payment,
      sellerVouchers: start.sellerVouchers + payment - fee,
      treasuryVouchers: start.treasuryVouchers + fee,
      buyerGold: start.buyerGold + fill,
      sellerGold: start.sellerGold - fill,
      voucherSupply: start.voucherSupply,
      goldSupply: start.goldSupply,
      buyFilled: fill,
      sellFilled: fill,
    })
    assert.equal(await voucher.allowance(buyer.address, exchangeAddress), 0n)

    // eth_getLogs: the Trade by the buy order's hash and by the buyer, and the fee transfer.
    const tradesByHash = await exchange.queryFilter(exchange.filters.Trade(buyHash), 0, 'latest')
    assert.equal(tradesByHash.length, 1)
    assert.equal(tradesByHash[0].transactionHash, settled.hash)
    assert.deepEqual(plain((tradesByHash[0] as ethers.EventLog).args), plain(trade))
    const tradesByBuyer = await exchange.queryFilter(exchange.filters.Trade(null, null, buyer.address), 0, 'latest')
    assert.deepEqual(tradesByBuyer.map((log) => log.transactionHash), [settled.hash])
    const feeTransfers = await voucher.queryFilter(voucher.filters.Transfer(buyer.address, feeTreasury), settled.blockNumber, settled.blockNumber)
    assert.deepEqual(feeTransfers.map((log) => plain((log as ethers.EventLog).args)), [[buyer.address, feeTreasury, fee]])

    // Replaying the same fill is refused: the buy order is filled. Even with more allowance.
    await mined(as(voucher, buyer).approve(exchangeAddress, payment))
    assertRevert(await refusedCallAndSend(as(exchange, operator), 'settle', [maker, taker, fill]), 'Overfill', [buyHash, fill, fill, buy.amount])
    assert.deepEqual(await balances(), end)
  })

  it('keeps block 0 readable after the scenario: genesis state at 0, the new state at latest', async () => {
    const latest = await provider.getBlockNumber()
    assert.ok(latest > 10, `only ${latest} blocks`)
    const expectedOwners = config.council.owners.map((owner) => [ethers.getAddress(owner.address), BigInt(owner.weight)])
    assert.deepEqual(plain(await c.council.owners({ blockTag: 0 })), expectedOwners)
    assert.equal(await c.council.proposalCount({ blockTag: 'earliest' }), 0n)
    assert.equal(await c.council.proposalCount(), 1n)
    assert.equal(await c.bpassRegistry.identityCount({ blockTag: 0 }), BigInt(config.bpass.identities.length))
    assert.equal(await c.bpassRegistry.identityCount(), BigInt(config.bpass.identities.length + 4))
    assert.equal(await c.bpassRegistry.hasRole(ISSUER_ROLE, districtOffice.address, { blockTag: 0 }), false)
    assert.equal(await c.voucher.totalSupply({ blockTag: 0 }), 0n)
    assert.ok((await c.voucher.totalSupply()) > 0n)
    assert.equal((await c.commodities.asset(goldId, { blockTag: 0 })).reserve, 0n)
    assert.equal(await c.exchange.filledAmount(ethers.ZeroHash, { blockTag: 0 }), 0n)
  })
  it("the explorer's city page shows the scenario (vouchers, gold against its reserve, the trade, the proposal), also on a node that caps log ranges", async () => {
    const [decimals, symbol] = [Number(await c.voucher.decimals()), String(await c.voucher.symbol())]
    const [supply, sellerGold, residentVouchers] = [await c.voucher.totalSupply(), await gold(seller.address), await vouchers(resident.address)]
    // The page asks for each event from block 0 in one eth_getLogs; a node with a range cap
    // (Besu's --rpc-max-logs-range; here --rpc.logsrange) refuses that, and the page splits it.
    // Last test: the restarted node listens on a new port, where the provider does not point.
    await node.stop()
    node = await startDevNode({ period: 0, dataDir: node.dataDir, extraArgs: ['--rpc.logsrange', '4'] })
    const wide = await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: 'latest' }] }) })
    assert.deepEqual(((await wide.json()) as { error: unknown }).error, { code: -32005, message: 'exceed maximum block range: 4' })
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] })
    try {
      const page = await browser.newPage()
      await page.goto(`${node.rpcUrl}/explorer/city`)
      await page.waitForSelector('#voucher-issued')
      mkdirSync('test-results/explorer', { recursive: true })
      await page.screenshot({ path: 'test-results/explorer/city.png', fullPage: true })
      const units = (amount: bigint) => `${ethers.formatUnits(amount, decimals)} ${symbol}`
      // Step 2 issued 100,000 to the resident, step 4 5,000,000 to the buyer; the merchant redeemed 20,000.
      assert.equal(await page.textContent('#voucher-issued'), units(5_100_000n))
      assert.equal(await page.textContent('#voucher-redeemed'), units(20_000n))
      assert.equal(await page.textContent('#voucher-supply'), units(supply))
      // Step 3: 600 gold minted against an attested reserve of 1,000.
      const goldRow = page.locator('#commodities tbody tr', { hasText: `#${goldId}` })
      assert.deepEqual((await goldRow.locator('td').allTextContents()).slice(1, 3), ['600', '1000'])
      assert.equal(await goldRow.locator('td').nth(4).textContent(), '✔')
      assert.equal(await page.locator('#trades tbody tr').count(), 1, "step 4's one settled trade")
      assert.match((await page.textContent('#proposals')) ?? '', /#0.*(실행됨|Executed)/, "step 1's executed proposal")
      // The seller's page: the gold it still holds after the trade; the resident's: a verified resident.
      await page.goto(`${node.rpcUrl}/explorer/address/${seller.address}`)
      await page.waitForSelector('#holdings')
      assert.equal(await page.textContent('#holdings'), `#${goldId}: ${sellerGold}`)
      await page.goto(`${node.rpcUrl}/explorer/address/${resident.address}`)
      await page.waitForSelector('#bpass')
      await page.screenshot({ path: 'test-results/explorer/address-resident.png', fullPage: true })
      assert.equal(await page.textContent('#bpass'), '인증됨 (활성)')
      assert.equal(await page.textContent('#bpass-roles'), '시민')
      assert.equal(await page.textContent('#voucher-balance'), units(residentVouchers))
    } finally {
      await browser.close()
    }
  })
})
