// Worked examples of the city flows with viem, against a dev chain (`busan dev`), using nothing
// but viem and deployments/devnet.json: a council proposal confirmed and executed (and one whose
// target refuses, decoded), a B-Pass holder registered, vouchers issued and paid, a gold reserve
// attested and minted against, and an exchange order pair signed (EIP-712) and settled.
// docs/contracts.md quotes the regions marked `#region`; test/e2e/city-flows.test.ts runs this
// file against a real node and checks what it reports against the chain.
//
//   node docs/examples/city-flows.ts          # BUSAN_RPC_URL, default http://127.0.0.1:8545
//
// It prints one JSON object with what each flow did. Every run makes new accounts, so it can run
// again on the same chain.
// #region setup
import {
  createPublicClient,
  createWalletClient,
  decodeErrorResult,
  defineChain,
  encodeFunctionData,
  http,
  keccak256,
  parseEther,
  parseEventLogs,
  toHex,
  BaseError,
  ContractFunctionRevertedError,
  type Abi,
  type Account,
  type Address,
  type Hex,
  type TypedData,
} from 'viem'
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import deployments from '../../deployments/devnet.json' with { type: 'json' }

const rpcUrl = process.env.BUSAN_RPC_URL ?? 'http://127.0.0.1:8545'

// The chain as viem needs it: id, RPC URL, and Multicall3 (a predeploy) for `multicall`.
const busanDev = defineChain({
  id: deployments.chainId,
  name: 'Busan dev',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [rpcUrl] } },
  contracts: { multicall3: { address: deployments.predeploys.multicall3.address as Address, blockCreated: 0 } },
})
const client = createPublicClient({ chain: busanDev, transport: http() })

// Address and ABI of each system contract, from deployments/devnet.json.
const contract = (key: keyof typeof deployments.contracts) => ({ address: deployments.contracts[key].address as Address, abi: deployments.contracts[key].abi as Abi })
const council = contract('council')
const registry = contract('bpassRegistry')
const voucher = contract('voucher')
const commodities = contract('commodities')
const exchange = contract('exchange')

// The dev accounts (the well-known test mnemonic) and the roles genesis/devnet.config.json gives them.
const dev = (index: number) => mnemonicToAccount('test test test test test test test test test test test junk', { addressIndex: index })
const cityHall = dev(0) // council owner, weight 3
const member = dev(1) // council owner, weight 1 (threshold 4: the city and one member)
const issuer = dev(3) // B-Pass ISSUER_ROLE
const treasury = dev(4) // voucher TREASURY_ROLE
const custodian = dev(5) // custodian of gold (asset id 1), copper and oil
const operator = dev(6) // exchange OPERATOR_ROLE
const merchant = dev(9) // a verified B-Pass merchant

/** Sends a contract call from `account` and waits for it; throws if it reverts. Returns the receipt. */
async function send(account: Account, target: { address: Address; abi: Abi }, functionName: string, args: readonly unknown[] = [], value?: bigint) {
  const wallet = createWalletClient({ account, chain: busanDev, transport: http() })
  const hash = await wallet.writeContract({ ...target, functionName, args, value, chain: busanDev, account })
  const receipt = await client.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`${functionName} reverted in ${hash}`)
  return receipt
}
const read = <T>(target: { address: Address; abi: Abi }, functionName: string, args: readonly unknown[] = []) => client.readContract({ ...target, functionName, args }) as Promise<T>
/** Calldata of a call to a system contract (what a council proposal carries). */
const encodeCall = (target: { abi: Abi }, functionName: string, args: readonly unknown[]): Hex => encodeFunctionData({ abi: target.abi, functionName, args })
// #endregion setup

/** A fresh account funded with 1 ETH of gas money by the city hall key. */
async function newAccount(): Promise<Account> {
  const account = privateKeyToAccount(generatePrivateKey())
  const wallet = createWalletClient({ account: cityHall, chain: busanDev, transport: http() })
  await client.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: account.address, value: parseEther('1'), chain: busanDev, account: cityHall }) })
  return account
}

