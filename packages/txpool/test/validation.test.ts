// Every rejection rule of addRaw/add, each with geth's message.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { SECP256K1_ORDER, bytesToHex } from '@ethereumjs/util'
import { createChainCommon, devGenesis } from '@busan/chain-config'
import {
  BASE_FEE,
  ETH,
  GWEI,
  MapState,
  RECIPIENT,
  addressHex,
  common,
  hashOf,
  keys,
  makePool,
  rawSigned1559,
  rawUnprotectedLegacy,
  rejects,
  tx1559,
  tx2930,
  tx7702,
  txLegacy,
} from './helpers.ts'

describe('decoding', () => {
  it('accepts legacy EIP-155, access-list, EIP-1559 and EIP-7702 transactions and recovers the sender', async () => {
    const { pool } = makePool()
    const txs = [txLegacy(0), tx2930(1), tx1559(2), tx7702(3)]
    for (const [i, tx] of txs.entries()) {
      const pooled = await pool.addRaw(tx.serialize())
      assert.equal(pooled.senderHex, addressHex[i])
      assert.equal(pooled.hashHex, hashOf(tx))
      assert.deepEqual(pooled.raw, tx.serialize())
      assert.equal(pooled.nonce, 0n)
      // The recovered sender is cached on the transaction for the VM.
      assert.equal(pooled.tx.getSenderAddress().toString(), addressHex[i])
    }
    assert.deepEqual(pool.status(), { pending: 4, queued: 0 })
  })

  it('rejects malformed RLP', async () => {
    const { pool } = makePool()
    const raw = tx1559(0).serialize()
    await rejects(pool.addRaw(raw.subarray(0, raw.length - 5)), 'rlp', 'rlp: ')
    await rejects(pool.addRaw(Uint8Array.of(0x02, 0xff, 0x00)), 'rlp', 'rlp: ')
    await rejects(pool.addRaw(Uint8Array.of(0x83, 1, 2, 3)), 'rlp', 'rlp: expected input list')
    await rejects(pool.addRaw(new Uint8Array(0)), 'rlp', 'rlp: typed transaction too short')
    await rejects(pool.addRaw(Uint8Array.of(0x02)), 'rlp', 'rlp: typed transaction too short')
    // Right type, wrong shape.
    await rejects(pool.addRaw(Uint8Array.of(0x02, ...RLP.encode([Uint8Array.of(1), Uint8Array.of(2)]))), 'rlp', 'rlp: too few elements for types.DynamicFeeTx')
    // Trailing bytes after the list.
    await rejects(pool.addRaw(Uint8Array.of(...raw, 0x00)), 'rlp', 'rlp: ')
    assert.deepEqual(pool.status(), { pending: 0, queued: 0 })
  })

  it('rejects blob transactions and unknown types', async () => {
    const { pool } = makePool()
    await rejects(pool.addRaw(Uint8Array.of(0x03, ...RLP.encode([Uint8Array.of(1)]))), 'tx-type-not-supported', 'transaction type not supported')
    await rejects(pool.addRaw(Uint8Array.of(0x05, ...RLP.encode([Uint8Array.of(1)]))), 'tx-type-not-supported', 'transaction type not supported')
  })

  it('rejects legacy transactions without replay protection unless allowed', async () => {
    const { pool } = makePool()
    await rejects(pool.addRaw(rawUnprotectedLegacy(0)), 'unprotected', 'only replay-protected (EIP-155) transactions allowed over RPC')
    const { pool: lenient } = makePool({ options: { allowUnprotected: true } })
    const pooled = await lenient.addRaw(rawUnprotectedLegacy(0))
    assert.equal(pooled.senderHex, addressHex[0])
  })

  it('rejects a wrong chain id', async () => {
    const { pool } = makePool()
    const otherCommon = createChainCommon({ ...devGenesis(), config: { ...devGenesis().config, chainId: 1 } })
    const foreign = createFeeMarket1559Tx(
      { chainId: 1n, nonce: 0n, maxPriorityFeePerGas: GWEI, maxFeePerGas: 3n * GWEI, gasLimit: 21_000n, to: RECIPIENT, value: 1n },
      { common: otherCommon, params: {} },
    ).sign(keys[0])
    await rejects(pool.addRaw(foreign.serialize()), 'invalid-chain-id', 'invalid chain id for signer: have 1 want 31337')
    await rejects(pool.add(foreign), 'invalid-chain-id', 'invalid chain id for signer: have 1 want 31337')
    await rejects(pool.addRaw(rawSigned1559(0, { chainId: 5n, tip: GWEI, feeCap: 3n * GWEI })), 'invalid-chain-id', 'invalid chain id for signer: have 5 want 31337')
  })

  it('rejects high-s and otherwise invalid signatures', async () => {
    const { pool } = makePool()
    // Same signature mirrored to high s: valid for secp256k1, refused since Homestead.
    const highS = rawSigned1559(0, { tip: GWEI, feeCap: 3n * GWEI }, ({ yParity, r, s }) => ({ yParity: yParity ^ 1n, r, s: SECP256K1_ORDER - s }))
    await rejects(pool.addRaw(highS), 'invalid-sender', 'invalid sender')
    const zeroR = rawSigned1559(0, { tip: GWEI, feeCap: 3n * GWEI }, ({ yParity, s }) => ({ yParity, r: 0n, s }))
    await rejects(pool.addRaw(zeroR), 'invalid-sender', 'invalid sender')
    const badParity = rawSigned1559(0, { tip: GWEI, feeCap: 3n * GWEI }, ({ r, s }) => ({ yParity: 2n, r, s }))
    await rejects(pool.addRaw(badParity), 'invalid-sender', 'invalid sender')
    // r not on the curve: recovery fails.
    const offCurve = rawSigned1559(0, { tip: GWEI, feeCap: 3n * GWEI }, ({ yParity, s }) => ({ yParity, r: SECP256K1_ORDER - 1n, s }))
    await rejects(pool.addRaw(offCurve), 'invalid-sender', 'invalid sender')
    assert.deepEqual(pool.status(), { pending: 0, queued: 0 })
  })

  it('attributes a tampered but valid signature to another sender', async () => {
    const { pool, state } = makePool({ state: new MapState() })
    // Recovering with the other parity yields some unrelated, unfunded address.
    const flipped = rawSigned1559(0, { tip: GWEI, feeCap: 3n * GWEI }, ({ yParity, r, s }) => ({ yParity: yParity ^ 1n, r, s }))
    state.set(0, { balance: ETH })
    await rejects(pool.addRaw(flipped), 'insufficient-funds', 'insufficient funds for gas * price + value: balance 0')
  })

  it('rejects unsigned transaction objects', async () => {
    const { pool } = makePool()
    const unsigned = createFeeMarket1559Tx({ chainId: 31337n, nonce: 0n, maxPriorityFeePerGas: GWEI, maxFeePerGas: 3n * GWEI, gasLimit: 21_000n, to: RECIPIENT }, { common, params: {} })
    await rejects(pool.add(unsigned), 'invalid-sender', 'invalid sender')
  })

  it('rejects oversized transactions', async () => {
    const { pool } = makePool({ options: { maxTxSize: 1024 } })
    const big = tx1559(0, { data: new Uint8Array(2000).fill(1), gasLimit: 200_000n })
    await rejects(pool.addRaw(big.serialize()), 'oversized-data', 'oversized data: transaction size')
    await rejects(pool.add(big), 'oversized-data', 'oversized data')
    const { pool: defaults } = makePool()
    const huge = tx1559(0, { data: new Uint8Array(129 * 1024).fill(1), gasLimit: 16_000_000n })
    await rejects(defaults.addRaw(huge.serialize()), 'oversized-data', `oversized data: transaction size ${huge.serialize().length}, limit 131072`)
  })
})

