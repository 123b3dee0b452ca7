// State and block overrides on eth_call, eth_estimateGas, eth_createAccessList and
// debug_traceCall (geth's internal/ethapi/override), on a real dev node. Each call runs
// hand-assembled EVM code whose answer is what was overridden (a storage word, a balance, a
// CREATE address from the nonce, the block fields), so the expected values are the override
// inputs themselves; the storage cases are also asked of anvil, a second implementation.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { startAnvilProcess, startDevNode, type AnvilProcess, type DevNode } from '@busan/testkit'
import { Rpc, devSigners, sign1559, waitForReceipt } from './fixtures-pool/rpc.ts'

/** Stores the top of the stack at memory 0 and returns that word. */
const RETURN_WORD = '600052602060' + '00f3'
/** Returns SLOAD(0) and SLOAD(1) as two words. */
const TWO_SLOTS = '600054600052' + '600154602052' + '60406000f3'
/** SSTORE(0, 42), SSTORE(1, 7), then deploys TWO_SLOTS (17 bytes, copied from offset 22). */
const STORAGE_INIT = `0x602a600055600760015560116016600039601160` + `00f3${TWO_SLOTS}`
/** CREATE of an empty contract; returns the new address as a word. */
const CREATE_EMPTY = '600060006000f0' + RETURN_WORD
/** NUMBER, TIMESTAMP, COINBASE, BASEFEE, PREVRANDAO, GASLIMIT as six words. */
const BLOCK_FIELDS = ['43', '42', '41', '48', '44', '45'].map((op, i) => `${op}60${(i * 32).toString(16).padStart(2, '0')}52`).join('') + '60c06000f3'

const X = '0x00000000000000000000000000000000000c0ffe'
const Y = '0x000000000000000000000000000000000000beef'
const word = (n: bigint | number) => ethers.zeroPadValue(ethers.toBeHex(n), 32)
const slot = (n: number) => word(n)

let node: DevNode
let anvil: AnvilProcess
let ours: Rpc
let theirs: Rpc
/** The storage contract, at the same address on both (same key, same nonce). */
let store: string

before(async () => {
  ;[node, anvil] = await Promise.all([startDevNode({ period: 0 }), startAnvilProcess()])
  ours = new Rpc(node.rpcUrl)
  theirs = new Rpc(anvil.url)
  const deployer = devSigners[5]
  const deploy = sign1559(deployer, { nonce: 0n, data: STORAGE_INIT, gasLimit: 200_000n })
  for (const rpc of [ours, theirs]) {
    assert.equal((await rpc.sendRaw(deploy.raw)).result, deploy.hash)
    const receipt = await waitForReceipt(rpc, deploy.hash)
    store = receipt.contractAddress!
  }
  assert.equal(store, ethers.getCreateAddress({ from: deployer.address, nonce: 0 }).toLowerCase())
})

after(async () => {
  await node?.stop()
  node?.cleanup()
  await anvil?.stop()
})

/** eth_call on both nodes; asserts they agree and returns the answer. */
async function callBoth(params: unknown[]): Promise<string> {
  const [a, b] = await Promise.all([ours.call<string>('eth_call', params), theirs.call<string>('eth_call', params)])
  assert.equal(a, b, `anvil disagrees on ${JSON.stringify(params)}`)
  return a
}

