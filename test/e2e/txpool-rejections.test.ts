// Transaction pool admission through a real node's eth_sendRawTransaction: every rejection
// answers JSON-RPC error -32000 with geth's message, and the pool's queued/pending handling
// (gaps, promotion, replacement, nonce order) shows in txpool_content and in mined blocks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Transaction, Wallet, getAddress, type TransactionRequest } from 'ethers'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { startDevNode, type DevNode } from '@busan/testkit'
import {
  CHAIN_ID,
  GWEI,
  LOGGER_INIT,
  MAX_FEE,
  Rpc,
  TIP,
  devSigners,
  int,
  nonceOf,
  sign1559,
  signLegacy,
  signTypedRaw,
  waitForReceipt,
  waitForReceipts,
  type BlockJson,
  type DevSigner,
  type Receipt,
  type RpcReply,
} from './fixtures-pool/rpc.ts'

const TXPOOL_ERROR = -32000

let node: DevNode
let rpc: Rpc

before(async () => {
  node = await startDevNode({ period: 0 })
  rpc = new Rpc(node.rpcUrl)
})

after(async () => {
  if (node === undefined) return
  await node.stop()
  node.cleanup()
})

function assertRejected(reply: RpcReply, prefix: string): void {
  assert.equal(reply.result, undefined, `accepted as ${String(reply.result)}, expected "${prefix}"`)
  assert.ok(reply.error !== undefined, 'no error')
  assert.equal(reply.error.code, TXPOOL_ERROR, `code of ${JSON.stringify(reply.error)}`)
  assert.ok(reply.error.message.startsWith(prefix), `message "${reply.error.message}" does not start with "${prefix}"`)
}

function assertAccepted(reply: RpcReply<string>, hash: string): void {
  assert.equal(reply.error, undefined, `rejected: ${JSON.stringify(reply.error)}`)
  assert.equal(reply.result, hash)
}

/** An ethers wallet for the dev signer, to sign shapes EthereumJS will not build. */
function wallet(signer: DevSigner): Wallet {
  return new Wallet(bytesToHex(signer.key))
}

interface PoolContentJson {
  pending: Record<string, Record<string, { hash: string; nonce: string }>>
  queued: Record<string, Record<string, { hash: string; nonce: string }>>
}

async function poolContent(): Promise<PoolContentJson> {
  return rpc.call<PoolContentJson>('txpool_content')
}

async function latestBlock(): Promise<BlockJson> {
  return rpc.call<BlockJson>('eth_getBlockByNumber', ['latest', false])
}

/** Position of a receipt in the chain, comparable across blocks. */
function position(receipt: Receipt): bigint {
  return BigInt(receipt.blockNumber) * 100_000n + BigInt(receipt.transactionIndex)
}

// Dedicated senders so that tests do not disturb each other's nonces.
const [, lowSender, gapSender, replaceSender, orderA, orderB, orderC, staticSender, richSender] = devSigners
const target = devSigners[9].address

