import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { network } from 'hardhat'
import { AbiCoder, keccak256, toBeHex, toUtf8Bytes } from 'ethers'
import { assertRevert, deployCity, hashLabel, mined } from './support/city.ts'

const connection = await network.create()
const { ethers, networkHelpers } = connection
const cityFixture = () => deployCity(connection)

const ERC1967_IMPLEMENTATION_SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc'
const SYSTEM_CONTRACTS = ['registry', 'voucher', 'commodities', 'exchange'] as const
const CONTRACT_NAMES = { registry: 'BPassRegistry', voucher: 'CityVoucher', commodities: 'CityCommodities', exchange: 'CityExchange' } as const

/** ERC-7201: keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~0xff. */
function erc7201Slot(namespace: string): bigint {
  const inner = BigInt(keccak256(toUtf8Bytes(namespace))) - 1n
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(['uint256'], [inner]))) & ~0xffn
}

async function readWord(address: string, slot: bigint): Promise<bigint> {
  return BigInt(await ethers.provider.getStorage(address, slot))
}

describe('upgrades and storage layout', () => {
  for (const key of SYSTEM_CONTRACTS) {
    it(`${CONTRACT_NAMES[key]} upgrades through the council only`, async () => {
      const city = await networkHelpers.loadFixture(cityFixture)
      const proxy = city[key]
      const proxyAddress = await proxy.getAddress()
      const next = await (await ethers.getContractFactory(CONTRACT_NAMES[key])).deploy()
      const nextAddress = await next.getAddress()
      const adminRole: string = await proxy.DEFAULT_ADMIN_ROLE()
      for (const caller of [city.cast.city, city.cast.issuer, city.cast.outsider]) {
        await assertRevert(proxy.connect(caller).getFunction('upgradeToAndCall')(nextAddress, '0x'), proxy, 'AccessControlUnauthorizedAccount', [
          caller.address,
          adminRole,
        ])
      }
      await city.viaCouncil(proxy, 'upgradeToAndCall', [nextAddress, '0x'])
      const implementation = ethers.getAddress(toBeHex(await readWord(proxyAddress, BigInt(ERC1967_IMPLEMENTATION_SLOT)), 32).slice(26))
      assert.equal(implementation, nextAddress)
      assert.equal(await proxy.getFunction('hasRole')(adminRole, await city.council.getAddress()), true, 'roles survive the upgrade')
    })

    it(`${CONTRACT_NAMES[key]} implementation refuses initialisation`, async () => {
      const city = await networkHelpers.loadFixture(cityFixture)
      const implementationAddress = ethers.getAddress(toBeHex(await readWord(await city[key].getAddress(), BigInt(ERC1967_IMPLEMENTATION_SLOT)), 32).slice(26))
      const implementation = await ethers.getContractAt(CONTRACT_NAMES[key], implementationAddress)
      const someone = city.cast.outsider.address
      const initializeArgs = {
        registry: [someone, [someone]],
        voucher: [someone, someone, 'Fake', 'FAKE', [someone]],
        commodities: [someone, someone, [someone], []],
        exchange: [{ council: someone, registry: someone, commodities: someone, feeTreasury: someone, feeBps: 0, operators: [], paymentTokens: [] }],
      }[key]
      await assertRevert(implementation.connect(city.cast.outsider).getFunction('initialize')(...initializeArgs), implementation, 'InvalidInitialization')
      await assertRevert(city[key].connect(city.cast.outsider).getFunction('initialize')(...initializeArgs), implementation, 'InvalidInitialization')
    })
  }

  it('keeps each contract state at its ERC-7201 namespace', async () => {
    const { council, registry, voucher, commodities, exchange, cast } = await networkHelpers.loadFixture(cityFixture)
    const councilSlot = erc7201Slot('busan.storage.CityCouncil')
    assert.equal(await readWord(await council.getAddress(), councilSlot), 3n, 'owners.length')

    const registrySlot = erc7201Slot('busan.storage.BPassRegistry')
    assert.equal(await readWord(await registry.getAddress(), registrySlot), await registry.identityCount(), 'identityCount')

    const gatedSlot = erc7201Slot('busan.storage.BPassGated')
    for (const gated of [voucher, commodities, exchange]) {
      assert.equal(await readWord(await gated.getAddress(), gatedSlot), BigInt(await registry.getAddress()), 'registry')
    }

    const reference = hashLabel('layout-check')
    await mined(voucher.connect(cast.treasury).getFunction('issue')(cast.alice.address, 5n))
    await mined(voucher.connect(cast.alice).getFunction('transfer')(cast.merchant.address, 5n))
    await mined(voucher.connect(cast.merchant).getFunction('redeem')(5n, reference))
    const voucherSlot = erc7201Slot('busan.storage.CityVoucher')
    const redeemedSlot = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256'], [reference, voucherSlot])))
    assert.equal(await readWord(await voucher.getAddress(), redeemedSlot), 1n, 'redeemed[reference]')

    const commoditiesSlot = erc7201Slot('busan.storage.CityCommodities')
    assert.equal(await readWord(await commodities.getAddress(), commoditiesSlot + 1n), 3n, 'assetIds.length')

    const exchangeSlot = erc7201Slot('busan.storage.CityExchange')
    assert.equal(await readWord(await exchange.getAddress(), exchangeSlot), BigInt(await commodities.getAddress()), 'commodities')
  })
})