/** The council grants ISSUER_ROLE on the registry to `newIssuer` by multisig; and a proposal whose target refuses. */
async function councilFlow(newIssuer: Address) {
  // #region council
  // Propose. The proposal id is what propose() returns, but a transaction's return value is not
  // in its receipt: read it from the ProposalCreated event (its first, indexed, argument). Ids
  // count from 0 (proposalCount() before proposing is the id the proposal will get).
  const ISSUER_ROLE = keccak256(toHex('ISSUER_ROLE'))
  const grant = { target: registry.address, value: 0n, data: encodeCall(registry, 'grantRole', [ISSUER_ROLE, newIssuer]) }
  const proposed = await send(cityHall, council, 'propose', [grant.target, grant.value, grant.data])
  const [created] = parseEventLogs({ abi: council.abi, logs: proposed.logs, eventName: 'ProposalCreated' })
  const proposalId = (created.args as { proposalId: bigint }).proposalId
  // The proposer's weight (3) counts at once; a member's confirmation brings it to the threshold (4).
  await send(member, council, 'confirm', [proposalId])
  // Any owner executes; the council contract is then the caller of grantRole.
  const executed = await send(cityHall, council, 'execute', [proposalId])
  const granted = parseEventLogs({ abi: registry.abi, logs: executed.logs, eventName: 'RoleGranted' })
  // #endregion council

  // #region council-failing-target
  // The council holds no TREASURY_ROLE, so the voucher refuses an issue() it proposes. execute()
  // reverts with the target's own error data (the proposal stays pending), which the council's
  // ABI does not know: decode it with the target's ABI.
  const issue = encodeCall(voucher, 'issue', [merchant.address, 1n])
  const refused = await send(cityHall, council, 'propose', [voucher.address, 0n, issue])
  const failingId = (parseEventLogs({ abi: council.abi, logs: refused.logs, eventName: 'ProposalCreated' })[0].args as { proposalId: bigint }).proposalId
  await send(member, council, 'confirm', [failingId])
  let targetError: { errorName: string; args: readonly unknown[] } | undefined
  try {
    await client.simulateContract({ ...council, functionName: 'execute', args: [failingId], account: cityHall })
  } catch (error) {
    const reverted = (error as BaseError).walk((cause) => cause instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
    const data = reverted?.raw // the revert data as returned, undecoded
    if (data === undefined) throw error
    const decoded = decodeErrorResult({ abi: voucher.abi, data })
    targetError = { errorName: decoded.errorName, args: decoded.args ?? [] }
  }
  // #endregion council-failing-target
  return { proposalId, executedIn: executed.transactionHash, roleGranted: granted.map((log) => log.args), failingId, targetError }
}

/** An issuer registers `holder` with `roles` (resident 1, merchant 2, business 4) for a year. */
async function registerHolder(holder: Address, roles: number) {
  // #region bpass
  const now = (await client.getBlock()).timestamp
  const credentialHash = keccak256(toHex(`credential document of ${holder}`)) // a hash, never personal data
  const registered = await send(issuer, registry, 'register', [holder, credentialHash, roles, now, now + 365n * 86_400n])
  const [event] = parseEventLogs({ abi: registry.abi, logs: registered.logs, eventName: 'IdentityRegistered' })
  const verified = await read<boolean>(registry, 'isVerified', [holder])
  // #endregion bpass
  return { identityId: (event.args as { identityId: bigint }).identityId, verified, txHash: registered.transactionHash }
}

/** The treasury issues vouchers to a verified resident, who pays the merchant. */
async function voucherFlow(resident: Account) {
  // #region vouchers
  // 1 DBJ = 1 won: the voucher has 0 decimals.
  const issued = await send(treasury, voucher, 'issue', [resident.address, 50_000n])
  const [issuedEvent] = parseEventLogs({ abi: voucher.abi, logs: issued.logs, eventName: 'Issued' })
  const paid = await send(resident, voucher, 'transfer', [merchant.address, 12_000n])
  const [payment] = parseEventLogs({ abi: voucher.abi, logs: paid.logs, eventName: 'Transfer' })
  // #endregion vouchers
  return { issued: issuedEvent.args, payment: payment.args, residentBalance: await read<bigint>(voucher, 'balanceOf', [resident.address]) }
}

/** The gold custodian attests its reserve, then mints against a warehouse receipt. */
async function commodityFlow(to: Address) {
  // #region commodities
  const GOLD = 1n // 1 token = 1 gram
  const asset = await read<{ reserve: bigint; attestedAt: bigint }>(commodities, 'asset', [GOLD])
  const supply = await read<bigint>(commodities, 'totalSupply', [GOLD])
  // attestedAt: when the vault was counted; later than the last attestation, not after the block.
  let attestedAt = (await client.getBlock()).timestamp
  while (attestedAt <= asset.attestedAt) {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    attestedAt = BigInt(Math.floor(Date.now() / 1000))
  }
  const attested = await send(custodian, commodities, 'attestReserve', [GOLD, supply + 1_000n, attestedAt])
  const receipt = keccak256(toHex(`warehouse receipt for ${to} at ${attestedAt}`)) // backs one mint only
  const minted = await send(custodian, commodities, 'mint', [to, GOLD, 250n, receipt])
  const [mintEvent] = parseEventLogs({ abi: commodities.abi, logs: minted.logs, eventName: 'MintedAgainstReceipt' })
  // #endregion commodities
  const [reserveEvent] = parseEventLogs({ abi: commodities.abi, logs: attested.logs, eventName: 'ReserveAttested' })
  return { reserveAttested: reserveEvent.args, minted: mintEvent.args, supply: await read<bigint>(commodities, 'totalSupply', [GOLD]) }
}

/** The seller's gold for the buyer's vouchers: both sign EIP-712 orders, the operator settles. */
async function exchangeFlow(seller: Account, buyer: Account) {
  // #region exchange
  // Domain, types and side values exactly as deployments/devnet.json publishes them.
  const { domain, types, primaryType, sides } = deployments.eip712.exchangeOrder
  const typedData = { domain: { ...domain, verifyingContract: domain.verifyingContract as Address }, types: types as TypedData, primaryType }
  const expiry = (await client.getBlock()).timestamp + 3_600n
  const base = { assetId: 1n, paymentToken: voucher.address, expiry }
  const sell = { ...base, signer: seller.address, side: sides.sell, amount: 100n, price: 70_000n, salt: BigInt(generatePrivateKey()) }
  const buy = { ...base, signer: buyer.address, side: sides.buy, amount: 40n, price: 72_000n, salt: BigInt(generatePrivateKey()) }
  const sign = (account: Account, message: Record<string, unknown>) => account.signTypedData!({ ...typedData, message })
  const maker = { order: sell, signature: await sign(seller, sell) }
  const taker = { order: buy, signature: await sign(buyer, buy) }

  // The exchange moves the seller's gold and the buyer's vouchers: both approve it first.
  const fill = 40n
  const payment = fill * sell.price // at the maker's price
  await send(seller, commodities, 'setApprovalForAll', [exchange.address, true])
  await send(buyer, voucher, 'approve', [exchange.address, payment])
  const settled = await send(operator, exchange, 'settle', [maker, taker, fill])
  const [trade] = parseEventLogs({ abi: exchange.abi, logs: settled.logs, eventName: 'Trade' })
  // #endregion exchange
  return { trade: trade.args, settledIn: settled.transactionHash, payment }
}

/** Runs every flow in order and returns what each did. */
export async function runCityFlows() {
  const districtOffice = await newAccount()
  const council = await councilFlow(districtOffice.address)
  const [resident, seller, buyer] = [await newAccount(), await newAccount(), await newAccount()]
  const bpass = {
    resident: await registerHolder(resident.address, 1),
    seller: await registerHolder(seller.address, 4),
    buyer: await registerHolder(buyer.address, 1 | 4),
  }
  const vouchers = await voucherFlow(resident)
  await send(treasury, voucher, 'issue', [buyer.address, 5_000_000n]) // the buyer's money for the trade
  const gold = await commodityFlow(seller.address)
  const trade = await exchangeFlow(seller, buyer)
  // #region multicall
  // Balances after the trade in one eth_call, through Multicall3.
  const [sellerGold, buyerGold, sellerVouchers, buyerVouchers] = await client.multicall({
    allowFailure: false,
    contracts: [
      { ...commodities, functionName: 'balanceOf', args: [seller.address, 1n] },
      { ...commodities, functionName: 'balanceOf', args: [buyer.address, 1n] },
      { ...voucher, functionName: 'balanceOf', args: [seller.address] },
      { ...voucher, functionName: 'balanceOf', args: [buyer.address] },
    ],
  })
  // #endregion multicall
  const accounts = { districtOffice: districtOffice.address, resident: resident.address, seller: seller.address, buyer: buyer.address, merchant: merchant.address }
  return { accounts, council, bpass, vouchers, gold, trade, balances: { sellerGold, buyerGold, sellerVouchers, buyerVouchers } }
}

if (import.meta.main) {
  const report = await runCityFlows()
  process.stdout.write(`${JSON.stringify(report, (_, value) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`)
}