describe('txpool rejections over eth_sendRawTransaction', () => {
  it('rejects malformed raw bytes', async () => {
    assertRejected(await rpc.sendRaw('0xc0'), 'rlp')
    assertRejected(await rpc.sendRaw('0xf8'), 'rlp')
    assertRejected(await rpc.sendRaw('0x'), 'rlp')
    assertRejected(await rpc.sendRaw('0x02'), 'rlp')
    assertRejected(await rpc.sendRaw('0x02c0'), 'rlp')
    // A valid transaction with its last byte cut off.
    const valid = sign1559(staticSender, { nonce: 0n, to: target })
    assertRejected(await rpc.sendRaw(valid.raw.slice(0, -2)), 'rlp')
    // Not hex at all: a parameter error, as geth's hexutil.Bytes decoding.
    const notHex = await rpc.sendRaw('0xzz')
    assert.equal(notHex.error?.code, -32602, JSON.stringify(notHex))
  })

  it('rejects blob (type 3) and unknown transaction types', async () => {
    const blob = await wallet(staticSender).signTransaction({
      type: 3,
      chainId: CHAIN_ID,
      nonce: 0,
      to: target,
      gasLimit: 21_000n,
      maxFeePerGas: MAX_FEE,
      maxPriorityFeePerGas: TIP,
      maxFeePerBlobGas: GWEI,
      blobVersionedHashes: [`0x01${'11'.repeat(31)}`],
    } as TransactionRequest)
    assert.ok(blob.startsWith('0x03'))
    assertRejected(await rpc.sendRaw(blob), 'transaction type not supported')
    assertRejected(await rpc.sendRaw('0x05c0'), 'transaction type not supported')
  })

  it('rejects transactions without replay protection (pre-EIP-155)', async () => {
    const raw = await wallet(staticSender).signTransaction({ type: 0, chainId: 0n, nonce: 0, to: target, gasLimit: 21_000n, gasPrice: MAX_FEE })
    assertRejected(await rpc.sendRaw(raw), 'only replay-protected (EIP-155) transactions allowed over RPC')
  })

  it('rejects a wrong chain id', async () => {
    const signer = wallet(staticSender)
    const legacy = await signer.signTransaction({ type: 0, chainId: 1n, nonce: 0, to: target, gasLimit: 21_000n, gasPrice: MAX_FEE })
    assertRejected(await rpc.sendRaw(legacy), 'invalid chain id for signer')
    const dynamic = await signer.signTransaction({ type: 2, chainId: 1n, nonce: 0, to: target, gasLimit: 21_000n, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: TIP })
    assertRejected(await rpc.sendRaw(dynamic), 'invalid chain id for signer')
    const accessList = await signer.signTransaction({ type: 1, chainId: CHAIN_ID + 1n, nonce: 0, to: target, gasLimit: 21_000n, gasPrice: MAX_FEE })
    assertRejected(await rpc.sendRaw(accessList), 'invalid chain id for signer')
  })

  it('rejects oversized data', async () => {
    const { raw } = sign1559(staticSender, { nonce: 0n, to: target, data: new Uint8Array(128 * 1024), gasLimit: 16_000_000n })
    assert.ok((raw.length - 2) / 2 > 128 * 1024)
    assertRejected(await rpc.sendRaw(raw), 'oversized data')
  })

  it('rejects a gas limit above EIP-7825\'s per-transaction cap of 2^24 (Osaka; the 60M block limit is above it)', async () => {
    const cap = 2n ** 24n
    assert.ok(BigInt((await latestBlock()).gasLimit) > cap)
    // Signed by hand: EthereumJS refuses to build it under Osaka's rules.
    const unsigned = [int(CHAIN_ID), int(0n), int(TIP), int(MAX_FEE), int(cap + 1n), hexToBytes(target as `0x${string}`), int(0n), new Uint8Array(), []] as Uint8Array[]
    assertRejected(await rpc.sendRaw(signTypedRaw(2, unsigned, staticSender.key).raw), `transaction gas limit too high (cap: ${cap}, tx: ${cap + 1n})`)
  })

  it('rejects a gas limit below the intrinsic gas', async () => {
    assertRejected(await rpc.sendRaw(sign1559(staticSender, { nonce: 0n, to: target, gasLimit: 20_999n }).raw), 'intrinsic gas too low')
    // A contract creation needs 53,000 plus its data.
    assertRejected(await rpc.sendRaw(sign1559(staticSender, { nonce: 0n, data: LOGGER_INIT, gasLimit: 53_000n }).raw), 'intrinsic gas too low')
    assertRejected(await rpc.sendRaw(signLegacy(staticSender, { nonce: 0n, to: target, gasLimit: 0n }).raw), 'intrinsic gas too low')
  })

  it('rejects a max priority fee above the max fee', async () => {
    const unsigned = [int(CHAIN_ID), int(0n), int(10n * GWEI), int(5n * GWEI), int(21_000n), hexToBytes(target as `0x${string}`), int(0n), new Uint8Array(), []] as Uint8Array[]
    const { raw } = signTypedRaw(2, unsigned, staticSender.key)
    assertRejected(await rpc.sendRaw(raw), 'max priority fee per gas higher than max fee per gas')
  })

  it('rejects a tip below the pool minimum as underpriced', async () => {
    assertRejected(await rpc.sendRaw(sign1559(staticSender, { nonce: 0n, to: target, maxPriorityFeePerGas: 0n }).raw), 'transaction underpriced')
    assertRejected(await rpc.sendRaw(signLegacy(staticSender, { nonce: 0n, to: target, gasPrice: 0n }).raw), 'transaction underpriced')
  })

  it('rejects a max fee below the next block base fee', async () => {
    const baseFee = BigInt((await latestBlock()).baseFeePerGas)
    assert.ok(baseFee > 2n, `base fee ${baseFee}`)
    assertRejected(await rpc.sendRaw(sign1559(staticSender, { nonce: 0n, to: target, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }).raw), 'max fee per gas less than block base fee')
    assertRejected(await rpc.sendRaw(signLegacy(staticSender, { nonce: 0n, to: target, gasPrice: 1n }).raw), 'max fee per gas less than block base fee')
  })

  it('rejects what the sender cannot pay for', async () => {
    const pauper = Wallet.createRandom()
    const empty: DevSigner = { key: hexToBytes(pauper.privateKey as `0x${string}`), address: pauper.address.toLowerCase() }
    assertRejected(await rpc.sendRaw(sign1559(empty, { nonce: 0n, to: target }).raw), 'insufficient funds for gas * price + value')
    // Value alone above the balance, from a funded account.
    const balance = BigInt(await rpc.call<string>('eth_getBalance', [richSender.address, 'latest']))
    assertRejected(await rpc.sendRaw(sign1559(richSender, { nonce: await nonceOf(rpc, richSender.address), to: target, value: balance }).raw), 'insufficient funds for gas * price + value')
    // Gas * price alone above the balance.
    const gasLimit = 16_000_000n
    const feeCap = balance / gasLimit + 1n
    assertRejected(
      await rpc.sendRaw(sign1559(richSender, { nonce: await nonceOf(rpc, richSender.address), to: target, gasLimit, maxFeePerGas: feeCap, maxPriorityFeePerGas: TIP }).raw),
      'insufficient funds for gas * price + value',
    )
  })

  it('rejects a nonce below the account nonce', async () => {
    const nonce = await nonceOf(rpc, lowSender.address)
    const first = sign1559(lowSender, { nonce, to: target, value: 1n })
    assertAccepted(await rpc.sendRaw(first.raw), first.hash)
    assert.equal((await waitForReceipt(rpc, first.hash)).status, '0x1')
    assertRejected(await rpc.sendRaw(sign1559(lowSender, { nonce, to: target, value: 2n }).raw), 'nonce too low')
    // The very same, already mined transaction sent again.
    assertRejected(await rpc.sendRaw(first.raw), 'nonce too low')
  })

  it('rejects a nonce beyond the per-sender queue limit and queues one within it', async () => {
    const next = await nonceOf(rpc, gapSender.address)
    // geth's AccountQueue: 64 future nonces past the pending nonce.
    assertRejected(await rpc.sendRaw(sign1559(gapSender, { nonce: next + 65n, to: target }).raw), 'nonce too high')
    const farthest = sign1559(gapSender, { nonce: next + 64n, to: target })
    assertAccepted(await rpc.sendRaw(farthest.raw), farthest.hash)
    const content = await poolContent()
    assert.equal(content.queued[getAddress(gapSender.address)]?.[String(next + 64n)]?.hash, farthest.hash)
    assert.equal(content.pending[getAddress(gapSender.address)], undefined)
    // Resending a transaction the pool holds.
    assertRejected(await rpc.sendRaw(farthest.raw), 'already known')
    // A queued transaction is not mined and does not move the pending nonce.
    assert.equal(await nonceOf(rpc, gapSender.address), next)
  })

  it('replaces a waiting transaction only with a 10% bump of both fee caps', async () => {
    const sender = replaceSender
    const n = await nonceOf(rpc, sender.address)
    // Nonce n+1 waits in the queue behind the gap at n.
    const original = sign1559(sender, { nonce: n + 1n, to: target, value: 1n, maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 2n * GWEI })
    assertAccepted(await rpc.sendRaw(original.raw), original.hash)
    const checksummed = getAddress(sender.address)
    assert.equal((await poolContent()).queued[checksummed]?.[String(n + 1n)]?.hash, original.hash)

    const tooLittleFee = sign1559(sender, { nonce: n + 1n, to: target, value: 2n, maxFeePerGas: 109n * GWEI, maxPriorityFeePerGas: 3n * GWEI })
    assertRejected(await rpc.sendRaw(tooLittleFee.raw), 'replacement transaction underpriced')
    const tooLittleTip = sign1559(sender, { nonce: n + 1n, to: target, value: 2n, maxFeePerGas: 200n * GWEI, maxPriorityFeePerGas: 2_100_000_000n })
    assertRejected(await rpc.sendRaw(tooLittleTip.raw), 'replacement transaction underpriced')
    const sameFees = sign1559(sender, { nonce: n + 1n, to: target, value: 2n, maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 2n * GWEI })
    assertRejected(await rpc.sendRaw(sameFees.raw), 'replacement transaction underpriced')
    assert.equal((await poolContent()).queued[checksummed]?.[String(n + 1n)]?.hash, original.hash)

    // Exactly +10% on both caps is enough.
    const replacement = sign1559(sender, { nonce: n + 1n, to: target, value: 3n, maxFeePerGas: 110n * GWEI, maxPriorityFeePerGas: 2_200_000_000n })
    assertAccepted(await rpc.sendRaw(replacement.raw), replacement.hash)
    const queued = (await poolContent()).queued[checksummed]
    assert.deepEqual(Object.keys(queued ?? {}), [String(n + 1n)])
    assert.equal(queued?.[String(n + 1n)]?.hash, replacement.hash)
    assert.equal(await rpc.call('eth_getTransactionByHash', [original.hash]), null)

    // Filling the gap promotes the replacement; it is mined and the original never is.
    const filler = sign1559(sender, { nonce: n, to: target, value: 4n })
    assertAccepted(await rpc.sendRaw(filler.raw), filler.hash)
    const [fillerReceipt, replacementReceipt] = await waitForReceipts(rpc, [filler.hash, replacement.hash])
    assert.equal(fillerReceipt.status, '0x1')
    assert.equal(replacementReceipt.status, '0x1')
    assert.ok(position(fillerReceipt) < position(replacementReceipt))
    const mined = await rpc.call<{ hash: string; value: string; nonce: string }>('eth_getTransactionByHash', [replacement.hash])
    assert.equal(mined.value, '0x3')
    assert.equal(BigInt(mined.nonce), n + 1n)
    assert.equal(await rpc.call('eth_getTransactionByHash', [original.hash]), null)
    assert.equal(await rpc.call('eth_getTransactionReceipt', [original.hash]), null)
    assert.equal(await nonceOf(rpc, sender.address, 'latest'), n + 2n)
    const after = await poolContent()
    assert.equal(after.queued[checksummed], undefined)
    assert.equal(after.pending[checksummed], undefined)
  })

  it('promotes queued transactions when the gap fills and mines each sender in nonce order', async () => {
    const senders = [orderA, orderB, orderC]
    const starts = await Promise.all(senders.map((sender) => nonceOf(rpc, sender.address)))
    // Nonces n+3, n+2, n+1 first, in that order, later nonces paying more: a pure price
    // order would put them first.
    const future = senders.flatMap((sender, i) =>
      [3n, 2n, 1n].map((offset) => ({ sender, nonce: starts[i] + offset, ...sign1559(sender, { nonce: starts[i] + offset, to: target, value: offset, maxPriorityFeePerGas: (1n + offset) * GWEI }) })),
    )
    const futureReplies = await rpc.batch<string>(future.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
    futureReplies.forEach((reply, i) => assertAccepted(reply, future[i].hash))

    const content = await poolContent()
    for (let i = 0; i < senders.length; i++) {
      const key = getAddress(senders[i].address)
      assert.equal(content.pending[key], undefined, 'nothing is executable behind the gap')
      assert.deepEqual(Object.keys(content.queued[key] ?? {}).sort(), [1n, 2n, 3n].map((offset) => String(starts[i] + offset)).sort())
    }
    const status = await rpc.call<{ pending: string; queued: string }>('txpool_status')
    assert.ok(BigInt(status.queued) >= 9n, `queued ${status.queued}`)
    // Nothing mines while only queued transactions wait (instant sealing, no empty blocks).
    const headBefore = (await latestBlock()).number

    const fillers = senders.map((sender, i) => sign1559(sender, { nonce: starts[i], to: target, maxPriorityFeePerGas: TIP }))
    assert.equal((await latestBlock()).number, headBefore)
    const fillerReplies = await rpc.batch<string>(fillers.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
    fillerReplies.forEach((reply, i) => assertAccepted(reply, fillers[i].hash))

    const all = [...fillers.map((tx, i) => ({ sender: senders[i], nonce: starts[i], hash: tx.hash })), ...future]
    const receipts = await waitForReceipts(rpc, all.map((tx) => tx.hash))
    for (const receipt of receipts) assert.equal(receipt.status, '0x1')
    for (const sender of senders) {
      const mine = all.map((tx, i) => ({ ...tx, receipt: receipts[i] })).filter((tx) => tx.sender === sender)
      mine.sort((a, b) => (a.nonce < b.nonce ? -1 : 1))
      for (let k = 1; k < mine.length; k++) assert.ok(position(mine[k - 1].receipt) < position(mine[k].receipt), `nonce ${mine[k].nonce} of ${sender.address} mined before nonce ${mine[k - 1].nonce}`)
      // The blocks' own transaction lists agree with the receipts.
      for (const tx of mine) {
        const block = await rpc.call<BlockJson>('eth_getBlockByHash', [tx.receipt.blockHash, false])
        assert.equal(block.transactions[Number(tx.receipt.transactionIndex)], tx.hash)
      }
    }
    const content2 = await poolContent()
    for (const sender of senders) {
      assert.equal(content2.pending[getAddress(sender.address)], undefined)
      assert.equal(content2.queued[getAddress(sender.address)], undefined)
    }
  })
})

describe('--rpc.allow-unprotected-txs (geth)', () => {
  let lenient: DevNode

  before(async () => {
    lenient = await startDevNode({ period: 0, extraArgs: ['--rpc.allow-unprotected-txs'] })
  })
  after(async () => {
    await lenient?.stop()
    lenient?.cleanup()
  })

  it('accepts and mines a transaction without replay protection (pre-EIP-155)', async () => {
    const lenientRpc = new Rpc(lenient.rpcUrl)
    const signer = devSigners[6]
    const raw = await wallet(signer).signTransaction({ type: 0, chainId: 0n, nonce: 0, to: getAddress(`0x${'42'.repeat(20)}`), value: 1n, gasLimit: 21_000n, gasPrice: MAX_FEE })
    // No chain id in the signature: v is 27 or 28 (EIP-155 would make it chainId * 2 + 35 or more).
    const parsed = Transaction.from(raw)
    assert.equal(parsed.chainId, 0n)
    assert.ok(parsed.signature?.v === 27 || parsed.signature?.v === 28, `v ${parsed.signature?.v}`)
    const hash = await lenientRpc.call<string>('eth_sendRawTransaction', [raw])
    const receipt = await waitForReceipt(lenientRpc, hash)
    assert.equal(receipt.status, '0x1')
    assert.equal(receipt.from.toLowerCase(), signer.address.toLowerCase())
  })
})
