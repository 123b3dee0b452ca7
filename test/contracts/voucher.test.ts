import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { network } from 'hardhat'
import { Signature } from 'ethers'
import { assertRevert, deployCity, hashLabel, mined, ROLE } from './support/city.ts'

const connection = await network.create()
const { ethers, networkHelpers } = connection

async function fundedCity() {
  const city = await deployCity(connection)
  await mined(city.voucher.connect(city.cast.treasury).getFunction('issue')(city.cast.alice.address, 50_000n))
  return city
}

describe('CityVoucher', () => {
  it('counts whole won: 0 decimals', async () => {
    const { voucher } = await networkHelpers.loadFixture(fundedCity)
    assert.equal(await voucher.decimals(), 0n)
    assert.equal(await voucher.symbol(), 'DBJ')
  })

  it('is issued by the treasury to verified residents only', async () => {
    const { voucher, cast } = await networkHelpers.loadFixture(fundedCity)
    const receipt = await mined(voucher.connect(cast.treasury).getFunction('issue')(cast.bob.address, 10_000n))
    assert.equal(await voucher.balanceOf(cast.bob.address), 10_000n)
    assert.equal(await voucher.totalSupply(), 60_000n)
    const issued = receipt.logs.map((log) => voucher.interface.parseLog(log)).find((log) => log?.name === 'Issued')
    assert.deepEqual([...(issued?.args ?? [])], [cast.bob.address, 10_000n, cast.treasury.address])

    const treasuryRole: string = await voucher.TREASURY_ROLE()
    await assertRevert(voucher.connect(cast.alice).getFunction('issue')(cast.alice.address, 1n), voucher, 'AccessControlUnauthorizedAccount', [
      cast.alice.address,
      treasuryRole,
    ])
    await assertRevert(voucher.connect(cast.treasury).getFunction('issue')(cast.merchant.address, 1n), voucher, 'MissingBPassRole', [
      cast.merchant.address,
      BigInt(ROLE.RESIDENT),
    ])
    await assertRevert(voucher.connect(cast.treasury).getFunction('issue')(cast.outsider.address, 1n), voucher, 'MissingBPassRole')
    await assertRevert(voucher.connect(cast.treasury).getFunction('issue')(cast.bob.address, 0n), voucher, 'ZeroAmount')
  })

  it('moves between verified holders only, checked at transfer time', async () => {
    const { voucher, registry, cast, identityOf } = await networkHelpers.loadFixture(fundedCity)
    await mined(voucher.connect(cast.alice).getFunction('transfer')(cast.merchant.address, 1_200n))
    assert.equal(await voucher.balanceOf(cast.merchant.address), 1_200n)
    await assertRevert(voucher.connect(cast.alice).getFunction('transfer')(cast.outsider.address, 1n), voucher, 'NotVerified', [cast.outsider.address])

    await mined(registry.connect(cast.issuer).getFunction('suspend')(identityOf.get(cast.merchant.address)))
    await assertRevert(voucher.connect(cast.alice).getFunction('transfer')(cast.merchant.address, 1n), voucher, 'NotVerified', [cast.merchant.address])
    await assertRevert(voucher.connect(cast.merchant).getFunction('transfer')(cast.alice.address, 1n), voucher, 'NotVerified', [cast.merchant.address])

    await mined(registry.connect(cast.issuer).getFunction('revoke')(identityOf.get(cast.alice.address)))
    await assertRevert(voucher.connect(cast.alice).getFunction('transfer')(cast.bob.address, 1n), voucher, 'NotVerified', [cast.alice.address])
  })

  it('stops moving when the holder credential expires', async () => {
    const { voucher, registry, cast, identityOf } = await networkHelpers.loadFixture(fundedCity)
    const now = BigInt(await networkHelpers.time.latest())
    await mined(registry.connect(cast.issuer).getFunction('renew')(identityOf.get(cast.bob.address), hashLabel('bob-short'), 0n, now + 60n))
    await mined(voucher.connect(cast.alice).getFunction('transfer')(cast.bob.address, 5n))
    await networkHelpers.time.increase(60)
    await assertRevert(voucher.connect(cast.alice).getFunction('transfer')(cast.bob.address, 5n), voucher, 'NotVerified', [cast.bob.address])
    await assertRevert(voucher.connect(cast.bob).getFunction('transfer')(cast.alice.address, 5n), voucher, 'NotVerified', [cast.bob.address])
  })

  it('is redeemed by merchants with a unique redemption reference', async () => {
    const { voucher, cast } = await networkHelpers.loadFixture(fundedCity)
    await mined(voucher.connect(cast.alice).getFunction('transfer')(cast.merchant.address, 3_000n))
    const reference = hashLabel('payout-2025-0001')
    const receipt = await mined(voucher.connect(cast.merchant).getFunction('redeem')(2_000n, reference))
    const redeemed = receipt.logs.map((log) => voucher.interface.parseLog(log)).find((log) => log?.name === 'Redeemed')
    assert.deepEqual([...(redeemed?.args ?? [])], [cast.merchant.address, 2_000n, reference])
    assert.equal(await voucher.balanceOf(cast.merchant.address), 1_000n)
    assert.equal(await voucher.totalSupply(), 48_000n)
    assert.equal(await voucher.isRedemptionReferenceUsed(reference), true)

    await assertRevert(voucher.connect(cast.merchant).getFunction('redeem')(1n, reference), voucher, 'ReferenceAlreadyUsed', [reference])
    await assertRevert(voucher.connect(cast.merchant).getFunction('redeem')(1n, ethers.ZeroHash), voucher, 'EmptyReference')
    await assertRevert(voucher.connect(cast.merchant).getFunction('redeem')(0n, hashLabel('zero')), voucher, 'ZeroAmount')
    await assertRevert(voucher.connect(cast.merchant).getFunction('redeem')(5_000n, hashLabel('too-much')), voucher, 'ERC20InsufficientBalance')
    await assertRevert(voucher.connect(cast.alice).getFunction('redeem')(1n, hashLabel('resident')), voucher, 'MissingBPassRole', [
      cast.alice.address,
      BigInt(ROLE.MERCHANT),
    ])
  })

  it('is paused and unpaused by the council only, and a pause stops every movement', async () => {
    const { voucher, cast, viaCouncil } = await networkHelpers.loadFixture(fundedCity)
    const pauserRole: string = await voucher.PAUSER_ROLE()
    await assertRevert(voucher.connect(cast.treasury).getFunction('pause')(), voucher, 'AccessControlUnauthorizedAccount', [cast.treasury.address, pauserRole])
    await viaCouncil(voucher, 'pause', [])
    assert.equal(await voucher.paused(), true)
    await assertRevert(voucher.connect(cast.alice).getFunction('transfer')(cast.bob.address, 1n), voucher, 'EnforcedPause')
    await assertRevert(voucher.connect(cast.treasury).getFunction('issue')(cast.bob.address, 1n), voucher, 'EnforcedPause')
    await assertRevert(voucher.connect(cast.merchant).getFunction('redeem')(1n, hashLabel('paused')), voucher, 'EnforcedPause')
    await assertRevert(voucher.connect(cast.city).getFunction('unpause')(), voucher, 'AccessControlUnauthorizedAccount')
    await viaCouncil(voucher, 'unpause', [])
    await mined(voucher.connect(cast.alice).getFunction('transfer')(cast.bob.address, 1n))
    assert.equal(await voucher.balanceOf(cast.bob.address), 1n)
  })

  it('accepts EIP-2612 permits', async () => {
    const { voucher, cast } = await networkHelpers.loadFixture(fundedCity)
    const { chainId } = await ethers.provider.getNetwork()
    const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n
    const domain = { name: await voucher.name(), version: '1', chainId, verifyingContract: await voucher.getAddress() }
    const types = {
      Permit: [
        { name: 'owner', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
    }
    const permit = { owner: cast.alice.address, spender: cast.bob.address, value: 700n, nonce: 0n, deadline }
    const { v, r, s } = Signature.from(await cast.alice.signTypedData(domain, types, permit))
    // Anyone can relay the permit: here the spender itself.
    await mined(voucher.connect(cast.bob).getFunction('permit')(cast.alice.address, cast.bob.address, 700n, deadline, v, r, s))
    assert.equal(await voucher.allowance(cast.alice.address, cast.bob.address), 700n)
    assert.equal(await voucher.nonces(cast.alice.address), 1n)
    await mined(voucher.connect(cast.bob).getFunction('transferFrom')(cast.alice.address, cast.merchant.address, 700n))
    assert.equal(await voucher.balanceOf(cast.merchant.address), 700n)
    await assertRevert(
      voucher.connect(cast.bob).getFunction('permit')(cast.alice.address, cast.bob.address, 700n, deadline, v, r, s),
      voucher,
      'ERC2612InvalidSigner',
    )
  })
})