describe('stateless rules', () => {
  it('rejects a gas limit above the block gas limit', async () => {
    const { pool } = makePool({ head: { gasLimit: 1_000_000n } })
    await rejects(pool.addRaw(tx1559(0, { gasLimit: 1_000_001n }).serialize()), 'gas-limit', 'exceeds block gas limit')
    await pool.addRaw(tx1559(0, { gasLimit: 1_000_000n }).serialize())
  })

  it('rejects a gas limit above EIP-7825\'s per-transaction cap of 2^24 (the dev chain runs Osaka)', async () => {
    const { pool } = makePool({ head: { gasLimit: 60_000_000n } })
    // Signed by hand: EthereumJS itself refuses to build it under Osaka's rules.
    const over = rawSigned1559(0, { tip: GWEI, feeCap: 3n * GWEI, gasLimit: 2n ** 24n + 1n })
    await rejects(pool.addRaw(over), 'gas-limit-too-high', `transaction gas limit too high (cap: ${2n ** 24n}, tx: ${2n ** 24n + 1n})`)
    await pool.addRaw(tx1559(0, { gasLimit: 2n ** 24n }).serialize())
  })

  it('rejects gas below intrinsic gas', async () => {
    const { pool } = makePool()
    await rejects(pool.addRaw(tx1559(0, { gasLimit: 20_999n }).serialize()), 'intrinsic-gas', 'intrinsic gas too low: gas 20999, minimum needed 21000')
    // 100 non-zero calldata bytes: 21000 + 16 * 100.
    await rejects(pool.addRaw(tx1559(0, { gasLimit: 22_000n, data: new Uint8Array(100).fill(7) }).serialize()), 'intrinsic-gas', 'intrinsic gas too low: gas 22000, minimum needed 22600')
  })

  it('rejects gas below the EIP-7623 calldata floor', async () => {
    const { pool } = makePool()
    // 1000 non-zero bytes: intrinsic 37000, floor 21000 + 10 * 4 * 1000 = 61000.
    const data = new Uint8Array(1000).fill(7)
    await rejects(pool.addRaw(tx1559(0, { gasLimit: 40_000n, data }).serialize()), 'floor-data-gas', 'insufficient gas for floor data gas cost: gas 40000, minimum needed 61000')
    await pool.addRaw(tx1559(0, { gasLimit: 61_000n, data }).serialize())
  })

  it('rejects a tip above the fee cap', async () => {
    const { pool } = makePool()
    await rejects(pool.addRaw(rawSigned1559(0, { tip: 3n * GWEI, feeCap: 2n * GWEI })), 'tip-above-fee-cap', 'max priority fee per gas higher than max fee per gas')
  })

  it('rejects a tip below minTip', async () => {
    const { pool } = makePool()
    assert.equal(pool.options.minTip, 1n)
    await rejects(pool.addRaw(tx1559(0, { tip: 0n, feeCap: 2n * GWEI }).serialize()), 'min-tip', 'transaction underpriced: gas tip cap 0, minimum needed 1')
    const { pool: strict } = makePool({ options: { minTip: GWEI } })
    await rejects(strict.addRaw(tx1559(0, { tip: GWEI - 1n }).serialize()), 'min-tip', `transaction underpriced: gas tip cap ${GWEI - 1n}, minimum needed ${GWEI}`)
    // Legacy: the gas price is the tip cap.
    await rejects(strict.addRaw(txLegacy(0, { gasPrice: GWEI - 1n }).serialize()), 'min-tip', 'transaction underpriced: gas tip cap')
    await strict.addRaw(tx1559(0, { tip: GWEI }).serialize())
  })

  it('rejects a fee cap below the next block base fee', async () => {
    const { pool } = makePool()
    await rejects(pool.addRaw(tx1559(0, { tip: 1n, feeCap: BASE_FEE - 1n }).serialize()), 'fee-cap-below-base-fee', `max fee per gas less than block base fee: maxFeePerGas ${BASE_FEE - 1n}, baseFee ${BASE_FEE}`)
    await rejects(pool.addRaw(txLegacy(0, { gasPrice: BASE_FEE - 1n }).serialize()), 'fee-cap-below-base-fee', 'max fee per gas less than block base fee')
    await pool.addRaw(tx1559(0, { tip: 1n, feeCap: BASE_FEE }).serialize())
  })

  it('rejects a set-code transaction without authorizations', async () => {
    const { pool } = makePool()
    await rejects(pool.addRaw(rawSigned1559(0, { tip: GWEI, feeCap: 3n * GWEI, gasLimit: 100_000n, authorizationList: [] })), 'empty-authorization-list', 'set code tx must have at least one authorization tuple')
  })
})

