import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { network } from 'hardhat'
import { ASSET, assertRevert, deployCity, EXCHANGE_FEE_BPS, hashLabel, mined } from './support/city.ts'
import { exchangeDomain, type Order, SIDE, signOrder } from './support/orders.ts'

const connection = await network.create()
const { ethers, networkHelpers } = connection

const GOLD_PRICE = 150_000n // won per gram

/** Bob holds 100 g of gold, Alice 10,000,000 won; both approved the exchange. */
async function marketCity() {
  const city = await deployCity(connection)
  const { cast, commodities, voucher, exchange } = city
  const exchangeAddress = await exchange.getAddress()
  const now = BigInt(await networkHelpers.time.latest())
  await mined(commodities.connect(cast.custodian).getFunction('attestReserve')(ASSET.GOLD, 1_000n, now))
  await mined(commodities.connect(cast.custodian).getFunction('mint')(cast.bob.address, ASSET.GOLD, 100n, hashLabel('receipt-bob')))
  await mined(voucher.connect(cast.treasury).getFunction('issue')(cast.alice.address, 10_000_000n))
  await mined(voucher.connect(cast.alice).getFunction('approve')(exchangeAddress, ethers.MaxUint256))
  await mined(commodities.connect(cast.bob).getFunction('setApprovalForAll')(exchangeAddress, true))
  const { chainId } = await ethers.provider.getNetwork()
  const domain = exchangeDomain(chainId, exchangeAddress)
  const voucherAddress = await voucher.getAddress()
  let salt = 0n
  function order(signer: string, side: number, fields: Partial<Order> = {}): Order {
    return {
      signer,
      side,
      assetId: ASSET.GOLD,
      amount: 10n,
      price: GOLD_PRICE,
      paymentToken: voucherAddress,
      expiry: now + 86_400n,
      salt: ++salt,
      ...fields,
    }
  }
  return { ...city, domain, order, chainId }
}

