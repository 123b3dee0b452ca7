import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { network } from 'hardhat'
import { ASSET, assertRevert, deployCity, hashLabel, launchAssetUri, mined } from './support/city.ts'

const connection = await network.create()
const { ethers, networkHelpers } = connection

/** The custodian has counted 1,000 g of gold in the vault. */
async function attestedCity() {
  const city = await deployCity(connection)
  const now = BigInt(await networkHelpers.time.latest())
  await mined(city.commodities.connect(city.cast.custodian).getFunction('attestReserve')(ASSET.GOLD, 1_000n, now))
  return city
}

describe('CityCommodities', () => {
  it('lists gold, copper and oil at launch with their metadata', async () => {
    const { commodities, cast } = await networkHelpers.loadFixture(attestedCity)
    assert.deepEqual([...(await commodities.assetIds())], [ASSET.GOLD, ASSET.COPPER, ASSET.OIL])
    for (const id of Object.values(ASSET)) {
      assert.equal(await commodities.uri(id), launchAssetUri(id))
      assert.equal((await commodities.asset(id)).custodian, cast.custodian.address)
    }
    await assertRevert(commodities.uri(99n), commodities, 'UnknownAsset', [99n])
  })

  it('records reserve attestations from the asset custodian', async () => {
    const { commodities, cast } = await networkHelpers.loadFixture(attestedCity)
    const now = BigInt(await networkHelpers.time.latest())
    const receipt = await mined(commodities.connect(cast.custodian).getFunction('attestReserve')(ASSET.OIL, 500n, now))
    assert.deepEqual([...(commodities.interface.parseLog(receipt.logs[0])?.args ?? [])], [ASSET.OIL, cast.custodian.address, 500n, now])
    const oil = await commodities.asset(ASSET.OIL)
    assert.equal(oil.reserve, 500n)
    assert.equal(oil.attestedAt, now)

    await assertRevert(commodities.connect(cast.custodian).getFunction('attestReserve')(ASSET.OIL, 600n, now), commodities, 'StaleAttestation', [ASSET.OIL, now, now])
    await assertRevert(commodities.connect(cast.custodian).getFunction('attestReserve')(ASSET.OIL, 600n, now + 1_000n), commodities, 'AttestationInFuture')
    await assertRevert(commodities.connect(cast.alice).getFunction('attestReserve')(ASSET.OIL, 600n, now + 1n), commodities, 'NotAssetCustodian', [ASSET.OIL, cast.alice.address])
    await assertRevert(commodities.connect(cast.custodian).getFunction('attestReserve')(42n, 1n, now), commodities, 'UnknownAsset', [42n])
  })

  it('mints against warehouse receipts up to the attested reserve and never past it', async () => {
    const { commodities, cast } = await networkHelpers.loadFixture(attestedCity)
    const custodian = commodities.connect(cast.custodian)
    const receipt = hashLabel('warehouse-receipt-0001')
    const minted = await mined(custodian.getFunction('mint')(cast.alice.address, ASSET.GOLD, 600n, receipt))
    const event = minted.logs.map((log) => commodities.interface.parseLog(log)).find((log) => log?.name === 'MintedAgainstReceipt')
    assert.deepEqual([...(event?.args ?? [])], [ASSET.GOLD, cast.alice.address, 600n, receipt])
    assert.equal(await commodities.balanceOf(cast.alice.address, ASSET.GOLD), 600n)
    assert.equal(await commodities.getFunction('totalSupply(uint256)')(ASSET.GOLD), 600n)

    await assertRevert(custodian.getFunction('mint')(cast.bob.address, ASSET.GOLD, 401n, hashLabel('r2')), commodities, 'ReserveExceeded', [ASSET.GOLD, 1_001n, 1_000n])
    await mined(custodian.getFunction('mint')(cast.bob.address, ASSET.GOLD, 400n, hashLabel('r2')))
    await assertRevert(custodian.getFunction('mint')(cast.bob.address, ASSET.GOLD, 1n, hashLabel('r3')), commodities, 'ReserveExceeded', [ASSET.GOLD, 1_001n, 1_000n])
    await assertRevert(custodian.getFunction('mint')(cast.bob.address, ASSET.COPPER, 1n, hashLabel('r4')), commodities, 'ReserveExceeded', [ASSET.COPPER, 1n, 0n])

    await assertRevert(custodian.getFunction('mint')(cast.bob.address, ASSET.GOLD, 1n, receipt), commodities, 'ReferenceAlreadyUsed', [receipt])
    await assertRevert(custodian.getFunction('mint')(cast.bob.address, ASSET.GOLD, 1n, ethers.ZeroHash), commodities, 'EmptyReference')
    await assertRevert(custodian.getFunction('mint')(cast.bob.address, ASSET.GOLD, 0n, hashLabel('r5')), commodities, 'ZeroAmount')
  })

  it('refuses an attestation below the supply already out', async () => {
    const { commodities, cast } = await networkHelpers.loadFixture(attestedCity)
    const custodian = commodities.connect(cast.custodian)
    await mined(custodian.getFunction('mint')(cast.alice.address, ASSET.GOLD, 800n, hashLabel('r1')))
    const later = BigInt(await networkHelpers.time.latest())
    await assertRevert(custodian.getFunction('attestReserve')(ASSET.GOLD, 799n, later), commodities, 'ReserveBelowSupply', [ASSET.GOLD, 799n, 800n])
    await mined(custodian.getFunction('attestReserve')(ASSET.GOLD, 800n, later))
    await assertRevert(custodian.getFunction('mint')(cast.alice.address, ASSET.GOLD, 1n, hashLabel('r2')), commodities, 'ReserveExceeded', [ASSET.GOLD, 801n, 800n])
  })

  it('mints only by the custodian of that asset while it holds the custodian role', async () => {
    const { commodities, cast, viaCouncil } = await networkHelpers.loadFixture(attestedCity)
    await assertRevert(
      commodities.connect(cast.alice).getFunction('mint')(cast.alice.address, ASSET.GOLD, 1n, hashLabel('r1')),
      commodities,
      'NotAssetCustodian',
      [ASSET.GOLD, cast.alice.address],
    )
    const custodianRole: string = await commodities.CUSTODIAN_ROLE()
    await viaCouncil(commodities, 'revokeRole', [custodianRole, cast.custodian.address])
    await assertRevert(
      commodities.connect(cast.custodian).getFunction('mint')(cast.alice.address, ASSET.GOLD, 1n, hashLabel('r1')),
      commodities,
      'NotAssetCustodian',
      [ASSET.GOLD, cast.custodian.address],
    )
    await assertRevert(commodities.connect(cast.custodian).getFunction('mint')(cast.alice.address, 42n, 1n, hashLabel('r1')), commodities, 'UnknownAsset', [42n])
  })

  it('is held, sent and received by verified holders only', async () => {
    const { commodities, registry, cast, identityOf } = await networkHelpers.loadFixture(attestedCity)
    const custodian = commodities.connect(cast.custodian)
    await assertRevert(custodian.getFunction('mint')(cast.outsider.address, ASSET.GOLD, 1n, hashLabel('r0')), commodities, 'NotVerified', [cast.outsider.address])
    await mined(custodian.getFunction('mint')(cast.alice.address, ASSET.GOLD, 10n, hashLabel('r1')))
    const send = (from: typeof cast.alice, to: string, amount: bigint) =>
      commodities.connect(from).getFunction('safeTransferFrom')(from.address, to, ASSET.GOLD, amount, '0x')

    await mined(send(cast.alice, cast.bob.address, 4n))
    assert.equal(await commodities.balanceOf(cast.bob.address, ASSET.GOLD), 4n)
    await assertRevert(send(cast.alice, cast.outsider.address, 1n), commodities, 'NotVerified', [cast.outsider.address])
    await mined(registry.connect(cast.issuer).getFunction('suspend')(identityOf.get(cast.alice.address)))
    await assertRevert(send(cast.alice, cast.bob.address, 1n), commodities, 'NotVerified', [cast.alice.address])
    await mined(registry.connect(cast.issuer).getFunction('revoke')(identityOf.get(cast.bob.address)))
    await assertRevert(send(cast.bob, cast.custodian.address, 1n), commodities, 'NotVerified', [cast.bob.address])
  })

  it('burns on physical redemption, from the custodian itself or an approving holder', async () => {
    const { commodities, cast } = await networkHelpers.loadFixture(attestedCity)
    const custodian = commodities.connect(cast.custodian)
    await mined(custodian.getFunction('mint')(cast.alice.address, ASSET.GOLD, 100n, hashLabel('r1')))
    await mined(custodian.getFunction('mint')(cast.custodian.address, ASSET.GOLD, 50n, hashLabel('r2')))

    const ownReference = hashLabel('delivery-1')
    await mined(custodian.getFunction('redeem')(cast.custodian.address, ASSET.GOLD, 20n, ownReference))
    assert.equal(await commodities.balanceOf(cast.custodian.address, ASSET.GOLD), 30n)

    await assertRevert(custodian.getFunction('redeem')(cast.alice.address, ASSET.GOLD, 10n, hashLabel('delivery-2')), commodities, 'NotOwnerNorApproved', [
      cast.alice.address,
      cast.custodian.address,
    ])
    await mined(commodities.connect(cast.alice).getFunction('setApprovalForAll')(cast.custodian.address, true))
    const receipt = await mined(custodian.getFunction('redeem')(cast.alice.address, ASSET.GOLD, 10n, hashLabel('delivery-2')))
    const event = receipt.logs.map((log) => commodities.interface.parseLog(log)).find((log) => log?.name === 'RedeemedPhysical')
    assert.deepEqual([...(event?.args ?? [])], [ASSET.GOLD, cast.alice.address, 10n, hashLabel('delivery-2')])
    assert.equal(await commodities.balanceOf(cast.alice.address, ASSET.GOLD), 90n)
    assert.equal(await commodities.getFunction('totalSupply(uint256)')(ASSET.GOLD), 120n)
    await assertRevert(custodian.getFunction('redeem')(cast.alice.address, ASSET.GOLD, 1n, ownReference), commodities, 'ReferenceAlreadyUsed', [ownReference])
    await assertRevert(commodities.connect(cast.alice).getFunction('redeem')(cast.alice.address, ASSET.GOLD, 1n, hashLabel('self')), commodities, 'NotAssetCustodian')
  })

  it('lists new asset classes and updates metadata and custodians through the council only', async () => {
    const { commodities, cast, viaCouncil } = await networkHelpers.loadFixture(attestedCity)
    const silver = 4n
    const adminRole: string = await commodities.DEFAULT_ADMIN_ROLE()
    await assertRevert(commodities.connect(cast.custodian).getFunction('addAsset')(silver, cast.custodian.address, 'ipfs://silver'), commodities, 'AccessControlUnauthorizedAccount', [
      cast.custodian.address,
      adminRole,
    ])
    await viaCouncil(commodities, 'addAsset', [silver, cast.custodian.address, 'ipfs://silver'])
    assert.equal(await commodities.uri(silver), 'ipfs://silver')
    const now = BigInt(await networkHelpers.time.latest())
    await mined(commodities.connect(cast.custodian).getFunction('attestReserve')(silver, 10n, now))
    await mined(commodities.connect(cast.custodian).getFunction('mint')(cast.alice.address, silver, 10n, hashLabel('silver-1')))
    assert.equal(await commodities.balanceOf(cast.alice.address, silver), 10n)

    await assertRevert(viaCouncil(commodities, 'addAsset', [silver, cast.custodian.address, 'ipfs://again']), commodities, 'AssetAlreadyListed', [silver])
    await viaCouncil(commodities, 'setAssetURI', [ASSET.OIL, 'ipfs://oil-v2'])
    assert.equal(await commodities.uri(ASSET.OIL), 'ipfs://oil-v2')
    await assertRevert(commodities.connect(cast.custodian).getFunction('setAssetURI')(ASSET.OIL, 'ipfs://x'), commodities, 'AccessControlUnauthorizedAccount')

    await viaCouncil(commodities, 'setAssetCustodian', [ASSET.OIL, cast.merchant.address])
    assert.equal((await commodities.asset(ASSET.OIL)).custodian, cast.merchant.address)
    await assertRevert(
      commodities.connect(cast.custodian).getFunction('attestReserve')(ASSET.OIL, 1n, now),
      commodities,
      'NotAssetCustodian',
      [ASSET.OIL, cast.custodian.address],
    )
  })
})