describe('state rules', () => {
  it('rejects a nonce below the account nonce', async () => {
    const { pool, state } = makePool()
    state.set(0, { nonce: 5n })
    await rejects(pool.addRaw(tx1559(0, { nonce: 3n }).serialize()), 'nonce-too-low', 'nonce too low: next nonce 5, tx nonce 3')
    await pool.addRaw(tx1559(0, { nonce: 5n }).serialize())
  })

  it('rejects a nonce more than maxQueuedPerSender above the pending nonce', async () => {
    const { pool } = makePool()
    await rejects(pool.addRaw(tx1559(0, { nonce: 65n }).serialize()), 'nonce-too-high', 'nonce too high: next nonce 0, tx nonce 65')
    await pool.addRaw(tx1559(0, { nonce: 64n }).serialize())
    // The bound moves with the pending nonce.
    await pool.addRaw(tx1559(1, { nonce: 0n }).serialize())
    await pool.addRaw(tx1559(1, { nonce: 65n }).serialize())
    assert.deepEqual(pool.status(), { pending: 1, queued: 2 })
  })

  it('rejects a transaction costing more than the balance', async () => {
    const state = new MapState().set(0, { balance: 21_000n * 3n * GWEI })
    const { pool } = makePool({ state })
    const cost = 21_000n * 3n * GWEI + 1n
    await rejects(pool.addRaw(tx1559(0, { tip: GWEI, feeCap: 3n * GWEI, value: 1n }).serialize()), 'insufficient-funds', `insufficient funds for gas * price + value: balance ${cost - 1n}, tx cost ${cost}, overshot 1`)
    // A missing account has nothing.
    await rejects(pool.addRaw(tx1559(1).serialize()), 'insufficient-funds', 'insufficient funds for gas * price + value: balance 0')
  })

  it('counts the cost of the sender\'s other pooled transactions', async () => {
    const cost = 21_000n * 3n * GWEI + 1n
    const state = new MapState().set(0, { balance: 2n * cost + cost / 2n })
    const { pool } = makePool({ state })
    const fields = { tip: GWEI, feeCap: 3n * GWEI, value: 1n }
    await pool.addRaw(tx1559(0, { ...fields, nonce: 0n }).serialize())
    await pool.addRaw(tx1559(0, { ...fields, nonce: 1n }).serialize())
    await rejects(pool.addRaw(tx1559(0, { ...fields, nonce: 2n }).serialize()), 'insufficient-funds', `insufficient funds for gas * price + value: balance ${2n * cost + cost / 2n}, queued cost ${2n * cost}, tx cost ${cost}, overshot`)
    // A replacement is charged only its increase.
    const bumped = tx1559(0, { nonce: 1n, tip: 2n * GWEI, feeCap: 6n * GWEI, value: 1n })
    await rejects(pool.addRaw(bumped.serialize()), 'insufficient-funds', 'insufficient funds for gas * price + value: balance')
    await assert.rejects(pool.addRaw(bumped.serialize()), /queued cost .* tx bumped .* overshot/)
    assert.deepEqual(pool.status(), { pending: 2, queued: 0 })
  })

  it('rejects a transaction already in the pool', async () => {
    const { pool } = makePool()
    const tx = tx1559(0)
    await pool.addRaw(tx.serialize())
    await rejects(pool.addRaw(tx.serialize()), 'already-known', 'already known')
    await rejects(pool.add(tx), 'already-known', 'already known')
    // Concurrent duplicates: exactly one gets in.
    const other = tx1559(1)
    const results = await Promise.allSettled([pool.addRaw(other.serialize()), pool.addRaw(other.serialize())])
    assert.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected'])
    assert.equal(pool.status().pending, 2)
  })
})