describe('state overrides', () => {
  it('state replaces an account\'s storage, stateDiff patches it, and neither outlives the call', async () => {
    assert.equal(await callBoth([{ to: store }, 'latest', { [store]: { state: { [slot(1)]: word(9) } } }]), word(0) + word(9).slice(2))
    assert.equal(await callBoth([{ to: store }, 'latest', { [store]: { stateDiff: { [slot(1)]: word(9) } } }]), word(42) + word(9).slice(2))
    assert.equal(await callBoth([{ to: store }, 'latest']), word(42) + word(7).slice(2))
  })

  it('code, balance and nonce of any account', async () => {
    // Code and storage on an empty address.
    assert.equal(await callBoth([{ to: Y }, 'latest', { [Y]: { code: `0x${TWO_SLOTS}`, state: { [slot(0)]: word(5) } } }]), word(5) + word(0).slice(2))
    // BALANCE(X) of an account that has none.
    const balanceOfX = `0x73${X.slice(2)}31${RETURN_WORD}`
    assert.equal(await callBoth([{ data: balanceOfX }, 'latest', { [X]: { balance: '0x1234' } }]), word(0x1234))
    // CREATE from X takes X's nonce (EIP-161: a contract's nonce starts at 1; here 5).
    const created = await callBoth([{ to: X }, 'latest', { [X]: { code: `0x${CREATE_EMPTY}`, nonce: '0x5' } }])
    assert.equal(created, ethers.zeroPadValue(ethers.getCreateAddress({ from: X, nonce: 5 }).toLowerCase(), 32))
  })

  it('movePrecompileToAddress: ecrecover answers at its new address and no longer at 0x01', async () => {
    const digest = ethers.id('busan')
    const signature = new ethers.SigningKey(ethers.hexlify(devSigners[1].key)).sign(digest)
    const input = ethers.concat([digest, word(signature.v), signature.r, signature.s])
    const moved = { '0x0000000000000000000000000000000000000001': { movePrecompileToAddress: X } }
    assert.equal(await ours.call('eth_call', [{ to: X, data: input }, 'latest', moved]), ethers.zeroPadValue(devSigners[1].address, 32))
    assert.equal(await ours.call('eth_call', [{ to: '0x0000000000000000000000000000000000000001', data: input }, 'latest', moved]), '0x')
    // Without the override, 0x01 is ecrecover again.
    assert.equal(await ours.call('eth_call', [{ to: '0x0000000000000000000000000000000000000001', data: input }, 'latest']), ethers.zeroPadValue(devSigners[1].address, 32))
  })

  it('eth_estimateGas and eth_createAccessList see the overridden state', async () => {
    const poor = '0x00000000000000000000000000000000000a11ce'
    const transfer = { from: poor, to: X, value: ethers.toQuantity(ethers.parseEther('1')), maxFeePerGas: ethers.toQuantity(ethers.parseUnits('10', 'gwei')) }
    const refused = await ours.reply('eth_estimateGas', [transfer, 'latest'])
    assert.equal(refused.error?.code, -32000)
    assert.equal(await ours.call('eth_estimateGas', [transfer, 'latest', { [poor]: { balance: ethers.toQuantity(ethers.parseEther('2')) } }]), '0x5208')
    const list = await ours.call<{ accessList: { address: string; storageKeys: string[] }[] }>('eth_createAccessList', [{ from: poor, to: Y }, 'latest', { [Y]: { code: `0x${TWO_SLOTS}` } }])
    assert.deepEqual(list.accessList, [{ address: Y, storageKeys: [slot(0), slot(1)] }])
  })

  it('debug_traceCall takes them in its config, as geth', async () => {
    const trace = await ours.call<{ output: string; to: string }>('debug_traceCall', [{ to: Y }, 'latest', { tracer: 'callTracer', stateOverrides: { [Y]: { code: `0x${TWO_SLOTS}`, stateDiff: { [slot(1)]: word(3) } } } }])
    assert.equal(trace.output, word(0) + word(3).slice(2))
  })

  it('refuses what geth refuses, with its messages', async () => {
    const both = await ours.reply('eth_call', [{ to: store }, 'latest', { [store]: { state: {}, stateDiff: {} } }])
    assert.deepEqual(both.error, { code: -32000, message: `account ${ethers.getAddress(store)} has both 'state' and 'stateDiff'` })
    const notPrecompile = await ours.reply('eth_call', [{ to: X }, 'latest', { [Y]: { movePrecompileToAddress: X } }])
    assert.deepEqual(notPrecompile.error, { code: -32000, message: `account ${ethers.getAddress(Y)} is not a precompile` })
    const ontoOverridden = await ours.reply('eth_call', [{ to: X }, 'latest', { '0x0000000000000000000000000000000000000002': { movePrecompileToAddress: X }, [X]: { balance: '0x1' } }])
    assert.deepEqual(ontoOverridden.error, { code: -32000, message: `account ${ethers.getAddress(X)} is already overridden` })
    const shortKey = await ours.reply('eth_call', [{ to: store }, 'latest', { [store]: { state: { '0x01': word(1) } } }])
    assert.equal(shortKey.error?.code, -32602)
    const beacon = await ours.reply('eth_call', [{ to: store }, 'latest', {}, { beaconRoot: slot(1) }])
    assert.deepEqual(beacon.error, { code: -32000, message: 'block override "beaconRoot" is not supported for this RPC method' })
    // A halt in overridden code is named from that code (geth: the undefined opcode's byte).
    const halt = await ours.reply('eth_call', [{ to: Y }, 'latest', { [Y]: { code: '0x600c0c' } }])
    assert.deepEqual(halt.error, { code: -32000, message: 'invalid opcode: opcode 0xc not defined' })
    // The node still answers.
    assert.equal(await ours.call('eth_chainId'), '0x7a69')
  })
})

describe('block overrides', () => {
  it('number, time, fee recipient, difficulty, gas limit and (for a priced call) the base fee', async () => {
    // 0x44 is DIFFICULTY on this proof-of-authority chain (no merge): the difficulty override is
    // what it reads; prevRandao is taken (it sets the mix hash) but only a post-merge chain reads it.
    const fields = { number: '0x1234', time: '0x65000000', feeRecipient: X, difficulty: '0x4d', prevRandao: slot(99), gasLimit: '0x2faf080', baseFeePerGas: '0x7' }
    const caller = devSigners[2].address
    const answer = await ours.call<string>('eth_call', [{ from: caller, data: `0x${BLOCK_FIELDS}`, maxFeePerGas: '0x3b9aca00', maxPriorityFeePerGas: '0x0' }, 'latest', {}, fields])
    const words = ethers.dataSlice(answer, 0, 192).slice(2).match(/.{64}/g)!.map((w) => BigInt(`0x${w}`))
    assert.deepEqual(words, [0x1234n, 0x65000000n, BigInt(X), 7n, 77n, 0x2faf080n])
    // An unpriced call runs with base fee 0 whatever the override says (geth's NoBaseFee).
    const unpriced = await ours.call<string>('eth_call', [{ data: `0x${BLOCK_FIELDS}` }, 'latest', null, fields])
    assert.equal(BigInt(ethers.dataSlice(unpriced, 96, 128)), 0n)
  })
})