describe('CityExchange', () => {
  it('settles delivery versus payment at the maker price, pays the fee and records the trade', async () => {
    const { exchange, voucher, commodities, cast, domain, order } = await networkHelpers.loadFixture(marketCity)
    const maker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL), domain)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY, { price: 160_000n }), domain)
    const receipt = await mined(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 10n))

    const payment = 10n * GOLD_PRICE
    const fee = (payment * EXCHANGE_FEE_BPS) / 10_000n
    assert.equal(fee, 4_500n)
    assert.equal(await commodities.balanceOf(cast.alice.address, ASSET.GOLD), 10n)
    assert.equal(await commodities.balanceOf(cast.bob.address, ASSET.GOLD), 90n)
    assert.equal(await voucher.balanceOf(cast.alice.address), 10_000_000n - payment)
    assert.equal(await voucher.balanceOf(cast.bob.address), payment - fee)
    assert.equal(await voucher.balanceOf(cast.feeTreasury.address), fee)

    const makerHash: string = await exchange.hashOrder(maker.order)
    const takerHash: string = await exchange.hashOrder(taker.order)
    assert.equal(await exchange.filledAmount(makerHash), 10n)
    assert.equal(await exchange.filledAmount(takerHash), 10n)
    const trade = receipt.logs.map((log) => exchange.interface.parseLog(log)).find((log) => log?.name === 'Trade')
    assert.deepEqual(
      [...(trade?.args ?? [])],
      [takerHash, makerHash, cast.alice.address, cast.bob.address, false, ASSET.GOLD, 10n, await voucher.getAddress(), GOLD_PRICE, fee, cast.feeTreasury.address],
    )
  })

  it('executes at a buying maker price when the seller takes it', async () => {
    const { exchange, voucher, cast, domain, order } = await networkHelpers.loadFixture(marketCity)
    const maker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY, { price: 155_000n }), domain)
    const taker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL, { price: 140_000n }), domain)
    const receipt = await mined(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 2n))
    assert.equal(await voucher.balanceOf(cast.alice.address), 10_000_000n - 310_000n)
    const trade = receipt.logs.map((log) => exchange.interface.parseLog(log)).find((log) => log?.name === 'Trade')
    assert.equal(trade?.args.buyerIsMaker, true)
    assert.equal(trade?.args.price, 155_000n)
    assert.equal(trade?.args.buyOrderHash, await exchange.hashOrder(maker.order))
  })

  it('fills orders partially and refuses to fill past their amount or replay them', async () => {
    const { exchange, cast, domain, order } = await networkHelpers.loadFixture(marketCity)
    const maker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL, { amount: 10n }), domain)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY, { amount: 8n }), domain)
    const operator = exchange.connect(cast.operator)
    await mined(operator.getFunction('settle')(maker, taker, 3n))
    await mined(operator.getFunction('settle')(maker, taker, 5n))
    const makerHash = await exchange.hashOrder(maker.order)
    const takerHash = await exchange.hashOrder(taker.order)
    assert.equal(await exchange.filledAmount(makerHash), 8n)
    assert.equal(await exchange.filledAmount(takerHash), 8n)
    await assertRevert(operator.getFunction('settle')(maker, taker, 1n), exchange, 'Overfill', [takerHash, 8n, 1n, 8n])

    const secondTaker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY, { amount: 5n }), domain)
    await assertRevert(operator.getFunction('settle')(maker, secondTaker, 3n), exchange, 'Overfill', [makerHash, 8n, 3n, 10n])
    await mined(operator.getFunction('settle')(maker, secondTaker, 2n))
    assert.equal(await exchange.filledAmount(makerHash), 10n)
  })

  it('refuses expired orders', async () => {
    const { exchange, cast, domain, order } = await networkHelpers.loadFixture(marketCity)
    const expiry = BigInt(await networkHelpers.time.latest()) + 100n
    const maker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL, { expiry }), domain)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY), domain)
    await networkHelpers.time.increaseTo(expiry + 1n)
    await assertRevert(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 1n), exchange, 'OrderExpired', [
      await exchange.hashOrder(maker.order),
      expiry,
    ])
  })

  it('lets the signer, and only the signer, cancel an order', async () => {
    const { exchange, cast, domain, order } = await networkHelpers.loadFixture(marketCity)
    const maker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL), domain)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY), domain)
    const makerHash: string = await exchange.hashOrder(maker.order)
    await mined(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 4n))

    await assertRevert(exchange.connect(cast.alice).getFunction('cancel')(maker.order), exchange, 'NotOrderSigner', [cast.alice.address, cast.bob.address])
    const receipt = await mined(exchange.connect(cast.bob).getFunction('cancel')(maker.order))
    assert.deepEqual([...(exchange.interface.parseLog(receipt.logs[0])?.args ?? [])], [makerHash, cast.bob.address])
    assert.equal(await exchange.isCancelled(makerHash), true)
    await assertRevert(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 1n), exchange, 'OrderIsCancelled', [makerHash])
  })

  it('refuses signatures for another chain, another contract or another order', async () => {
    const { exchange, cast, domain, order, chainId, deployProxy, council, registry, commodities, voucher } = await networkHelpers.loadFixture(marketCity)
    const operator = exchange.connect(cast.operator)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY), domain)
    const sellOrder = order(cast.bob.address, SIDE.SELL)

    const otherChain = await signOrder(cast.bob, sellOrder, { ...domain, chainId: chainId + 1n })
    await assertRevert(operator.getFunction('settle')(otherChain, taker, 1n), exchange, 'InvalidSignature', [await exchange.hashOrder(sellOrder), cast.bob.address])
    const otherContract = await signOrder(cast.bob, sellOrder, { ...domain, verifyingContract: await voucher.getAddress() })
    await assertRevert(operator.getFunction('settle')(otherContract, taker, 1n), exchange, 'InvalidSignature')
    const tampered = { order: { ...sellOrder, amount: 100n }, signature: (await signOrder(cast.bob, sellOrder, domain)).signature }
    await assertRevert(operator.getFunction('settle')(tampered, taker, 1n), exchange, 'InvalidSignature')
    const signedByOther = { order: sellOrder, signature: (await signOrder(cast.alice, sellOrder, domain)).signature }
    await assertRevert(operator.getFunction('settle')(signedByOther, taker, 1n), exchange, 'InvalidSignature')

    // The same signed pair replayed on a second exchange deployment fails there.
    const secondExchange = await deployProxy('CityExchange', [
      {
        council: await council.getAddress(),
        registry: await registry.getAddress(),
        commodities: await commodities.getAddress(),
        feeTreasury: cast.feeTreasury.address,
        feeBps: 0n,
        operators: [cast.operator.address],
        paymentTokens: [await voucher.getAddress()],
      },
    ])
    const maker = await signOrder(cast.bob, sellOrder, domain)
    await assertRevert(secondExchange.connect(cast.operator).getFunction('settle')(maker, taker, 1n), exchange, 'InvalidSignature')
    await mined(operator.getFunction('settle')(maker, taker, 1n))
  })

  it('accepts settlements from exchange operators only', async () => {
    const { exchange, cast, domain, order } = await networkHelpers.loadFixture(marketCity)
    const maker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL), domain)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY), domain)
    await assertRevert(exchange.connect(cast.alice).getFunction('settle')(maker, taker, 1n), exchange, 'AccessControlUnauthorizedAccount', [
      cast.alice.address,
      await exchange.OPERATOR_ROLE(),
    ])
  })

  it('refuses pairs that do not match', async () => {
    const { exchange, cast, domain, order, commodities } = await networkHelpers.loadFixture(marketCity)
    const operator = exchange.connect(cast.operator)
    const sell = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL), domain)
    const buy = async (fields: Partial<Order>) => signOrder(cast.alice, order(cast.alice.address, SIDE.BUY, fields), domain)
    const commoditiesAddress = await commodities.getAddress()

    await assertRevert(operator.getFunction('settle')(sell, await buy({}), 0n), exchange, 'ZeroFill')
    await assertRevert(operator.getFunction('settle')(sell, await signOrder(cast.alice, order(cast.alice.address, SIDE.SELL), domain), 1n), exchange, 'SidesDoNotMatch')
    await assertRevert(operator.getFunction('settle')(sell, await signOrder(cast.alice, order(cast.alice.address, 2), domain), 1n), exchange, 'InvalidSide', [2n])
    await assertRevert(operator.getFunction('settle')(sell, await buy({ assetId: ASSET.OIL }), 1n), exchange, 'AssetsDoNotMatch', [ASSET.GOLD, ASSET.OIL])
    await assertRevert(operator.getFunction('settle')(sell, await buy({ paymentToken: commoditiesAddress }), 1n), exchange, 'PaymentTokensDoNotMatch')
    await assertRevert(operator.getFunction('settle')(sell, await buy({ price: GOLD_PRICE - 1n }), 1n), exchange, 'PricesDoNotCross', [GOLD_PRICE - 1n, GOLD_PRICE])
    const selfBuy = await signOrder(cast.bob, order(cast.bob.address, SIDE.BUY), domain)
    await assertRevert(operator.getFunction('settle')(sell, selfBuy, 1n), exchange, 'SelfTrade', [cast.bob.address])
    const unlisted = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL, { paymentToken: commoditiesAddress }), domain)
    await assertRevert(operator.getFunction('settle')(unlisted, await buy({ paymentToken: commoditiesAddress }), 1n), exchange, 'PaymentTokenNotAllowed', [
      commoditiesAddress,
    ])
  })

  it('refuses participants who are not verified at settlement time', async () => {
    const { exchange, registry, voucher, commodities, cast, identityOf, domain, order } = await networkHelpers.loadFixture(marketCity)
    const maker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL), domain)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY), domain)
    await mined(registry.connect(cast.issuer).getFunction('suspend')(identityOf.get(cast.bob.address)))
    await assertRevert(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 1n), exchange, 'NotVerified', [cast.bob.address])
    assert.equal(await commodities.balanceOf(cast.bob.address, ASSET.GOLD), 100n)
    assert.equal(await voucher.balanceOf(cast.alice.address), 10_000_000n)
  })

  it('moves nothing when a leg fails', async () => {
    const { exchange, voucher, commodities, cast, domain, order } = await networkHelpers.loadFixture(marketCity)
    await mined(voucher.connect(cast.alice).getFunction('approve')(await exchange.getAddress(), 1_000n))
    const maker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL), domain)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY), domain)
    await assertRevert(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 1n), voucher, 'ERC20InsufficientAllowance')
    assert.equal(await exchange.filledAmount(await exchange.hashOrder(maker.order)), 0n)
    assert.equal(await commodities.balanceOf(cast.bob.address, ASSET.GOLD), 100n)
    assert.equal(await voucher.balanceOf(cast.alice.address), 10_000_000n)
  })

  it('takes fee, treasury and payment tokens from the council only', async () => {
    const { exchange, cast, viaCouncil, deployProxy, council, registry, domain, order } = await networkHelpers.loadFixture(marketCity)
    const adminRole: string = await exchange.DEFAULT_ADMIN_ROLE()
    for (const [method, args] of [
      ['setFee', [10n]],
      ['setFeeTreasury', [cast.merchant.address]],
      ['setPaymentTokenAllowed', [cast.merchant.address, true]],
    ] as const) {
      await assertRevert(exchange.connect(cast.operator).getFunction(method)(...args), exchange, 'AccessControlUnauthorizedAccount', [cast.operator.address, adminRole])
    }
    await assertRevert(viaCouncil(exchange, 'setFee', [1_001n]), exchange, 'FeeTooHigh', [1_001n])
    await viaCouncil(exchange, 'setFee', [0n])
    assert.equal(await exchange.feeBps(), 0n)

    // A second payment token (another voucher-like token) becomes usable once allowed.
    const stable = await deployProxy('CityVoucher', [await council.getAddress(), await registry.getAddress(), 'Busan Stable', 'BST', [cast.treasury.address]])
    const stableAddress = await stable.getAddress()
    await mined(stable.connect(cast.treasury).getFunction('issue')(cast.alice.address, 1_000n))
    await mined(stable.connect(cast.alice).getFunction('approve')(await exchange.getAddress(), 1_000n))
    const maker = await signOrder(cast.bob, order(cast.bob.address, SIDE.SELL, { price: 100n, paymentToken: stableAddress }), domain)
    const taker = await signOrder(cast.alice, order(cast.alice.address, SIDE.BUY, { price: 100n, paymentToken: stableAddress }), domain)
    await assertRevert(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 3n), exchange, 'PaymentTokenNotAllowed', [stableAddress])
    await viaCouncil(exchange, 'setPaymentTokenAllowed', [stableAddress, true])
    await mined(exchange.connect(cast.operator).getFunction('settle')(maker, taker, 3n))
    assert.equal(await stable.balanceOf(cast.bob.address), 300n, 'no fee at 0 bps')
  })
})
