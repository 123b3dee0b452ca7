import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { network } from 'hardhat'
import { assertRevert, credentialHash, deployCity, FAR_FUTURE, IDENTITY_STATUS, mined, ROLE } from './support/city.ts'

const connection = await network.create()
const { ethers, networkHelpers } = connection
const cityFixture = () => deployCity(connection)

describe('BPassRegistry', () => {
  it('registers a holder with a credential hash, roles and validity, and says so', async () => {
    const { registry, cast } = await networkHelpers.loadFixture(cityFixture)
    const hash = credentialHash('outsider')
    const receipt = await mined(registry.connect(cast.issuer).getFunction('register')(cast.outsider.address, hash, ROLE.RESIDENT | ROLE.MERCHANT, 0n, FAR_FUTURE))
    const id: bigint = await registry.identityIdOf(cast.outsider.address)
    assert.equal(id, await registry.identityCount())
    const event = registry.interface.parseLog(receipt.logs[0])
    assert.equal(event?.name, 'IdentityRegistered')
    assert.deepEqual([...(event?.args ?? [])], [id, cast.outsider.address, cast.issuer.address, hash, BigInt(ROLE.RESIDENT | ROLE.MERCHANT), 0n, FAR_FUTURE])

    const identity = await registry.identity(id)
    assert.equal(identity.holder, cast.outsider.address)
    assert.equal(identity.credentialHash, hash)
    assert.equal(identity.status, IDENTITY_STATUS.ACTIVE)
    assert.equal(identity.issuer, cast.issuer.address)
    assert.equal(await registry.isVerified(cast.outsider.address), true)
    assert.equal(await registry.hasBPassRole(cast.outsider.address, ROLE.MERCHANT), true)
    assert.equal(await registry.hasBPassRole(cast.outsider.address, ROLE.RESIDENT | ROLE.MERCHANT), true)
    assert.equal(await registry.hasBPassRole(cast.outsider.address, ROLE.CUSTODIAN), false)
    assert.equal(await registry.hasBPassRole(cast.outsider.address, ROLE.MERCHANT | ROLE.CUSTODIAN), false, 'every requested bit is needed')
  })

  it('refuses registrations from accounts that are not issuers', async () => {
    const { registry, cast } = await networkHelpers.loadFixture(cityFixture)
    const issuerRole: string = await registry.ISSUER_ROLE()
    await assertRevert(
      registry.connect(cast.alice).getFunction('register')(cast.outsider.address, credentialHash('x'), ROLE.RESIDENT, 0n, FAR_FUTURE),
      registry,
      'AccessControlUnauthorizedAccount',
      [cast.alice.address, issuerRole],
    )
    const id = await registry.identityIdOf(cast.alice.address)
    for (const [method, args] of [
      ['suspend', [id]],
      ['reinstate', [id]],
      ['revoke', [id]],
      ['setRoles', [id, ROLE.MERCHANT]],
      ['renew', [id, credentialHash('y'), 0n, FAR_FUTURE]],
      ['approveRotation', [id, cast.newKey.address]],
    ] as const) {
      await assertRevert(registry.connect(cast.alice).getFunction(method)(...args), registry, 'AccessControlUnauthorizedAccount')
    }
  })

  it('refuses malformed registrations', async () => {
    const { registry, cast } = await networkHelpers.loadFixture(cityFixture)
    const issuer = registry.connect(cast.issuer)
    const hash = credentialHash('outsider')
    const aliceId = await registry.identityIdOf(cast.alice.address)
    await assertRevert(issuer.getFunction('register')(cast.alice.address, hash, ROLE.RESIDENT, 0n, FAR_FUTURE), registry, 'HolderAlreadyBound', [cast.alice.address, aliceId])
    await assertRevert(issuer.getFunction('register')(ethers.ZeroAddress, hash, ROLE.RESIDENT, 0n, FAR_FUTURE), registry, 'ZeroAddress')
    await assertRevert(issuer.getFunction('register')(cast.outsider.address, hash, 0, 0n, FAR_FUTURE), registry, 'InvalidRoles', [0n])
    await assertRevert(issuer.getFunction('register')(cast.outsider.address, hash, 32, 0n, FAR_FUTURE), registry, 'InvalidRoles', [32n])
    await assertRevert(issuer.getFunction('register')(cast.outsider.address, ethers.ZeroHash, ROLE.RESIDENT, 0n, FAR_FUTURE), registry, 'EmptyCredentialHash')
    await assertRevert(issuer.getFunction('register')(cast.outsider.address, hash, ROLE.RESIDENT, 100n, 100n), registry, 'InvalidValidity', [100n, 100n])
  })

  it('verifies a holder only inside the validity period', async () => {
    const { registry, cast } = await networkHelpers.loadFixture(cityFixture)
    const now = BigInt(await networkHelpers.time.latest())
    const validFrom = now + 100n
    const validUntil = now + 1_000n
    await mined(registry.connect(cast.issuer).getFunction('register')(cast.outsider.address, credentialHash('o'), ROLE.RESIDENT, validFrom, validUntil))
    assert.equal(await registry.isVerified(cast.outsider.address), false, 'not valid yet')
    assert.equal(await registry.hasBPassRole(cast.outsider.address, ROLE.RESIDENT), false)
    await networkHelpers.time.increaseTo(validFrom)
    assert.equal(await registry.isVerified(cast.outsider.address), true)
    await networkHelpers.time.increaseTo(validUntil - 1n)
    assert.equal(await registry.isVerified(cast.outsider.address), true, 'last valid second')
    await networkHelpers.time.increaseTo(validUntil)
    assert.equal(await registry.isVerified(cast.outsider.address), false, 'expired')
    assert.equal(await registry.hasBPassRole(cast.outsider.address, ROLE.RESIDENT), false)

    const id = await registry.identityIdOf(cast.outsider.address)
    const renewedHash = credentialHash('o-renewed')
    const receipt = await mined(registry.connect(cast.issuer).getFunction('renew')(id, renewedHash, validFrom, FAR_FUTURE))
    assert.equal(registry.interface.parseLog(receipt.logs[0])?.name, 'IdentityRenewed')
    assert.equal((await registry.identity(id)).credentialHash, renewedHash)
    assert.equal(await registry.isVerified(cast.outsider.address), true, 'renewed')
  })

  it('suspends, reinstates and finally revokes', async () => {
    const { registry, cast, identityOf } = await networkHelpers.loadFixture(cityFixture)
    const id = identityOf.get(cast.alice.address)
    const issuer = registry.connect(cast.issuer)
    await assertRevert(issuer.getFunction('reinstate')(id), registry, 'InvalidStatus', [id, IDENTITY_STATUS.ACTIVE])

    const suspended = await mined(issuer.getFunction('suspend')(id))
    assert.deepEqual([...(registry.interface.parseLog(suspended.logs[0])?.args ?? [])], [id, cast.issuer.address, IDENTITY_STATUS.SUSPENDED])
    assert.equal(await registry.isVerified(cast.alice.address), false)
    assert.equal(await registry.hasBPassRole(cast.alice.address, ROLE.RESIDENT), false)
    await assertRevert(issuer.getFunction('suspend')(id), registry, 'InvalidStatus', [id, IDENTITY_STATUS.SUSPENDED])

    await mined(issuer.getFunction('reinstate')(id))
    assert.equal(await registry.isVerified(cast.alice.address), true)

    await mined(issuer.getFunction('revoke')(id))
    assert.equal((await registry.identity(id)).status, IDENTITY_STATUS.REVOKED)
    assert.equal(await registry.isVerified(cast.alice.address), false)
    for (const [method, args] of [
      ['reinstate', [id]],
      ['suspend', [id]],
      ['revoke', [id]],
      ['renew', [id, credentialHash('again'), 0n, FAR_FUTURE]],
      ['setRoles', [id, ROLE.MERCHANT]],
    ] as const) {
      await assertRevert(issuer.getFunction(method)(...args), registry, 'InvalidStatus', [id, IDENTITY_STATUS.REVOKED])
    }
    await assertRevert(
      issuer.getFunction('register')(cast.alice.address, credentialHash('again'), ROLE.RESIDENT, 0n, FAR_FUTURE),
      registry,
      'HolderAlreadyBound',
      [cast.alice.address, id],
    )
    await assertRevert(issuer.getFunction('suspend')(999n), registry, 'UnknownIdentity', [999n])
  })

  it('changes roles', async () => {
    const { registry, cast, identityOf } = await networkHelpers.loadFixture(cityFixture)
    const id = identityOf.get(cast.alice.address)
    await mined(registry.connect(cast.issuer).getFunction('setRoles')(id, ROLE.MERCHANT))
    assert.equal(await registry.hasBPassRole(cast.alice.address, ROLE.MERCHANT), true)
    assert.equal(await registry.hasBPassRole(cast.alice.address, ROLE.RESIDENT), false)
    await assertRevert(registry.connect(cast.issuer).getFunction('setRoles')(id, 0), registry, 'InvalidRoles', [0n])
  })

  it('rotates a holder to a new address, keeping the identity, when the holder asks and an issuer approves', async () => {
    const { registry, cast, identityOf } = await networkHelpers.loadFixture(cityFixture)
    const id = identityOf.get(cast.alice.address)
    await assertRevert(registry.connect(cast.issuer).getFunction('approveRotation')(id, cast.newKey.address), registry, 'RotationNotRequested', [id, cast.newKey.address])

    await mined(registry.connect(cast.alice).getFunction('requestRotation')(cast.newKey.address))
    assert.equal(await registry.pendingRotation(id), cast.newKey.address)
    await assertRevert(registry.connect(cast.issuer).getFunction('approveRotation')(id, cast.outsider.address), registry, 'RotationNotRequested', [id, cast.outsider.address])

    const receipt = await mined(registry.connect(cast.issuer).getFunction('approveRotation')(id, cast.newKey.address))
    assert.deepEqual([...(registry.interface.parseLog(receipt.logs[0])?.args ?? [])], [id, cast.alice.address, cast.newKey.address, cast.issuer.address])
    assert.equal(await registry.identityIdOf(cast.newKey.address), id)
    assert.equal(await registry.identityIdOf(cast.alice.address), 0n)
    assert.equal(await registry.isVerified(cast.newKey.address), true)
    assert.equal(await registry.isVerified(cast.alice.address), false)
    assert.equal(await registry.pendingRotation(id), ethers.ZeroAddress)
    assert.equal((await registry.identity(id)).holder, cast.newKey.address)
  })

  it('refuses rotation requests from non-holders, onto bound addresses, and of revoked identities', async () => {
    const { registry, cast, identityOf } = await networkHelpers.loadFixture(cityFixture)
    await assertRevert(registry.connect(cast.outsider).getFunction('requestRotation')(cast.newKey.address), registry, 'NotAHolder', [cast.outsider.address])
    await assertRevert(
      registry.connect(cast.alice).getFunction('requestRotation')(cast.bob.address),
      registry,
      'HolderAlreadyBound',
      [cast.bob.address, identityOf.get(cast.bob.address)],
    )
    const id = identityOf.get(cast.alice.address)
    await mined(registry.connect(cast.alice).getFunction('requestRotation')(cast.newKey.address))
    await mined(registry.connect(cast.issuer).getFunction('revoke')(id))
    assert.equal(await registry.pendingRotation(id), ethers.ZeroAddress, 'revocation drops the request')
    await assertRevert(registry.connect(cast.alice).getFunction('requestRotation')(cast.newKey.address), registry, 'InvalidStatus', [id, IDENTITY_STATUS.REVOKED])
  })

  it('lets a holder withdraw a rotation request', async () => {
    const { registry, cast, identityOf } = await networkHelpers.loadFixture(cityFixture)
    const id = identityOf.get(cast.alice.address)
    await mined(registry.connect(cast.alice).getFunction('requestRotation')(cast.newKey.address))
    await mined(registry.connect(cast.alice).getFunction('requestRotation')(ethers.ZeroAddress))
    await assertRevert(registry.connect(cast.issuer).getFunction('approveRotation')(id, cast.newKey.address), registry, 'RotationNotRequested')
  })

  it('accredits issuers through the council only', async () => {
    const { registry, cast, viaCouncil } = await networkHelpers.loadFixture(cityFixture)
    const issuerRole: string = await registry.ISSUER_ROLE()
    const adminRole: string = await registry.DEFAULT_ADMIN_ROLE()
    await assertRevert(registry.connect(cast.issuer).getFunction('grantRole')(issuerRole, cast.outsider.address), registry, 'AccessControlUnauthorizedAccount', [
      cast.issuer.address,
      adminRole,
    ])
    await viaCouncil(registry, 'grantRole', [issuerRole, cast.outsider.address])
    await mined(registry.connect(cast.outsider).getFunction('register')(cast.newKey.address, credentialHash('n'), ROLE.RESIDENT, 0n, FAR_FUTURE))
    await viaCouncil(registry, 'revokeRole', [issuerRole, cast.outsider.address])
    assert.equal(await registry.getFunction('hasRole')(issuerRole, cast.outsider.address), false)
  })
})
