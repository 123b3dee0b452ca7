import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { network } from 'hardhat'
import { assertRevert, COUNCIL_THRESHOLD, deployCity, mined } from './support/city.ts'

const connection = await network.create()
const { ethers, networkHelpers } = connection
const cityFixture = () => deployCity(connection)

const ERC1967_IMPLEMENTATION_SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc'

async function implementationOf(proxy: string): Promise<string> {
  const word = await ethers.provider.getStorage(proxy, ERC1967_IMPLEMENTATION_SLOT)
  return ethers.getAddress(`0x${word.slice(26)}`)
}

describe('CityCouncil', () => {
  it('starts with the configured weighted owners and threshold', async () => {
    const { council, cast } = await networkHelpers.loadFixture(cityFixture)
    const owners = (await council.owners()).map((o: [string, bigint]) => [o[0], o[1]])
    assert.deepEqual(owners, [
      [cast.city.address, 3n],
      [cast.memberA.address, 1n],
      [cast.memberB.address, 1n],
    ])
    assert.equal(await council.threshold(), COUNCIL_THRESHOLD)
    assert.equal(await council.totalWeight(), 5n)
    assert.equal(await council.isOwner(cast.outsider.address), false)
  })

  it('executes a proposal once the confirmations reach the threshold', async () => {
    const { council, registry, cast } = await networkHelpers.loadFixture(cityFixture)
    const issuerRole: string = await registry.ISSUER_ROLE()
    const data = registry.interface.encodeFunctionData('grantRole', [issuerRole, cast.outsider.address])
    await mined(council.connect(cast.city).getFunction('propose')(await registry.getAddress(), 0n, data))
    assert.equal(await council.confirmedWeight(0n), 3n)
    await assertRevert(council.connect(cast.city).getFunction('execute')(0n), council, 'ThresholdNotReached', [0n, 3n, 4n])

    await mined(council.connect(cast.memberB).getFunction('confirm')(0n))
    assert.equal(await council.confirmedWeight(0n), 4n)
    await mined(council.connect(cast.memberB).getFunction('execute')(0n))
    assert.equal(await registry.hasRole(issuerRole, cast.outsider.address), true)
    assert.equal((await council.proposal(0n)).executed, true)
    await assertRevert(council.connect(cast.city).getFunction('execute')(0n), council, 'AlreadyExecuted', [0n])
    await assertRevert(council.connect(cast.memberA).getFunction('confirm')(0n), council, 'AlreadyExecuted', [0n])
  })

  it('gives the city the majority but not the power to act alone, and the members no power without the city', async () => {
    const { council, cast } = await networkHelpers.loadFixture(cityFixture)
    const data = council.interface.encodeFunctionData('changeThreshold', [3n])
    await mined(council.connect(cast.memberA).getFunction('propose')(await council.getAddress(), 0n, data))
    await mined(council.connect(cast.memberB).getFunction('confirm')(0n))
    await assertRevert(council.connect(cast.memberA).getFunction('execute')(0n), council, 'ThresholdNotReached', [0n, 2n, 4n])

    await mined(council.connect(cast.city).getFunction('propose')(await council.getAddress(), 0n, data))
    await assertRevert(council.connect(cast.city).getFunction('execute')(1n), council, 'ThresholdNotReached', [1n, 3n, 4n])
  })

  it('lets an owner revoke a confirmation before execution', async () => {
    const { council, cast } = await networkHelpers.loadFixture(cityFixture)
    await mined(council.connect(cast.city).getFunction('propose')(cast.outsider.address, 0n, '0x'))
    await mined(council.connect(cast.memberA).getFunction('confirm')(0n))
    await mined(council.connect(cast.memberA).getFunction('revokeConfirmation')(0n))
    assert.equal(await council.isConfirmedBy(0n, cast.memberA.address), false)
    assert.equal(await council.confirmedWeight(0n), 3n)
    await assertRevert(council.connect(cast.city).getFunction('execute')(0n), council, 'ThresholdNotReached')
    await assertRevert(council.connect(cast.memberA).getFunction('revokeConfirmation')(0n), council, 'NotConfirmed', [0n, cast.memberA.address])
    await assertRevert(council.connect(cast.city).getFunction('confirm')(0n), council, 'AlreadyConfirmed', [0n, cast.city.address])
  })

  it('refuses callers that are not owners', async () => {
    const { council, cast } = await networkHelpers.loadFixture(cityFixture)
    await assertRevert(council.connect(cast.outsider).getFunction('propose')(cast.outsider.address, 0n, '0x'), council, 'NotOwner', [cast.outsider.address])
    await mined(council.connect(cast.city).getFunction('propose')(cast.outsider.address, 0n, '0x'))
    await assertRevert(council.connect(cast.outsider).getFunction('confirm')(0n), council, 'NotOwner')
    await assertRevert(council.connect(cast.outsider).getFunction('revokeConfirmation')(0n), council, 'NotOwner')
    await assertRevert(council.connect(cast.outsider).getFunction('execute')(0n), council, 'NotOwner')
    await assertRevert(council.connect(cast.city).getFunction('confirm')(7n), council, 'UnknownProposal', [7n])
  })

  it('changes membership and threshold only through its own proposals', async () => {
    const { council, cast, viaCouncil } = await networkHelpers.loadFixture(cityFixture)
    await assertRevert(council.connect(cast.city).getFunction('addOwner')(cast.outsider.address, 1n), council, 'OnlyCouncil')
    await assertRevert(council.connect(cast.city).getFunction('removeOwner')(cast.memberB.address), council, 'OnlyCouncil')
    await assertRevert(council.connect(cast.city).getFunction('changeWeight')(cast.memberB.address, 2n), council, 'OnlyCouncil')
    await assertRevert(council.connect(cast.city).getFunction('changeThreshold')(1n), council, 'OnlyCouncil')

    await viaCouncil(council, 'addOwner', [cast.outsider.address, 2n])
    assert.equal(await council.weightOf(cast.outsider.address), 2n)
    assert.equal(await council.totalWeight(), 7n)
    await viaCouncil(council, 'changeWeight', [cast.outsider.address, 1n])
    assert.equal(await council.totalWeight(), 6n)
    await viaCouncil(council, 'changeThreshold', [5n])
    assert.equal(await council.threshold(), 5n)
  })

  it('keeps the threshold reachable: zero, above the total weight, or made unreachable by a removal is refused', async () => {
    const { council, cast } = await networkHelpers.loadFixture(cityFixture)
    const councilAddress = await council.getAddress()
    const attempts: [string, unknown[], bigint][] = [
      ['changeThreshold', [0n], 0n],
      ['changeThreshold', [6n], 6n],
      ['removeOwner', [cast.city.address], 4n],
      ['changeWeight', [cast.city.address, 1n], 4n],
    ]
    for (const [index, [method, args, threshold]] of attempts.entries()) {
      const data = council.interface.encodeFunctionData(method, args)
      await mined(council.connect(cast.city).getFunction('propose')(councilAddress, 0n, data))
      await mined(council.connect(cast.memberA).getFunction('confirm')(BigInt(index)))
      const totalAfter = method === 'removeOwner' ? 2n : method === 'changeWeight' ? 3n : 5n
      await assertRevert(council.connect(cast.city).getFunction('execute')(BigInt(index)), council, 'InvalidThreshold', [threshold, totalAfter])
      assert.equal((await council.proposal(BigInt(index))).executed, false, 'a failed call leaves the proposal pending')
    }
  })

  it('refuses invalid owners', async () => {
    const { council, cast, viaCouncil } = await networkHelpers.loadFixture(cityFixture)
    await assertRevert(viaCouncil(council, 'addOwner', [cast.memberA.address, 1n]), council, 'DuplicateOwner', [cast.memberA.address])
    await assertRevert(viaCouncil(council, 'addOwner', [ethers.ZeroAddress, 1n]), council, 'InvalidOwner', [ethers.ZeroAddress])
    await assertRevert(viaCouncil(council, 'addOwner', [cast.outsider.address, 0n]), council, 'ZeroWeight', [cast.outsider.address])
    await assertRevert(viaCouncil(council, 'removeOwner', [cast.outsider.address]), council, 'NotOwner', [cast.outsider.address])
  })

  it('stops counting the confirmation of an owner who was removed', async () => {
    const { council, cast, viaCouncil } = await networkHelpers.loadFixture(cityFixture)
    await viaCouncil(council, 'addOwner', [cast.outsider.address, 1n])
    const next: bigint = await council.proposalCount()
    await mined(council.connect(cast.city).getFunction('propose')(cast.bob.address, 0n, '0x'))
    await mined(council.connect(cast.memberB).getFunction('confirm')(next))
    assert.equal(await council.confirmedWeight(next), 4n)
    await viaCouncil(council, 'removeOwner', [cast.memberB.address])
    assert.equal(await council.confirmedWeight(next), 3n)
    await assertRevert(council.connect(cast.city).getFunction('execute')(next), council, 'ThresholdNotReached')
  })

  it('does not revive the confirmations of an owner who was removed and added again', async () => {
    const { council, cast, viaCouncil } = await networkHelpers.loadFixture(cityFixture)
    const next: bigint = await council.proposalCount()
    await mined(council.connect(cast.city).getFunction('propose')(cast.bob.address, 0n, '0x'))
    await mined(council.connect(cast.memberB).getFunction('confirm')(next))
    await viaCouncil(council, 'removeOwner', [cast.memberB.address])
    await viaCouncil(council, 'addOwner', [cast.memberB.address, 1n])
    assert.equal(await council.isConfirmedBy(next, cast.memberB.address), false)
    assert.equal(await council.confirmedWeight(next), 3n)
    await mined(council.connect(cast.memberB).getFunction('confirm')(next))
    assert.equal(await council.confirmedWeight(next), 4n)
  })

  it('spends its own ether through a proposal with a value', async () => {
    const { council, cast } = await networkHelpers.loadFixture(cityFixture)
    const councilAddress = await council.getAddress()
    await mined(cast.city.sendTransaction({ to: councilAddress, value: 1000n }))
    await mined(council.connect(cast.city).getFunction('propose')(cast.outsider.address, 400n, '0x'))
    await mined(council.connect(cast.memberA).getFunction('confirm')(0n))
    const before = await ethers.provider.getBalance(cast.outsider.address)
    await mined(council.connect(cast.city).getFunction('execute')(0n))
    assert.equal(await ethers.provider.getBalance(cast.outsider.address), before + 400n)
    assert.equal(await ethers.provider.getBalance(councilAddress), 600n)
  })

  it('upgrades itself only through its own proposal', async () => {
    const { council, cast, viaCouncil } = await networkHelpers.loadFixture(cityFixture)
    const councilAddress = await council.getAddress()
    const next = await (await ethers.getContractFactory('CityCouncil')).deploy()
    const nextAddress = await next.getAddress()
    await assertRevert(council.connect(cast.city).getFunction('upgradeToAndCall')(nextAddress, '0x'), council, 'OnlyCouncil')
    await viaCouncil(council, 'upgradeToAndCall', [nextAddress, '0x'])
    assert.equal(await implementationOf(councilAddress), nextAddress)
    assert.equal(await council.threshold(), COUNCIL_THRESHOLD, 'state survives the upgrade')
  })

  it('cannot be initialised twice, nor its implementation at all', async () => {
    const { council, cast } = await networkHelpers.loadFixture(cityFixture)
    const owners = [{ owner: cast.outsider.address, weight: 1n }]
    await assertRevert(council.connect(cast.outsider).getFunction('initialize')(owners, 1n), council, 'InvalidInitialization')
    const implementation = await ethers.getContractAt('CityCouncil', await implementationOf(await council.getAddress()))
    await assertRevert(implementation.connect(cast.outsider).getFunction('initialize')(owners, 1n), council, 'InvalidInitialization')
  })
})
