// The decoding shortcuts stay invisible to users of pooled transactions.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTxFromRLP, paramsTx } from '@ethereumjs/tx'
import { bytesToHex } from '@ethereumjs/util'
import { sharedTxCommon } from '../src/decode.ts'
import { addressHex, common, makePool, tx1559, tx2930, tx7702, txLegacy } from './helpers.ts'

describe('decoded transactions', () => {
  it('behave like EthereumJS-decoded ones', async () => {
    const { pool } = makePool()
    for (const [i, tx] of [txLegacy(0), tx2930(1), tx1559(2, { data: Uint8Array.of(0, 1, 2), gasLimit: 30_000n }), tx7702(3)].entries()) {
      const pooled = await pool.addRaw(tx.serialize())
      const reference = createTxFromRLP(tx.serialize(), { common })
      assert.deepEqual(pooled.tx.toJSON(), reference.toJSON())
      assert.equal(pooled.tx.getIntrinsicGas(), reference.getIntrinsicGas())
      assert.equal(pooled.tx.getUpfrontCost(), reference.getUpfrontCost())
      assert.equal(bytesToHex(pooled.tx.hash()), bytesToHex(reference.hash()))
      assert.equal(pooled.tx.getSenderAddress().toString(), addressHex[i])
      assert.equal(pooled.tx.verifySignature(), true)
      assert.equal(pooled.tx.common.chainId(), common.chainId())
      assert.equal(pooled.tx.common.hardfork(), common.hardfork())
    }
  })

  it('share one Common without changing the chain\'s Common', () => {
    const before = common.param('txGas')
    const factory = sharedTxCommon(common)
    const shared = factory.copy()
    assert.equal(factory.copy(), shared, 'every transaction gets the same copy')
    assert.notEqual(shared, common)
    // Empty parameter tables are skipped (the chain's Common does); real ones apply, to the copy only.
    shared.updateParams({})
    assert.equal(shared.param('txGas'), before)
    shared.updateParams({ 1: { txGas: 12_345 } } as typeof paramsTx)
    assert.equal(shared.param('txGas'), 12_345n)
    assert.equal(common.param('txGas'), before)
    // A copy of the shared Common is a separate Common again.
    const detached = shared.copy()
    assert.notEqual(detached, shared)
  })
})
