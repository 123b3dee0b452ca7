// End to end: what contracts see of their block on a Clique chain (COINBASE is the sealer,
// CHAINID, BLOCKHASH, NUMBER, TIMESTAMP, BASEFEE), where the fees go, and every transaction
// type: legacy (EIP-155), access list (EIP-2930), dynamic fee, and set-code (EIP-7702).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { deploy } from './helpers/artifacts.ts'
import { mined, rpcError, sendRawAndWait, signed, startE2ENode, waitFor, type E2ENode } from './helpers/node.ts'

const GWEI = 10n ** 9n

let e: E2ENode
let context: ethers.Contract
let contextAddress: string
let sealer: string

before(async () => {
  e = await startE2ENode()
  sealer = e.wallets[0].address
  const deployed = await deploy('BlockContext', e.wallets[1])
  context = deployed.contract
  contextAddress = deployed.address
})

after(async () => {
  await e?.stop()
})

describe('block context', () => {
  it('a mined transaction sees the sealer as COINBASE, its block number, time, base fee, chain id and parent hash', async () => {
    const receipt = await mined(e, (context.connect(e.wallets[2]) as ethers.Contract).record())
    const block = await e.rpc('eth_getBlockByNumber', [ethers.toQuantity(receipt.blockNumber), false])
    const parent = await e.rpc('eth_getBlockByNumber', [ethers.toQuantity(receipt.blockNumber - 1), false])
    const log = context.interface.parseLog(receipt.logs[0])!
    assert.equal(log.args.coinbase, sealer)
    assert.equal(log.args.number, BigInt(receipt.blockNumber))
    assert.equal(log.args.timestamp, BigInt(block.timestamp))
    assert.equal(log.args.basefee, BigInt(block.baseFeePerGas))
    assert.equal(log.args.chainid, 31337n)
    assert.equal(log.args.parentHash, parent.hash)
    assert.equal(log.args.parentHash, block.parentHash)
    assert.equal(log.args.gasPrice, receipt.gasPrice)
    // The header's coinbase is empty under Clique (the signer is in the seal), as in geth.
    assert.equal(block.miner, ethers.ZeroAddress)
  })

  it('eth_call runs in the context of the block asked for', async () => {
    const latest = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const parent = await e.rpc('eth_getBlockByNumber', [ethers.toQuantity(BigInt(latest.number) - 1n), false])
    const read = await context.read()
    assert.equal(read.coinbase, sealer)
    assert.equal(read.number, BigInt(latest.number))
    assert.equal(read.timestamp, BigInt(latest.timestamp))
    assert.equal(read.chainid, 31337n)
    assert.equal(read.parentHash, parent.hash)
    // An unpriced call runs with base fee 0 (geth's NoBaseFee); a priced one sees the block's.
    assert.equal(read.basefee, 0n)
    const priced = context.interface.decodeFunctionResult(
      'read',
      await e.rpc('eth_call', [{ from: e.wallets[3].address, to: contextAddress, data: context.interface.encodeFunctionData('read'), maxFeePerGas: ethers.toQuantity(100n * GWEI) }, 'latest']),
    )
    assert.equal(priced.basefee, BigInt(latest.baseFeePerGas))
    // At an older block: that block's number and parent.
    const older = await context.read({ blockTag: Number(parent.number) })
    assert.equal(older.number, BigInt(parent.number))
    assert.equal(older.parentHash, parent.parentHash)
  })

  it('BLOCKHASH: hashes of earlier blocks, zero for the current block and the future', async () => {
    const head = await e.provider.getBlockNumber()
    for (const n of [0, 1, head - 1]) {
      assert.equal(await context.hashOf(n), (await e.provider.getBlock(n))!.hash, `block ${n}`)
    }
    assert.equal(await context.hashOf(head), ethers.ZeroHash)
    assert.equal(await context.hashOf(head + 10), ethers.ZeroHash)
  })

  it('the sealer earns the tips of its block; the base fee is burned', async () => {
    // Two transactions of #3 in one block, with different tips.
    const sender = e.wallets[3]
    const nonce = await e.provider.getTransactionCount(sender.address, 'pending')
    const latest = await e.provider.getBlock('latest')
    const maxFee = latest!.baseFeePerGas! * 2n + 10n * GWEI
    const a = await signed(sender, { to: e.wallets[9].address, value: 10n, nonce, gasLimit: 21000n, maxFeePerGas: maxFee, maxPriorityFeePerGas: 2n * GWEI })
    const b = await signed(sender, { to: contextAddress, data: context.interface.encodeFunctionData('record'), nonce: nonce + 1, gasLimit: 100_000n, maxFeePerGas: maxFee, maxPriorityFeePerGas: 3n * GWEI })
    await e.rpc('eth_sendRawTransaction', [b.raw])
    const [ra] = await sendRawAndWait(e, [a.raw])
    const rb = await waitFor(() => e.provider.getTransactionReceipt(b.hash))
    assert.equal(ra.blockNumber, rb.blockNumber)
    const n = ra.blockNumber
    const block = await e.provider.getBlock(n)
    const baseFee = block!.baseFeePerGas!
    const tips = ra.gasUsed * (ra.gasPrice - baseFee) + rb.gasUsed * (rb.gasPrice - baseFee)
    assert.equal(ra.gasPrice - baseFee, 2n * GWEI)
    assert.equal(rb.gasPrice - baseFee, 3n * GWEI)
    const earned = (await e.provider.getBalance(sealer, n)) - (await e.provider.getBalance(sealer, n - 1))
    assert.equal(earned, tips)
    // The sender paid the full effective price; the difference (base fee) left circulation.
    const paid = (await e.provider.getBalance(sender.address, n - 1)) - (await e.provider.getBalance(sender.address, n)) - 10n
    assert.equal(paid, ra.gasUsed * ra.gasPrice + rb.gasUsed * rb.gasPrice)
    assert.equal(paid - earned, (ra.gasUsed + rb.gasUsed) * baseFee)
    // Inside the block, COINBASE was the sealer too.
    assert.equal(context.interface.parseLog(rb.logs[0])!.args.coinbase, sealer)
  })
})

