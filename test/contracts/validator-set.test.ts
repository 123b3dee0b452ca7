import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { network } from 'hardhat'
import { assertRevert, deployCity, mined } from './support/city.ts'

const connection = await network.create()
const { ethers, networkHelpers } = connection

/** The city plus a ValidatorSet owned by its council, starting with the issuer and treasury keys as validators. */
async function fixture() {
  const city = await deployCity(connection)
  const { issuer, treasury } = city.cast
  const validators = await city.deployProxy('ValidatorSet', [await city.council.getAddress(), [issuer.address, treasury.address]])
  return { ...city, validators }
}

describe('ValidatorSet', () => {
  it('answers getValidators() (QBFT contract mode: the selector 0xb7ab4db5 Besu calls)', async () => {
    const { validators, cast } = await networkHelpers.loadFixture(fixture)
    assert.equal(validators.interface.getFunction('getValidators')!.selector, '0xb7ab4db5')
    assert.deepEqual([...(await validators.getValidators())], [cast.issuer.address, cast.treasury.address])
    assert.equal(await validators.isValidator(cast.issuer.address), true)
    assert.equal(await validators.isValidator(cast.outsider.address), false)
  })

  it('adds and removes validators by a council decision only, with events', async () => {
    const { validators, viaCouncil, cast } = await networkHelpers.loadFixture(fixture)
    const added = await viaCouncil(validators, 'addValidator', [cast.operator.address])
    const addedEvent = added.logs.map((log) => validators.interface.parseLog(log)).find((e) => e?.name === 'ValidatorAdded')
    assert.equal(addedEvent?.args.validator, cast.operator.address)
    assert.deepEqual([...(await validators.getValidators())], [cast.issuer.address, cast.treasury.address, cast.operator.address])
    await viaCouncil(validators, 'removeValidator', [cast.issuer.address])
    assert.deepEqual([...(await validators.getValidators())].sort(), [cast.treasury.address, cast.operator.address].sort())
    assert.equal(await validators.isValidator(cast.issuer.address), false)
    const role = await validators.DEFAULT_ADMIN_ROLE()
    await assertRevert(validators.connect(cast.city).getFunction('addValidator')(cast.outsider.address), validators, 'AccessControlUnauthorizedAccount', [cast.city.address, role])
    await assertRevert(validators.connect(cast.treasury).getFunction('removeValidator')(cast.treasury.address), validators, 'AccessControlUnauthorizedAccount', [cast.treasury.address, role])
  })

  it('refuses duplicates, unknown validators, the zero address, and removing the last validator', async () => {
    const { validators, viaCouncil, council, cast } = await networkHelpers.loadFixture(fixture)
    const refused = async (method: string, args: unknown[], error: string, errorArgs: unknown[]) => {
      const data = validators.interface.encodeFunctionData(method, args)
      const id: bigint = await council.proposalCount()
      await mined(council.connect(cast.city).getFunction('propose')(await validators.getAddress(), 0n, data))
      await mined(council.connect(cast.memberA).getFunction('confirm')(id))
      await assertRevert(council.connect(cast.city).getFunction('execute')(id), validators, error, errorArgs)
    }
    await refused('addValidator', [cast.issuer.address], 'AlreadyValidator', [cast.issuer.address])
    await refused('addValidator', [ethers.ZeroAddress], 'ZeroAddress', [])
    await refused('removeValidator', [cast.outsider.address], 'NotValidator', [cast.outsider.address])
    await viaCouncil(validators, 'removeValidator', [cast.issuer.address])
    await refused('removeValidator', [cast.treasury.address], 'LastValidator', [cast.treasury.address])
    assert.deepEqual([...(await validators.getValidators())], [cast.treasury.address])
  })

  it('cannot start empty', async () => {
    const { deployProxy, council } = await networkHelpers.loadFixture(fixture)
    const factory = await ethers.getContractFactory('ValidatorSet')
    await assertRevert(deployProxy('ValidatorSet', [await council.getAddress(), []]), factory, 'NoValidators', [])
  })
})
