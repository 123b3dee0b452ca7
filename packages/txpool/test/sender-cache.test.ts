// Senders recovered ahead (sender-cache.ts): what the recovery thread computes matches ethers'
// own recovery, and a pool given those keys admits with them. The thread itself is exercised
// through a real node (test/e2e/txpool-batches.test.ts).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SigningKey, Transaction, Wallet } from 'ethers'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { createDecodeContext } from '../src/decode.ts'
import { recoverSenders, SenderCache } from '../src/sender-cache.ts'
import { CHAIN_ID, RECIPIENT, common, keys, makePool } from './helpers.ts'

const GWEI = 1_000_000_000n
const permissive = createDecodeContext(common, { maxTxSize: Number.MAX_SAFE_INTEGER, allowUnprotected: true })

async function signed(key: Uint8Array, fields: { nonce: number; chainId?: bigint; type?: number }): Promise<string> {
  const type = fields.type ?? 2
  const fees = type === 2 ? { maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: GWEI } : { gasPrice: 3n * GWEI }
  return new Wallet(bytesToHex(key)).signTransaction({ type, chainId: fields.chainId ?? CHAIN_ID, nonce: fields.nonce, to: RECIPIENT, value: 1n, gasLimit: 21_000n, ...fees })
}

/** ethers' public key for `key`: 64 bytes, without the 0x04 prefix. */
const publicKeyOf = (key: Uint8Array) => SigningKey.computePublicKey(bytesToHex(key), false).slice(4)

describe('recoverSenders', () => {
  it('gives each transaction its hash and signer, as ethers recovers them, and leaves out what addRaw would refuse before recovery', async () => {
    const good = [await signed(keys[1], { nonce: 0 }), await signed(keys[2], { nonce: 5, type: 1 }), await signed(keys[3], { nonce: 7, type: 0 })]
    const unprotected = await signed(keys[4], { nonce: 0, type: 0, chainId: 0n })
    const otherChain = await signed(keys[1], { nonce: 1, chainId: CHAIN_ID + 1n })
    const raws = [good[0], '0x02c0', otherChain, good[1], unprotected, good[2], '0x03c0'].map((raw) => hexToBytes(raw as `0x${string}`))
    const recovered = recoverSenders(raws, permissive)
    const expected = [
      [good[0], keys[1]],
      [good[1], keys[2]],
      [unprotected, keys[4]],
      [good[2], keys[3]],
    ] as const
    assert.deepEqual(
      recovered.map(([hash, publicKey]) => [hash, bytesToHex(publicKey).slice(2)]),
      expected.map(([raw, key]) => [Transaction.from(raw).hash, publicKeyOf(key)]),
    )
  })
})

describe('SenderCache', () => {
  it('hands each key out once and evicts the oldest past its capacity', () => {
    const cache = new SenderCache(2)
    const key = (n: number) => Uint8Array.of(n)
    cache.add([['0xa', key(1)], ['0xb', key(2)]])
    assert.deepEqual(cache.take('0xa'), key(1))
    assert.equal(cache.take('0xa'), undefined, 'taken once')
    cache.add([['0xc', key(3)], ['0xd', key(4)]])
    assert.equal(cache.take('0xb'), undefined, 'the oldest went first')
    assert.deepEqual(cache.take('0xc'), key(3))
    assert.deepEqual(cache.take('0xd'), key(4))
  })
})

describe('a pool with a sender recovery', () => {
  it('admits a batch with the senders recovered ahead, counts them, and recovers the rest itself', async () => {
    // The seam is the thread: here the same function runs in process.
    const { pool, registry } = makePool({ senderRecovery: async (raws) => recoverSenders(raws, permissive) })
    const batch = [await signed(keys[1], { nonce: 0 }), await signed(keys[2], { nonce: 0 }), await signed(keys[1], { nonce: 1 })]
    await pool.cacheSenders(batch.map((raw) => hexToBytes(raw as `0x${string}`)))
    const late = await signed(keys[3], { nonce: 0 })
    for (const raw of [...batch, late]) {
      const pooled = await pool.addRaw(hexToBytes(raw as `0x${string}`))
      assert.equal(bytesToHex(pooled.sender), Transaction.from(raw).from!.toLowerCase())
      assert.equal(pooled.tx.getSenderAddress().toString(), Transaction.from(raw).from!.toLowerCase())
    }
    const counter = await registry!.getSingleMetric('txpool_senders_recovered_ahead_total')!.get()
    assert.equal(counter.values[0].value, batch.length, 'the late one was recovered at admission')
  })
})
