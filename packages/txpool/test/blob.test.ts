// Blob transactions at the pool's door: the network form split from its canonical form, the
// sidecar check handed to the BlobVerifier seam (the node's runs EthereumJS's KZG check on a
// worker; here one that records what it was asked and answers as told), and what the pool
// keeps. The KZG check itself is tested over a real node (test/e2e/rpc-testing.test.ts).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { createBlob4844Tx } from '@ethereumjs/tx'
import { bytesToHex, concatBytes } from '@ethereumjs/util'
import { BASE_FEE, GWEI, RECIPIENT, addressHex, common, keys, makePool } from './helpers.ts'
import type { TxPoolError } from '../src/index.ts'

/** A signed blob transaction of sender 0 and its network form with a made-up sidecar (EIP-7594 layout: version 1, 128 cell proofs). */
function blobTransaction(nonce = 0n) {
  const tx = createBlob4844Tx(
    { chainId: common.chainId(), nonce, gasLimit: 30_000n, to: RECIPIENT, maxFeePerGas: 2n * BASE_FEE, maxPriorityFeePerGas: GWEI, maxFeePerBlobGas: GWEI, blobVersionedHashes: [`0x01${'ab'.repeat(31)}`] },
    { common },
  ).sign(keys[0])
  const sidecar = [Uint8Array.of(1), [new Uint8Array(131_072).fill(7)], [new Uint8Array(48).fill(8)], Array.from({ length: 128 }, () => new Uint8Array(48).fill(9))]
  const body = tx.raw()
  const network = concatBytes(Uint8Array.of(3), RLP.encode([body, ...sidecar]))
  return { tx, network }
}

function poolWith(verdict: (networkRaw: Uint8Array) => Promise<void>) {
  const asked: Uint8Array[] = []
  const { pool } = makePool({ registry: null, blobVerifier: { verify: (networkRaw) => (asked.push(networkRaw), verdict(networkRaw)) } })
  return { pool, asked }
}

describe('blob transactions', () => {
  it('are pooled from their network form under the canonical hash, the network form kept for the journal', async () => {
    const { tx, network } = blobTransaction()
    const { pool, asked } = poolWith(async () => {})
    const pooled = await pool.addRaw(network)
    assert.equal(pooled.hashHex, bytesToHex(tx.hash()))
    assert.deepEqual(pooled.raw, tx.serialize())
    assert.deepEqual(pooled.networkRaw, network)
    assert.equal(pooled.senderHex, addressHex[0])
    assert.deepEqual(asked, [network], 'the sidecar was checked once')
    assert.deepEqual(pool.status(), { pending: 1, queued: 0 })
  })

  it("are refused with geth's words: without a sidecar, with one the verifier refuses, too large, or when the chain takes none", async () => {
    const { tx, network } = blobTransaction()
    const refusing = poolWith(async () => {
      throw new Error('KZG proof cannot be verified from blobs/commitments')
    })
    await assert.rejects(refusing.pool.addRaw(tx.serialize()), (error: TxPoolError) => error.reason === 'missing-sidecar' && error.message === 'missing sidecar in blob transaction')
    await assert.rejects(refusing.pool.addRaw(network), (error: TxPoolError) => error.reason === 'invalid-blob-sidecar' && error.message === 'invalid blob sidecar: KZG proof cannot be verified from blobs/commitments')
    assert.deepEqual(refusing.pool.status(), { pending: 0, queued: 0 })

    const { pool: small } = makePool({ registry: null, options: { maxBlobTxSize: 100_000 }, blobVerifier: { verify: async () => {} } })
    await assert.rejects(small.addRaw(network), (error: TxPoolError) => error.reason === 'oversized-data')

    const { pool: none } = makePool({ registry: null })
    await assert.rejects(none.addRaw(network), (error: TxPoolError) => error.message === 'transaction type not supported: blob transactions are not accepted')
  })

  it('pass on a verifier that is busy as it is, not as a bad sidecar', async () => {
    const { network } = blobTransaction()
    const busy = Object.assign(new Error('server busy'), { code: -32005 })
    const { pool } = poolWith(async () => {
      throw busy
    })
    await assert.rejects(pool.addRaw(network), (error) => error === busy)
  })
})