describe('transaction types', () => {
  it('legacy (type 0) with EIP-155 replay protection', async () => {
    const sender = e.wallets[4]
    const gasPrice = (await e.provider.getBlock('latest'))!.baseFeePerGas! + 2n * GWEI
    const before = await e.provider.getBalance(sealer)
    const tx = await sender.sendTransaction({ type: 0, to: e.wallets[9].address, value: 5n, gasPrice })
    const receipt = await mined(e, tx)
    assert.equal(receipt.status, 1)
    assert.equal(receipt.type, 0)
    assert.equal(receipt.gasPrice, gasPrice, 'a legacy transaction pays its gas price')
    const raw = await e.rpc('eth_getTransactionByHash', [tx.hash])
    assert.equal(raw.type, '0x0')
    assert.equal(raw.chainId, '0x7a69')
    assert.ok(raw.v === ethers.toQuantity(31337 * 2 + 35) || raw.v === ethers.toQuantity(31337 * 2 + 36))
    assert.equal(BigInt(raw.gasPrice), gasPrice)
    assert.equal(raw.maxFeePerGas, undefined)
    assert.equal(raw.accessList, undefined)
    assert.equal(raw.yParity, undefined)
    const rawReceipt = await e.rpc('eth_getTransactionReceipt', [tx.hash])
    assert.equal(rawReceipt.type, '0x0')
    assert.equal(BigInt(rawReceipt.effectiveGasPrice), gasPrice)
    const block = await e.provider.getBlock(receipt.blockNumber)
    assert.equal((await e.provider.getBalance(sealer)) - before, 21000n * (gasPrice - block!.baseFeePerGas!))
  })

  it('legacy without replay protection (pre-EIP-155) is refused, as geth over RPC', async () => {
    const sender = e.wallets[4]
    const nonce = await e.provider.getTransactionCount(sender.address, 'pending')
    const gasPrice = (await e.provider.getBlock('latest'))!.baseFeePerGas! + 2n * GWEI
    const unsigned = ethers.Transaction.from({ type: 0, to: e.wallets[9].address, value: 1n, gasLimit: 21000n, gasPrice, nonce })
    // No chainId: the signature covers the pre-EIP-155 digest (v = 27/28).
    unsigned.chainId = 0n
    const signature = sender.signingKey.sign(unsigned.unsignedHash)
    unsigned.signature = signature
    assert.ok(unsigned.signature!.v === 27 || unsigned.signature!.v === 28)
    const err = await rpcError(() => e.rpc('eth_sendRawTransaction', [unsigned.serialized]))
    assert.equal(err.code, -32000)
    assert.match(err.message, /replay-protected|EIP-155/i)
  })

  it('access list (type 1)', async () => {
    const sender = e.wallets[5]
    const gasPrice = (await e.provider.getBlock('latest'))!.baseFeePerGas! + 1n * GWEI
    const accessList = [{ address: contextAddress, storageKeys: [ethers.ZeroHash] }]
    const tx = await sender.sendTransaction({ type: 1, to: contextAddress, data: context.interface.encodeFunctionData('record'), gasPrice, accessList })
    const receipt = await mined(e, tx)
    assert.equal(receipt.status, 1)
    assert.equal(receipt.type, 1)
    assert.equal(receipt.gasPrice, gasPrice)
    const raw = await e.rpc('eth_getTransactionByHash', [tx.hash])
    assert.equal(raw.type, '0x1')
    assert.equal(raw.chainId, '0x7a69')
    assert.deepEqual(raw.accessList, [{ address: contextAddress.toLowerCase(), storageKeys: [ethers.ZeroHash] }])
    assert.ok(raw.yParity === '0x0' || raw.yParity === '0x1')
    assert.equal(raw.maxFeePerGas, undefined)
    // The block's transactions in full carry the same object.
    const block = await e.rpc('eth_getBlockByHash', [receipt.blockHash, true])
    assert.deepEqual(block.transactions[0], raw)
  })

  it('set code (type 4, EIP-7702): an EOA delegates to a contract and runs its code', async () => {
    const { contract: delegate, address: delegateAddress } = await deploy('Delegate', e.wallets[1], [], { file: 'BlockContext' })
    const authority = e.wallets[7]
    const sponsor = e.wallets[8]
    const authorityNonce = await e.provider.getTransactionCount(authority.address)
    const auth = await authority.authorize({ address: delegateAddress, nonce: authorityNonce, chainId: 31337n })
    const data = delegate.interface.encodeFunctionData('hello')
    const tx = await sponsor.sendTransaction({ type: 4, to: authority.address, data, authorizationList: [auth], gasLimit: 200_000n })
    const receipt = await mined(e, tx)
    assert.equal(receipt.status, 1)
    assert.equal(receipt.type, 4)
    // The authority's code is the delegation designator; its nonce went up by one.
    assert.equal(await e.rpc('eth_getCode', [authority.address, 'latest']), `0xef0100${delegateAddress.slice(2).toLowerCase()}`)
    assert.equal(await e.provider.getTransactionCount(authority.address), authorityNonce + 1)
    // The code ran as the EOA: the event comes from it, in its storage.
    assert.equal(receipt.logs.length, 1)
    assert.equal(receipt.logs[0].address, authority.address)
    const hello = delegate.interface.parseLog(receipt.logs[0])!
    assert.equal(hello.args.self, authority.address)
    assert.equal(hello.args.caller, sponsor.address)
    assert.equal(hello.args.count, 1n)
    assert.equal(await e.rpc('eth_getStorageAt', [authority.address, '0x0', 'latest']), ethers.toBeHex(1, 32))
    assert.equal(await e.rpc('eth_getStorageAt', [delegateAddress, '0x0', 'latest']), ethers.ZeroHash)
    // The transaction as served.
    const raw = await e.rpc('eth_getTransactionByHash', [tx.hash])
    assert.equal(raw.type, '0x4')
    assert.equal(raw.authorizationList.length, 1)
    assert.equal(raw.authorizationList[0].address, delegateAddress.toLowerCase())
    assert.equal(raw.authorizationList[0].chainId, '0x7a69')
    assert.equal(raw.authorizationList[0].nonce, ethers.toQuantity(authorityNonce))
    assert.equal(ethers.verifyAuthorization({ address: delegateAddress, nonce: authorityNonce, chainId: 31337n }, auth.signature), authority.address)
    // Calls and plain transactions to the EOA run the delegate's code.
    const asDelegate = new ethers.Contract(authority.address, delegate.interface, e.wallets[6])
    assert.equal(await asDelegate.whoAmI(), authority.address)
    const again = await mined(e, asDelegate.hello())
    assert.equal(again.status, 1)
    assert.equal(await asDelegate.count(), 2n)
    // eth_estimateGas knows the EOA has code now.
    assert.ok((await asDelegate.hello.estimateGas()) > 21000n)
    // The authority can still send its own transactions.
    const own = await mined(e, authority.sendTransaction({ to: e.wallets[9].address, value: 1n }))
    assert.equal(own.status, 1)
    // Delegating to the zero address clears the code.
    const revoke = await authority.authorize({ address: ethers.ZeroAddress, nonce: await e.provider.getTransactionCount(authority.address), chainId: 31337n })
    const cleared = await mined(e, sponsor.sendTransaction({ type: 4, to: sponsor.address, authorizationList: [revoke], gasLimit: 100_000n }))
    assert.equal(cleared.status, 1)
    assert.equal(await e.rpc('eth_getCode', [authority.address, 'latest']), '0x')
    // Storage written through the delegation stays with the EOA.
    assert.equal(await e.rpc('eth_getStorageAt', [authority.address, '0x0', 'latest']), ethers.toBeHex(2, 32))
  })
})
