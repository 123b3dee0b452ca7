// docs/examples/city-flows.ts, the worked viem examples docs/contracts.md quotes, run as a user
// runs it (`node docs/examples/city-flows.ts` with BUSAN_RPC_URL) against a real `busan dev`
// node. What it reports is checked against the chain independently, with ethers and the ABIs of
// deployments/devnet.json: the council's executed and still-pending proposals, the registered
// identities, voucher balances, the gold reserve and supply, the settled trade (which shows that
// orders signed with viem from the EIP-712 types devnet.json publishes are the ones the exchange
// accepts), and the events in the chain's logs. The docs must quote the script as it is.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { startDevNode, type DevNode } from '@busan/testkit'
import { plain, readCityConfig, readDeployments, repoRoot, systemContracts, type Contracts } from './city-helpers/city.ts'

const exec = promisify(execFile)
const script = join(repoRoot, 'docs/examples/city-flows.ts')
const GOLD = 1n

/** The script's report (bigints as decimal strings). */
interface Report {
  accounts: Record<'districtOffice' | 'resident' | 'seller' | 'buyer' | 'merchant', string>
  council: { proposalId: string; executedIn: string; failingId: string; targetError: { errorName: string; args: string[] } }
  bpass: Record<'resident' | 'seller' | 'buyer', { identityId: string; verified: boolean; txHash: string }>
  vouchers: { issued: { resident: string; amount: string }; payment: { from: string; to: string; value: string }; residentBalance: string }
  gold: { reserveAttested: { reserve: string }; minted: { to: string; amount: string }; supply: string }
  trade: { trade: { buyOrderHash: string; sellOrderHash: string; buyer: string; seller: string; amount: string; price: string; fee: string }; settledIn: string; payment: string }
  balances: Record<'sellerGold' | 'buyerGold' | 'sellerVouchers' | 'buyerVouchers', string>
}

let node: DevNode
let provider: ethers.JsonRpcProvider
let c: Contracts
let report: Report
const deployments = readDeployments()
const config = readCityConfig()

before(async () => {
  node = await startDevNode({ period: 0 })
  provider = new ethers.JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
  c = systemContracts(deployments, provider)
  const { stdout } = await exec(process.execPath, [script], { env: { ...process.env, BUSAN_RPC_URL: node.rpcUrl }, timeout: 180_000 })
  report = JSON.parse(stdout) as Report
})

after(async () => {
  provider?.destroy()
  if (node === undefined) return
  await node.stop()
  node.cleanup()
})

/** The decoded events `name` of `contract` in transaction `hash`, read back from its receipt. */
async function eventsOf(hash: string, contract: ethers.Contract, name: string): Promise<unknown[]> {
  const receipt = await provider.getTransactionReceipt(hash)
  assert.ok(receipt !== null && receipt.status === 1, `transaction ${hash} not mined or failed`)
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === String(contract.target).toLowerCase())
    .map((log) => contract.interface.parseLog(log))
    .filter((parsed) => parsed?.name === name)
    .map((parsed) => plain(parsed!.args))
}

