// End to end: plain ETH transfers on a real automining node, read back through every block,
// transaction and receipt getter, with block tags and EIP-1898 block selectors.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { mined, rpcError, sendRawAndWait, signed, startE2ENode, waitFor, type E2ENode } from './helpers/node.ts'

const ZERO_BLOOM = `0x${'00'.repeat(256)}`
const EMPTY_UNCLE_HASH = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347'
const RECIPIENT = '0x000000000000000000000000000000000000bEEF'

let e: E2ENode

before(async () => {
  e = await startE2ENode()
})

after(async () => {
  await e?.stop()
})

describe('a single transfer', () => {
  let receipt: ethers.TransactionReceipt
  let txHash: string
  const value = ethers.parseEther('1.5')

  before(async () => {
    const sender = e.wallets[1]
    const tx = await sender.sendTransaction({ to: RECIPIENT, value })
    txHash = tx.hash
    receipt = await mined(e, tx)
  })

  it('moves value and charges gasUsed * effectiveGasPrice (balances at the block before and the block itself)', async () => {
    const sender = e.wallets[1].address
    const n = receipt.blockNumber
    const [senderBefore, senderAfter, recipientBefore, recipientAfter] = await Promise.all([
      e.provider.getBalance(sender, n - 1),
      e.provider.getBalance(sender, n),
      e.provider.getBalance(RECIPIENT, n - 1),
      e.provider.getBalance(RECIPIENT, n),
    ])
    assert.equal(senderBefore, ethers.parseEther('10000'))
    assert.equal(recipientBefore, 0n)
    assert.equal(recipientAfter, value)
    assert.equal(senderBefore - senderAfter, value + receipt.gasUsed * receipt.gasPrice)
    assert.equal(await e.provider.getBalance(RECIPIENT, 'latest'), value)
    assert.equal(await e.provider.getTransactionCount(sender, n), 1)
    assert.equal(await e.provider.getTransactionCount(sender, n - 1), 0)
  })

  it('answers a receipt with geth fields', async () => {
    const raw = await e.rpc('eth_getTransactionReceipt', [txHash])
    const block = await e.rpc('eth_getBlockByNumber', [raw.blockNumber, false])
    const tx = await e.rpc('eth_getTransactionByHash', [txHash])
    assert.equal(raw.status, '0x1')
    assert.equal(raw.gasUsed, '0x5208')
    assert.equal(raw.cumulativeGasUsed, '0x5208')
    assert.equal(raw.type, '0x2')
    assert.equal(raw.from, e.wallets[1].address.toLowerCase())
    assert.equal(raw.to, RECIPIENT.toLowerCase())
    assert.equal(raw.contractAddress, null)
    assert.deepEqual(raw.logs, [])
    assert.equal(raw.logsBloom, ZERO_BLOOM)
    assert.equal(raw.transactionHash, txHash)
    assert.equal(raw.transactionIndex, '0x0')
    assert.equal(raw.blockHash, block.hash)
    // effectiveGasPrice = baseFee + min(tip, maxFee - baseFee)
    const baseFee = BigInt(block.baseFeePerGas)
    const tip = BigInt(tx.maxPriorityFeePerGas)
    const maxFee = BigInt(tx.maxFeePerGas)
    const expected = baseFee + (tip < maxFee - baseFee ? tip : maxFee - baseFee)
    assert.equal(BigInt(raw.effectiveGasPrice), expected)
    assert.ok(BigInt(raw.effectiveGasPrice) > baseFee, 'a positive tip is paid')
    assert.equal(BigInt(block.gasUsed), 21000n)
  })

  it('answers the mined transaction with its block fields', async () => {
    const tx = await e.rpc('eth_getTransactionByHash', [txHash])
    assert.equal(tx.hash, txHash)
    assert.equal(tx.blockHash, receipt.blockHash)
    assert.equal(BigInt(tx.blockNumber), BigInt(receipt.blockNumber))
    // The execution-apis transaction schema's blockTimestamp: the including block's timestamp.
    assert.equal(tx.blockTimestamp, (await e.rpc('eth_getBlockByHash', [receipt.blockHash, false])).timestamp)
    assert.equal(tx.transactionIndex, '0x0')
    assert.equal(tx.from, e.wallets[1].address.toLowerCase())
    assert.equal(tx.to, RECIPIENT.toLowerCase())
    assert.equal(BigInt(tx.value), value)
    assert.equal(tx.type, '0x2')
    assert.equal(tx.chainId, '0x7a69')
    assert.equal(tx.nonce, '0x0')
    assert.equal(tx.input, '0x')
    assert.deepEqual(tx.accessList, [])
    assert.equal(BigInt(tx.gasPrice), receipt.gasPrice, 'mined gasPrice is the effective price')
    assert.ok(tx.yParity === '0x0' || tx.yParity === '0x1')
    assert.equal(tx.v, tx.yParity)
    // The signature recovers to the sender.
    const parsed = ethers.Transaction.from({
      type: 2,
      chainId: BigInt(tx.chainId),
      nonce: Number(tx.nonce),
      to: tx.to,
      value: BigInt(tx.value),
      gasLimit: BigInt(tx.gas),
      maxFeePerGas: BigInt(tx.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
      data: tx.input,
      signature: { r: tx.r, s: tx.s, yParity: Number(tx.yParity) as 0 | 1 },
    })
    assert.equal(parsed.from, e.wallets[1].address)
    assert.equal(parsed.hash, txHash)
  })

  it('unknown transaction hash and receipt are null', async () => {
    const unknown = `0x${'ab'.repeat(32)}`
    assert.equal(await e.rpc('eth_getTransactionByHash', [unknown]), null)
    assert.equal(await e.rpc('eth_getTransactionReceipt', [unknown]), null)
  })
})

describe('two transactions in one block', () => {
  let first: { raw: string; hash: string }
  let second: { raw: string; hash: string }
  let receipts: ethers.TransactionReceipt[]
  let blockHash: string
  let blockNumber: number

  before(async () => {
    const sender = e.wallets[2]
    const nonce = await e.provider.getTransactionCount(sender.address, 'pending')
    first = await signed(sender, { to: RECIPIENT, value: 1n, nonce, gasLimit: 21000n })
    second = await signed(sender, { to: e.wallets[3].address, value: 2n, nonce: nonce + 1, gasLimit: 21000n })
    // The later nonce first: it waits in the queue ...
    await e.rpc('eth_sendRawTransaction', [second.raw])
  })

  it('a queued transaction is found by hash with null block fields', async () => {
    const pending = await e.rpc('eth_getTransactionByHash', [second.hash])
    assert.notEqual(pending, null)
    assert.equal(pending.hash, second.hash)
    assert.equal(pending.blockHash, null)
    assert.equal(pending.blockNumber, null)
    assert.equal(pending.blockTimestamp, undefined, 'no block, no block timestamp (geth leaves it out)')
    assert.equal(pending.transactionIndex, null)
    assert.equal(pending.from, e.wallets[2].address.toLowerCase())
    assert.equal(BigInt(pending.gasPrice), BigInt(pending.maxFeePerGas), 'pending gasPrice is maxFeePerGas, as geth')
    assert.equal(await e.rpc('eth_getTransactionReceipt', [second.hash]), null)
  })

  it('... until the gap is filled: both are mined in one block, in nonce order', async () => {
    receipts = await sendRawAndWait(e, [first.raw])
    const secondReceipt = await waitFor(() => e.provider.getTransactionReceipt(second.hash))
    receipts.push(secondReceipt)
    assert.equal(receipts[0].blockHash, receipts[1].blockHash)
    blockHash = receipts[0].blockHash
    blockNumber = receipts[0].blockNumber
    assert.equal(receipts[0].index, 0)
    assert.equal(receipts[1].index, 1)
    assert.equal(receipts[0].cumulativeGasUsed, 21000n)
    assert.equal(receipts[1].cumulativeGasUsed, 42000n)
    assert.equal(receipts[1].gasUsed, 21000n)
    const mined = await e.rpc('eth_getTransactionByHash', [second.hash])
    assert.equal(mined.blockHash, blockHash)
    assert.equal(mined.transactionIndex, '0x1')
  })

  it('eth_getTransactionByBlockHashAndIndex / ByBlockNumberAndIndex', async () => {
    const byHash0 = await e.rpc('eth_getTransactionByBlockHashAndIndex', [blockHash, '0x0'])
    const byHash1 = await e.rpc('eth_getTransactionByBlockHashAndIndex', [blockHash, '0x1'])
    const byNumber1 = await e.rpc('eth_getTransactionByBlockNumberAndIndex', [ethers.toQuantity(blockNumber), '0x1'])
    assert.equal(byHash0.hash, first.hash)
    assert.equal(byHash1.hash, second.hash)
    assert.deepEqual(byNumber1, byHash1)
    assert.deepEqual(byHash1, await e.rpc('eth_getTransactionByHash', [second.hash]))
    const full = await e.rpc('eth_getBlockByHash', [blockHash, true])
    assert.deepEqual(full.transactions[1], byHash1, 'a full block\'s transactions are the same objects, blockTimestamp included')
    assert.equal(byHash1.blockTimestamp, full.timestamp)
    assert.equal(await e.rpc('eth_getTransactionByBlockHashAndIndex', [blockHash, '0x2']), null)
    assert.equal(await e.rpc('eth_getTransactionByBlockNumberAndIndex', [ethers.toQuantity(blockNumber), '0x2']), null)
    assert.equal(await e.rpc('eth_getTransactionByBlockHashAndIndex', [`0x${'12'.repeat(32)}`, '0x0']), null)
  })

  it('eth_getBlockTransactionCountByHash / ByNumber', async () => {
    assert.equal(await e.rpc('eth_getBlockTransactionCountByHash', [blockHash]), '0x2')
    assert.equal(await e.rpc('eth_getBlockTransactionCountByNumber', [ethers.toQuantity(blockNumber)]), '0x2')
    assert.equal(await e.rpc('eth_getBlockTransactionCountByNumber', ['earliest']), '0x0')
    assert.equal(await e.rpc('eth_getBlockTransactionCountByHash', [`0x${'12'.repeat(32)}`]), null)
    assert.equal(await e.rpc('eth_getBlockTransactionCountByNumber', ['0xffffff']), null)
  })

  it('eth_getBlockReceipts by number, hash and EIP-1898 object equals the single receipts', async () => {
    const single = await Promise.all([first.hash, second.hash].map((h) => e.rpc('eth_getTransactionReceipt', [h])))
    const byNumber = await e.rpc('eth_getBlockReceipts', [ethers.toQuantity(blockNumber)])
    const byHash = await e.rpc('eth_getBlockReceipts', [blockHash])
    const byObject = await e.rpc('eth_getBlockReceipts', [{ blockHash }])
    assert.deepEqual(byNumber, single)
    assert.deepEqual(byHash, single)
    assert.deepEqual(byObject, single)
    assert.deepEqual(await e.rpc('eth_getBlockReceipts', ['earliest']), [])
    assert.equal(await e.rpc('eth_getBlockReceipts', [`0x${'12'.repeat(32)}`]), null)
  })

  it('eth_getBlockByHash / ByNumber, with hashes and with full transactions', async () => {
    const hashes = await e.rpc('eth_getBlockByHash', [blockHash, false])
    const full = await e.rpc('eth_getBlockByNumber', [ethers.toQuantity(blockNumber), true])
    const parent = await e.rpc('eth_getBlockByNumber', [ethers.toQuantity(blockNumber - 1), false])
    assert.equal(hashes.hash, blockHash)
    assert.equal(full.hash, blockHash)
    assert.equal(hashes.number, ethers.toQuantity(blockNumber))
    assert.equal(hashes.parentHash, parent.hash)
    assert.deepEqual(hashes.transactions, [first.hash, second.hash])
    assert.equal(full.transactions.length, 2)
    assert.deepEqual(full.transactions[1], await e.rpc('eth_getTransactionByHash', [second.hash]))
    // Same header either way.
    const { transactions: _a, ...headerA } = hashes
    const { transactions: _b, ...headerB } = full
    assert.deepEqual(headerA, headerB)
    assert.equal(hashes.gasUsed, ethers.toQuantity(42000))
    assert.equal(BigInt(hashes.gasLimit), 60_000_000n)
    assert.deepEqual(hashes.uncles, [])
    assert.equal(hashes.sha3Uncles, EMPTY_UNCLE_HASH)
    assert.ok(BigInt(hashes.timestamp) >= BigInt(parent.timestamp))
    assert.ok(BigInt(hashes.size) > 0n)
    assert.ok(BigInt(hashes.baseFeePerGas) > 0n)
    // Clique: in-turn difficulty 2, extraData = 32 vanity bytes + 65-byte seal, zero nonce.
    assert.equal(hashes.difficulty, '0x2')
    assert.equal(ethers.dataLength(hashes.extraData), 97)
    assert.equal(hashes.nonce, '0x0000000000000000')
    // The current block schema (execution-apis) has no totalDifficulty, and geth no longer serves it.
    assert.equal(hashes.totalDifficulty, undefined)
    // The hash is the keccak of the RLP header: ethers recomputes nothing, but the parent link holds.
    const child = await e.rpc('eth_getBlockByNumber', ['latest', false])
    assert.ok(BigInt(child.number) >= BigInt(blockNumber))
    assert.equal(await e.rpc('eth_getBlockByHash', [`0x${'12'.repeat(32)}`, false]), null)
    assert.equal(await e.rpc('eth_getBlockByNumber', ['0xffffff', false]), null)
  })

  it('the block logsBloom and transactionsRoot are consistent with the transfers (no logs)', async () => {
    const block = await e.rpc('eth_getBlockByHash', [blockHash, false])
    assert.equal(block.logsBloom, ZERO_BLOOM)
    assert.notEqual(block.transactionsRoot, '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421')
    assert.notEqual(block.receiptsRoot, '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421')
  })

  it('uncle counts are 0 and uncles are null', async () => {
    assert.equal(await e.rpc('eth_getUncleCountByBlockHash', [blockHash]), '0x0')
    assert.equal(await e.rpc('eth_getUncleCountByBlockNumber', [ethers.toQuantity(blockNumber)]), '0x0')
    assert.equal(await e.rpc('eth_getUncleCountByBlockNumber', ['latest']), '0x0')
    assert.equal(await e.rpc('eth_getUncleByBlockHashAndIndex', [blockHash, '0x0']), null)
    assert.equal(await e.rpc('eth_getUncleByBlockNumberAndIndex', [ethers.toQuantity(blockNumber), '0x0']), null)
  })
})

describe('block tags and EIP-1898 selectors', () => {
  it('latest, earliest, pending, safe and finalized', async () => {
    // One more transfer so that latest > 1.
    await mined(e, e.wallets[4].sendTransaction({ to: RECIPIENT, value: 7n }))
    const head = await e.rpc<string>('eth_blockNumber')
    const latest = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const earliest = await e.rpc('eth_getBlockByNumber', ['earliest', false])
    const pending = await e.rpc('eth_getBlockByNumber', ['pending', false])
    const safe = await e.rpc('eth_getBlockByNumber', ['safe', false])
    const finalized = await e.rpc('eth_getBlockByNumber', ['finalized', false])
    assert.equal(latest.number, head)
    assert.equal(earliest.number, '0x0')
    assert.equal(earliest.parentHash, ethers.ZeroHash)
    assert.deepEqual(earliest, await e.rpc('eth_getBlockByNumber', ['0x0', false]))
    // This node builds no pending block: "pending" is the head (documented deviation).
    assert.equal(pending.number, head)
    // One signer: a block is final as soon as it is sealed.
    assert.equal(safe.hash, latest.hash)
    assert.equal(finalized.hash, latest.hash)
    // Block numbers as tags for state too.
    assert.equal(await e.rpc('eth_getBalance', [RECIPIENT, 'earliest']), '0x0')
    assert.equal(await e.rpc('eth_getBalance', [RECIPIENT, 'latest']), await e.rpc('eth_getBalance', [RECIPIENT, 'pending']))
    assert.equal(await e.rpc('eth_getBalance', [RECIPIENT, 'latest']), await e.rpc('eth_getBalance', [RECIPIENT, 'finalized']))
    assert.equal(await e.rpc('eth_getBalance', [RECIPIENT, 'latest']), await e.rpc('eth_getBalance', [RECIPIENT, 'safe']))
    // The pending nonce counts the pool (nothing waits for account #4 now).
    assert.equal(await e.rpc('eth_getTransactionCount', [e.wallets[4].address, 'pending']), '0x1')
  })

  it('EIP-1898 {blockHash}, {blockNumber}, requireCanonical and unknown blocks', async () => {
    const latest = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const older = await e.rpc('eth_getBlockByNumber', ['0x1', false])
    const addr = e.wallets[1].address
    const atLatest = await e.rpc('eth_getBalance', [addr, 'latest'])
    assert.equal(await e.rpc('eth_getBalance', [addr, { blockHash: latest.hash }]), atLatest)
    assert.equal(await e.rpc('eth_getBalance', [addr, { blockHash: latest.hash, requireCanonical: true }]), atLatest)
    assert.equal(await e.rpc('eth_getBalance', [addr, { blockNumber: latest.number }]), atLatest)
    assert.equal(await e.rpc('eth_getBalance', [addr, { blockNumber: '0x0' }]), ethers.toQuantity(ethers.parseEther('10000')))
    // Block 1 held account #1's transfer.
    assert.equal(await e.rpc('eth_getBalance', [addr, { blockHash: older.hash }]), await e.rpc('eth_getBalance', [addr, '0x1']))
    assert.equal(await e.rpc('eth_getTransactionCount', [addr, { blockHash: older.hash }]), '0x1')
    assert.equal(await e.rpc('eth_getTransactionCount', [addr, { blockNumber: '0x0' }]), '0x0')
    // A bare 32-byte hash also selects a block.
    assert.equal(await e.rpc('eth_getBalance', [addr, latest.hash]), atLatest)
    const unknownHash = await rpcError(() => e.rpc('eth_getBalance', [addr, { blockHash: `0x${'34'.repeat(32)}` }]))
    assert.equal(unknownHash.code, -32000)
    assert.equal(unknownHash.message, 'header for hash not found')
    const future = await rpcError(() => e.rpc('eth_getBalance', [addr, '0xffffff']))
    assert.equal(future.code, -32000)
    assert.equal(future.message, 'header not found')
    const future1898 = await rpcError(() => e.rpc('eth_getBalance', [addr, { blockNumber: '0xffffff' }]))
    assert.equal(future1898.message, 'header not found')
    // ethers passes block tags through too.
    assert.equal(await e.provider.getBalance(addr, 0), ethers.parseEther('10000'))
  })
})