describe('errors', () => {
  it('carry the JSON-RPC code and a stable reason, and are counted by reason', async () => {
    const { pool, registry } = makePool()
    const tx = tx1559(0)
    await pool.addRaw(tx.serialize())
    await assert.rejects(pool.addRaw(tx.serialize()), { name: 'TxPoolError', code: -32000, reason: 'already-known', message: 'already known' })
    await assert.rejects(pool.addRaw(tx1559(0, { gasLimit: 1n }).serialize()), { reason: 'intrinsic-gas' })
    const rejected = await registry!.getSingleMetric('txpool_rejected_total')!.get()
    const byReason = Object.fromEntries(rejected.values.map((value) => [value.labels.reason, value.value]))
    assert.deepEqual(byReason, { 'already-known': 1, 'intrinsic-gas': 1 })
    const added = await registry!.getSingleMetric('txpool_added_total')!.get()
    assert.equal(added.values[0].value, 1)
  })

  it('does not keep the caller\'s buffer', async () => {
    const { pool } = makePool()
    const raw = tx1559(0).serialize()
    const pooled = await pool.addRaw(raw)
    const expected = bytesToHex(raw)
    raw.fill(0)
    assert.equal(bytesToHex(pooled.raw), expected)
    assert.equal(pooled.tx.to?.toString(), RECIPIENT)
  })
})