describe('docs/examples/city-flows.ts on busan dev', () => {
  it('council: the proposal it proposed, confirmed and executed accredited the issuer; the refused one stays pending with the target’s error', async () => {
    const { council, bpassRegistry, voucher } = c
    const id = BigInt(report.council.proposalId)
    assert.equal((await council.proposal(id)).executed, true)
    assert.ok((await council.confirmedWeight(id)) >= BigInt(config.council.threshold))
    assert.equal(await bpassRegistry.hasRole(ethers.id('ISSUER_ROLE'), report.accounts.districtOffice), true)
    assert.deepEqual(await eventsOf(report.council.executedIn, bpassRegistry, 'RoleGranted'), [[ethers.id('ISSUER_ROLE'), report.accounts.districtOffice, deployments.contracts.council.address]])

    const failing = BigInt(report.council.failingId)
    assert.equal((await council.proposal(failing)).executed, false, 'a reverted execution leaves the proposal pending')
    assert.deepEqual(report.council.targetError, { errorName: 'AccessControlUnauthorizedAccount', args: [deployments.contracts.council.address, ethers.id('TREASURY_ROLE')] })
    // The same revert data, decoded here with the target's ABI through ethers.
    const data = await provider.call({ from: devAccounts()[0].address, to: deployments.contracts.council.address, data: council.interface.encodeFunctionData('execute', [failing]) }).then(
      () => assert.fail('execute of the refused proposal succeeded'),
      (error: { data?: string }) => error.data!,
    )
    assert.equal(voucher.interface.parseError(data)?.name, 'AccessControlUnauthorizedAccount')
  })

  it('B-Pass: the holders it registered are verified with their roles', async () => {
    const registry = c.bpassRegistry
    for (const [who, roles] of [['resident', 1], ['seller', 4], ['buyer', 5]] as const) {
      const address = report.accounts[who]
      assert.equal(await registry.identityIdOf(address), BigInt(report.bpass[who].identityId), who)
      assert.equal(await registry.hasBPassRole(address, roles), true, who)
      const [registered] = (await eventsOf(report.bpass[who].txHash, registry, 'IdentityRegistered')) as unknown[][]
      assert.equal(registered[1], address)
      assert.equal(registered[2], ethers.getAddress(config.bpass.issuers[0]))
    }
  })

  it('vouchers: issued to the resident, who paid the merchant', async () => {
    const { voucher } = c
    assert.deepEqual([report.vouchers.issued.resident, report.vouchers.issued.amount], [report.accounts.resident, '50000'])
    assert.equal(await voucher.balanceOf(report.accounts.resident), 38_000n)
    assert.equal(await voucher.balanceOf(report.accounts.merchant), 12_000n)
    const issued = await voucher.queryFilter(voucher.filters.Issued(report.accounts.resident), 0, 'latest')
    assert.deepEqual(issued.map((log) => plain((log as ethers.EventLog).args)), [[report.accounts.resident, 50_000n, ethers.getAddress(config.voucher.treasurers[0])]])
    const paid = await voucher.queryFilter(voucher.filters.Transfer(report.accounts.resident, report.accounts.merchant), 0, 'latest')
    assert.deepEqual(paid.map((log) => plain((log as ethers.EventLog).args)), [[report.accounts.resident, report.accounts.merchant, 12_000n]])
  })

  it('commodities: the reserve was attested and gold minted against it, within it', async () => {
    const { commodities } = c
    const asset = await commodities.asset(GOLD)
    assert.equal(asset.reserve, 1_000n)
    assert.equal(await commodities.getFunction('totalSupply(uint256)')(GOLD), 250n)
    const minted = await commodities.queryFilter(commodities.filters.MintedAgainstReceipt(GOLD, report.accounts.seller), 0, 'latest')
    assert.equal(minted.length, 1)
    assert.equal((minted[0] as ethers.EventLog).args.amount, 250n)
  })

  it('exchange: orders signed with the EIP-712 types of deployments/devnet.json settled, at the maker’s price, fee to the treasury', async () => {
    const { voucher, commodities, exchange } = c
    const fill = 40n
    const payment = fill * 70_000n
    const fee = (payment * BigInt(config.exchange.feeBps)) / 10_000n
    const [trade] = (await eventsOf(report.trade.settledIn, exchange, 'Trade')) as unknown[][]
    assert.deepEqual(trade, [report.trade.trade.buyOrderHash, report.trade.trade.sellOrderHash, report.accounts.buyer, report.accounts.seller, false, GOLD, fill, deployments.contracts.voucher.address, 70_000n, fee, ethers.getAddress(config.exchange.feeTreasury)])
    assert.equal(await exchange.filledAmount(report.trade.trade.buyOrderHash), fill)
    assert.equal(await exchange.filledAmount(report.trade.trade.sellOrderHash), fill)
    assert.equal(await commodities.balanceOf(report.accounts.seller, GOLD), 250n - fill)
    assert.equal(await commodities.balanceOf(report.accounts.buyer, GOLD), fill)
    assert.equal(await voucher.balanceOf(report.accounts.seller), payment - fee)
    assert.equal(await voucher.balanceOf(report.accounts.buyer), 5_000_000n - payment)
    assert.equal(await voucher.balanceOf(config.exchange.feeTreasury), fee)
    // The balances the script read through Multicall3 are the chain's.
    assert.deepEqual(report.balances, { sellerGold: String(250n - fill), buyerGold: String(fill), sellerVouchers: String(payment - fee), buyerVouchers: String(5_000_000n - payment) })
  })

  it('docs/contracts.md quotes every region of the script as it is', () => {
    const source = readFileSync(script, 'utf8')
    const docs = readFileSync(join(repoRoot, 'docs/contracts.md'), 'utf8')
    const regions = [...source.matchAll(/^[ \t]*\/\/ #region ([\w-]+)\n([\s\S]*?)^[ \t]*\/\/ #endregion \1$/gm)]
    assert.ok(regions.length >= 6, `found ${regions.length} regions`)
    for (const [, name, body] of regions) assert.ok(docs.includes(dedent(body)), `docs/contracts.md lacks region "${name}" of docs/examples/city-flows.ts as it is now`)
  })
})

/** The lines without their common leading indentation. */
function dedent(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n')
  const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length))
  return lines.map((line) => line.slice(indent)).join('\n')
}
