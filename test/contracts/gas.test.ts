// Measures the gas of each main operation, fails when one exceeds its budget, and with
// GAS_REPORT=<file> (e.g. GAS_REPORT=docs/gas.md) writes the table to that file.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { network } from 'hardhat'
import type { TransactionReceipt, TransactionResponse } from 'ethers'
import { ASSET, deployCity, hashLabel, mined, ROLE, FAR_FUTURE, credentialHash } from './support/city.ts'
import { exchangeDomain, SIDE, signOrder } from './support/orders.ts'

const connection = await network.create()
const { ethers, networkHelpers } = connection

interface Measurement {
  contract: string
  operation: string
  gas: bigint
  /** Upper bound the test enforces: about 15% above the measurement when it was set. */
  budget: bigint
}

describe('gas per operation', () => {
  it('stays within budget for every main operation', async () => {
    const city = await deployCity(connection)
    const { cast, council, registry, voucher, commodities, exchange } = city
    const measurements: Measurement[] = []
    async function measure(contract: string, operation: string, budget: bigint, response: Promise<TransactionResponse>): Promise<TransactionReceipt> {
      const receipt = await mined(response)
      measurements.push({ contract, operation, gas: receipt.gasUsed, budget })
      return receipt
    }

    for (const name of ['CityCouncil', 'BPassRegistry', 'CityVoucher', 'CityCommodities', 'CityExchange']) {
      const factory = await ethers.getContractFactory(name)
      const implementation = await factory.deploy()
      const receipt = await implementation.deploymentTransaction()?.wait()
      assert.ok(receipt)
      measurements.push({ contract: name, operation: 'deploy implementation', gas: receipt.gasUsed, budget: 3_500_000n })
    }

    // Council: a role grant as a 2-signature proposal.
    const issuerRole: string = await registry.ISSUER_ROLE()
    const grant = registry.interface.encodeFunctionData('grantRole', [issuerRole, cast.newKey.address])
    await measure('CityCouncil', 'propose (includes proposer confirmation)', 250_000n, council.connect(cast.city).getFunction('propose')(await registry.getAddress(), 0n, grant))
    await measure('CityCouncil', 'confirm', 66_000n, council.connect(cast.memberA).getFunction('confirm')(0n))
    await measure('CityCouncil', 'execute (grantRole)', 125_000n, council.connect(cast.city).getFunction('execute')(0n))

    // B-Pass.
    await measure('BPassRegistry', 'register', 148_000n, registry.connect(cast.issuer).getFunction('register')(cast.outsider.address, credentialHash('gas'), ROLE.RESIDENT, 0n, FAR_FUTURE))
    const outsiderId = await registry.identityIdOf(cast.outsider.address)
    await measure('BPassRegistry', 'suspend', 42_000n, registry.connect(cast.issuer).getFunction('suspend')(outsiderId))
    await measure('BPassRegistry', 'reinstate', 42_000n, registry.connect(cast.issuer).getFunction('reinstate')(outsiderId))
    await measure('BPassRegistry', 'requestRotation', 67_000n, registry.connect(cast.outsider).getFunction('requestRotation')(cast.newKey.address))
    await measure('BPassRegistry', 'approveRotation', 72_000n, registry.connect(cast.issuer).getFunction('approveRotation')(outsiderId, cast.newKey.address))

    // Voucher.
    await measure('CityVoucher', 'issue (first to the resident)', 113_000n, voucher.connect(cast.treasury).getFunction('issue')(cast.alice.address, 10_000_000n))
    await measure('CityVoucher', 'transfer (to an empty balance)', 97_000n, voucher.connect(cast.alice).getFunction('transfer')(cast.merchant.address, 30_000n))
    await measure('CityVoucher', 'transfer (to a funded balance)', 78_000n, voucher.connect(cast.alice).getFunction('transfer')(cast.merchant.address, 20_000n))
    await measure('CityVoucher', 'redeem (merchant burn)', 97_000n, voucher.connect(cast.merchant).getFunction('redeem')(40_000n, hashLabel('payout-gas')))

    // Commodities.
    const now = BigInt(await networkHelpers.time.latest())
    await measure('CityCommodities', 'attestReserve', 71_000n, commodities.connect(cast.custodian).getFunction('attestReserve')(ASSET.GOLD, 1_000n, now))
    await measure('CityCommodities', 'mint (against a receipt)', 173_000n, commodities.connect(cast.custodian).getFunction('mint')(cast.bob.address, ASSET.GOLD, 500n, hashLabel('receipt-gas')))
    await measure('CityCommodities', 'safeTransferFrom (to an empty balance)', 101_000n, commodities.connect(cast.bob).getFunction('safeTransferFrom')(cast.bob.address, cast.custodian.address, ASSET.GOLD, 50n, '0x'))
    await measure('CityCommodities', 'redeem (physical delivery burn)', 102_000n, commodities.connect(cast.custodian).getFunction('redeem')(cast.custodian.address, ASSET.GOLD, 50n, hashLabel('delivery-gas')))

    // Exchange: Bob sells gold to Alice for vouchers.
    const exchangeAddress = await exchange.getAddress()
    await mined(voucher.connect(cast.alice).getFunction('approve')(exchangeAddress, ethers.MaxUint256))
    await mined(commodities.connect(cast.bob).getFunction('setApprovalForAll')(exchangeAddress, true))
    const { chainId } = await ethers.provider.getNetwork()
    const domain = exchangeDomain(chainId, exchangeAddress)
    const base = { assetId: ASSET.GOLD, amount: 100n, price: 150_000n, paymentToken: await voucher.getAddress(), expiry: FAR_FUTURE }
    const maker = await signOrder(cast.bob, { ...base, signer: cast.bob.address, side: SIDE.SELL, salt: 1n }, domain)
    const taker = await signOrder(cast.alice, { ...base, signer: cast.alice.address, side: SIDE.BUY, salt: 2n }, domain)
    await measure('CityExchange', 'settle (first fill of both orders)', 330_000n, exchange.connect(cast.operator).getFunction('settle')(maker, taker, 10n))
    await measure('CityExchange', 'settle (further partial fill)', 230_000n, exchange.connect(cast.operator).getFunction('settle')(maker, taker, 10n))
    await measure('CityExchange', 'cancel', 68_000n, exchange.connect(cast.bob).getFunction('cancel')(maker.order))

    const target = process.env.GAS_REPORT
    if (target !== undefined && target !== '') await writeFile(target, gasReport(measurements))
    const over = measurements.filter((m) => m.gas > m.budget)
    assert.deepEqual(over.map((m) => `${m.contract} ${m.operation}: ${m.gas} > ${m.budget}`), [])
  })
})

function gasReport(measurements: Measurement[]): string {
  const rows = measurements.map((m) => `| ${m.contract} | ${m.operation} | ${m.gas.toLocaleString('en-US')} |`)
  return [
    '# Gas per operation',
    '',
    'Measured by `test/contracts/gas.test.ts` on Hardhat\'s simulated network (solc 0.8.37, optimizer 200 runs,',
    'EVM Prague), calling each system contract through its ERC-1967 proxy. Figures are whole-transaction gas',
    '(21,000 intrinsic included). The test fails when an operation exceeds its budget; regenerate this file with',
    '',
    '```sh',
    'GAS_REPORT=docs/gas.md npx hardhat test nodejs test/contracts/gas.test.ts',
    '```',
    '',
    'Storage writes dominate: a first write to a slot costs 20,000 more than an update, so the same operation costs',
    'more the first time it touches a balance, an order or a reference (the rows say which case they measure).',
    '',
    '| Contract | Operation | Gas |',
    '| --- | --- | ---: |',
    ...rows,
    '',
  ].join('\n')
}
