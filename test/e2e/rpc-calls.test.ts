// End to end: reverts (custom errors, require, panics, mined failures), eth_estimateGas
// (including the 63/64 rule), eth_createAccessList, and the fee methods, on a real node.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { artifact, deploy } from './helpers/artifacts.ts'
import { mined, rpcError, sendRawAndWait, signed, startE2ENode, type E2ENode } from './helpers/node.ts'

const GWEI = 10n ** 9n

let e: E2ENode
let reverter: ethers.Contract
let store: ethers.Contract
let sink: ethers.Contract
let forwarder: ethers.Contract
let caller: ethers.Wallet
let R: string
let S: string
let F: string

before(async () => {
  e = await startE2ENode()
  caller = e.wallets[1]
})

after(async () => {
  await e?.stop()
})

/** The error ethers throws from `fn`. */
async function thrown(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an error')
}

describe('fee methods on a fresh chain', () => {
  it('eth_maxPriorityFeePerGas is the default tip before any transaction; eth_gasPrice adds the base fee', async () => {
    const tip = await e.rpc('eth_maxPriorityFeePerGas')
    assert.equal(BigInt(tip), 1n * GWEI)
    const latest = await e.rpc('eth_getBlockByNumber', ['latest', false])
    assert.equal(BigInt(await e.rpc('eth_gasPrice')), BigInt(tip) + BigInt(latest.baseFeePerGas))
    const fees = await e.provider.getFeeData()
    assert.equal(fees.maxPriorityFeePerGas, 1n * GWEI)
    assert.equal(fees.gasPrice, BigInt(tip) + BigInt(latest.baseFeePerGas))
  })

  it('deploys the fixtures', async () => {
    reverter = (await deploy('Reverter', caller)).contract
    store = (await deploy('Store', caller, [1n])).contract
    sink = (await deploy('GasSink', caller, [], { file: 'GasUser' })).contract
    forwarder = (await deploy('GasForwarder', caller, [], { file: 'GasUser' })).contract
    R = String(reverter.target)
    S = String(store.target)
    F = String(forwarder.target)
  })
})

describe('reverts', () => {
  it('a custom error: code 3 with the error data; ethers decodes name and arguments', async () => {
    const data = reverter.interface.encodeFunctionData('customError', [7n])
    const err = await rpcError(() => e.rpc('eth_call', [{ from: caller.address, to: R, data }, 'latest']))
    assert.equal(err.code, 3)
    assert.equal(err.message, 'execution reverted')
    assert.equal(err.data, reverter.interface.encodeErrorResult('Unauthorized', [caller.address, 7n]))
    const decoded = await thrown(() => reverter.customError.staticCall(7n))
    assert.equal(decoded.code, 'CALL_EXCEPTION')
    assert.equal(decoded.revert?.name, 'Unauthorized')
    assert.deepEqual([...decoded.revert.args], [caller.address, 7n])
    const empty = await thrown(() => reverter.noArgsError.staticCall())
    assert.equal(empty.revert?.name, 'Empty')
    assert.equal(empty.data, reverter.interface.getError('Empty')!.selector)
  })

  it('require(reason): "execution reverted: reason" with Error(string) data', async () => {
    const data = reverter.interface.encodeFunctionData('requireReason', [5n])
    const err = await rpcError(() => e.rpc('eth_call', [{ to: R, data }]))
    assert.equal(err.code, 3)
    assert.equal(err.message, 'execution reverted: x too small')
    assert.equal(err.data, ethers.id('Error(string)').slice(0, 10) + ethers.AbiCoder.defaultAbiCoder().encode(['string'], ['x too small']).slice(2))
    const decoded = await thrown(() => reverter.requireReason.staticCall(5n))
    assert.equal(decoded.reason, 'x too small')
    assert.equal(decoded.revert?.name, 'Error')
    assert.equal(await reverter.requireReason.staticCall(11n), 11n)
  })

  it('panics: division by zero and assert are decoded', async () => {
    const address = R
    const div = await rpcError(() => e.rpc('eth_call', [{ to: address, data: reverter.interface.encodeFunctionData('divide', [1n, 0n]) }]))
    assert.equal(div.code, 3)
    assert.equal(div.message, 'execution reverted: division or modulo by zero')
    assert.equal(div.data, '0x4e487b71' + ethers.toBeHex(0x12, 32).slice(2))
    const assertion = await rpcError(() => e.rpc('eth_call', [{ to: address, data: reverter.interface.encodeFunctionData('assertFalse', [1n]) }]))
    assert.equal(assertion.message, 'execution reverted: assert(false)')
    const decoded = await thrown(() => reverter.divide.staticCall(1n, 0n))
    assert.equal(decoded.revert?.name, 'Panic')
    assert.equal(BigInt(decoded.revert.args[0]), 0x12n)
    const decodedAssert = await thrown(() => reverter.assertFalse.staticCall(1n))
    assert.equal(BigInt(decodedAssert.revert?.args[0]), 0x01n)
    assert.equal(await reverter.divide.staticCall(10n, 3n), 3n)
  })

  it('revert() without data: code 3, "execution reverted", data 0x (documented)', async () => {
    const err = await rpcError(() => e.rpc('eth_call', [{ to: R, data: reverter.interface.encodeFunctionData('emptyRevert') }]))
    assert.equal(err.code, 3)
    assert.equal(err.message, 'execution reverted')
    assert.equal(err.data, '0x')
  })

  it('halts answer -32000 with geth\'s text (core/vm/errors.go): out of gas, invalid opcode, stack underflow, bad jump', async () => {
    const oog = await rpcError(() => e.rpc('eth_call', [{ to: S, data: store.interface.encodeFunctionData('set', [5n]), gas: '0x5a3c' }]))
    assert.equal(oog.code, -32000)
    assert.equal(oog.message, 'out of gas')
    // Each as a contract creation's init code, with geth's message for it.
    const halts: [string, string][] = [
      ['0xfe', 'invalid opcode: INVALID'], // the designated INVALID
      ['0x0c', 'invalid opcode: opcode 0xc not defined'], // an undefined opcode
      ['0x600001', 'stack underflow (1 <=> 2)'], // PUSH1 0, ADD: one item where ADD needs two
      ['0x600056', 'invalid jump destination'], // PUSH1 0, JUMP to a non-JUMPDEST
    ]
    for (const [code, message] of halts) {
      const error = await rpcError(() => e.rpc('eth_call', [{ data: code }]))
      assert.deepEqual([error.code, error.message], [-32000, message], code)
    }
  })

  it('a reverted transaction is mined with status 0 and its writes undone', async () => {
    const address = R
    const failed = await mined(e, reverter.bump(true, { gasLimit: 100_000n }))
    assert.equal(failed.status, 0)
    const raw = await e.rpc('eth_getTransactionReceipt', [failed.hash])
    assert.equal(raw.status, '0x0')
    assert.deepEqual(raw.logs, [])
    assert.ok(failed.gasUsed > 21_000n && failed.gasUsed < 100_000n)
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x0', 'latest']), ethers.ZeroHash)
    // The nonce is used and the gas paid.
    const before = await e.provider.getBalance(caller.address, failed.blockNumber - 1)
    const after = await e.provider.getBalance(caller.address, failed.blockNumber)
    assert.equal(before - after, failed.gasUsed * failed.gasPrice)
    const ok = await mined(e, reverter.bump(false))
    assert.equal(ok.status, 1)
    assert.equal(await reverter.counter(), 1n)
    // ethers reports the failed one as a CALL_EXCEPTION carrying the receipt.
    const tx = await reverter.bump(true, { gasLimit: 100_000n })
    const err = await thrown(() => tx.wait())
    assert.equal(err.code, 'CALL_EXCEPTION')
    assert.equal(err.receipt.status, 0)
  })
})

describe('eth_estimateGas', () => {
  it('a plain transfer is 21000 (to an EOA, with and without value)', async () => {
    assert.equal(await e.rpc('eth_estimateGas', [{ from: caller.address, to: e.wallets[9].address, value: '0x1' }]), '0x5208')
    assert.equal(await e.rpc('eth_estimateGas', [{ to: e.wallets[9].address }]), '0x5208')
    assert.equal(await e.provider.estimateGas({ from: caller.address, to: e.wallets[9].address, value: 1n }), 21000n)
  })

  it('a contract call: the estimate suffices and is close to the gas used', async () => {
    const data = store.interface.encodeFunctionData('set', [12345n])
    const estimate = BigInt(await e.rpc('eth_estimateGas', [{ from: caller.address, to: S, data }]))
    const receipt = await mined(e, caller.sendTransaction({ to: S, data, gasLimit: estimate }))
    assert.equal(receipt.status, 1)
    assert.ok(estimate >= receipt.gasUsed)
    // An SSTORE needs 2300 gas left over (EIP-2200), and estimates stop within 1.5% (geth).
    assert.ok(estimate <= ((receipt.gasUsed + 2300n) * 1015n) / 1000n, `estimate ${estimate}, used ${receipt.gasUsed}`)
    assert.equal(await store.get(), 12345n)
  })

  it('a contract creation', async () => {
    const factory = new ethers.ContractFactory(store.interface, artifact('Store').bytecode, caller)
    const deployTx = await factory.getDeployTransaction(9n)
    const estimate = BigInt(await e.rpc('eth_estimateGas', [{ from: caller.address, data: deployTx.data }]))
    const receipt = await mined(e, caller.sendTransaction({ data: deployTx.data, gasLimit: estimate }))
    assert.equal(receipt.status, 1)
    assert.ok(receipt.contractAddress !== null)
    assert.ok(estimate >= receipt.gasUsed && estimate <= ((receipt.gasUsed + 2300n) * 1015n) / 1000n, `estimate ${estimate}, used ${receipt.gasUsed}`)
  })

  it('a call forwarding gas to a child: the estimate covers the 63/64 rule, the gas used alone would not', async () => {
    const fill = (start: bigint) => forwarder.interface.encodeFunctionData('forward', [sink.target, sink.interface.encodeFunctionData('fill', [start, 5n])])
    const to = F
    const estimate = BigInt(await e.rpc('eth_estimateGas', [{ from: caller.address, to, data: fill(100n) }]))
    const ok = await mined(e, caller.sendTransaction({ to, data: fill(100n), gasLimit: estimate }))
    assert.equal(ok.status, 1)
    assert.equal(await sink.slots(104n), 5n)
    // CALL keeps 1/64 of the gas back, so the limit must exceed what is used.
    assert.ok(estimate - ok.gasUsed > 1000n, `estimate ${estimate}, used ${ok.gasUsed}`)
    // The same work on fresh slots costs the same; its estimate is the same ...
    assert.equal(BigInt(await e.rpc('eth_estimateGas', [{ from: caller.address, to, data: fill(200n) }])), estimate)
    // ... and with only the gas the first one used, the child runs out and the parent reverts.
    const short = await mined(e, caller.sendTransaction({ to, data: fill(200n), gasLimit: ok.gasUsed }))
    assert.equal(short.status, 0)
    assert.equal(await sink.slots(200n), 0n)
  })

  it('a reverting call: code 3 with the revert data (custom error and reason)', async () => {
    const address = R
    const custom = await rpcError(() => e.rpc('eth_estimateGas', [{ from: caller.address, to: address, data: reverter.interface.encodeFunctionData('customError', [3n]) }]))
    assert.equal(custom.code, 3)
    assert.equal(custom.message, 'execution reverted')
    assert.equal(custom.data, reverter.interface.encodeErrorResult('Unauthorized', [caller.address, 3n]))
    const reason = await rpcError(() => e.rpc('eth_estimateGas', [{ to: address, data: reverter.interface.encodeFunctionData('requireReason', [1n]) }]))
    assert.equal(reason.code, 3)
    assert.equal(reason.message, 'execution reverted: x too small')
    // Through a parent whose require fails when the child reverts.
    const nested = await rpcError(() =>
      e.rpc('eth_estimateGas', [{ to: F, data: forwarder.interface.encodeFunctionData('forward', [address, reverter.interface.encodeFunctionData('emptyRevert')]) }]),
    )
    assert.equal(nested.message, 'execution reverted: child call failed')
    // ethers: a CALL_EXCEPTION whose data the contract interface decodes.
    const err = await thrown(() => reverter.customError.estimateGas(3n))
    assert.equal(err.code, 'CALL_EXCEPTION')
    assert.equal(reverter.interface.parseError(err.data)?.name, 'Unauthorized')
  })

  it('insufficient funds for the value: -32000, priced or not (the node never pays the value for the caller)', async () => {
    const poor = ethers.Wallet.createRandom().address
    const err = await rpcError(() => e.rpc('eth_estimateGas', [{ from: poor, to: caller.address, value: '0x1', maxFeePerGas: '0x3b9aca00' }]))
    assert.equal(err.code, -32000)
    assert.equal(err.message, 'insufficient funds for transfer')
    const unpriced = await rpcError(() => e.rpc('eth_estimateGas', [{ from: poor, to: caller.address, value: '0x1' }]))
    assert.equal(unpriced.code, -32000)
    assert.equal(unpriced.message, `insufficient funds for gas * price + value: address ${poor} have 0 want 1`)
    const call = await rpcError(() => e.rpc('eth_call', [{ from: poor, to: S, value: '0x2' }, 'latest']))
    // eth_call wraps what geth's state transition refuses, naming the gas (the 50M cap by default).
    assert.equal(call.message, `err: insufficient funds for gas * price + value: address ${poor} have 0 want 2 (supplied gas 50000000)`)
    // A funded caller is fine; a fee cap under the base fee is refused with geth's words.
    assert.equal(await e.rpc('eth_call', [{ from: caller.address, to: e.wallets[9].address, value: '0x2' }, 'latest']), '0x')
    const latest = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const low = await rpcError(() => e.rpc('eth_call', [{ from: caller.address, to: e.wallets[9].address, maxFeePerGas: '0x1' }, 'latest']))
    assert.equal(low.code, -32000)
    assert.equal(low.message, `err: max fee per gas less than block base fee: address ${caller.address}, maxFeePerGas: 1, baseFee: ${BigInt(latest.baseFeePerGas)} (supplied gas 50000000)`)
  })

  it('a call from a contract address runs (geth skips EIP-3607\'s sender check for calls); a gas hint under 21000 is no hint to the estimator', async () => {
    assert.equal(await e.rpc('eth_call', [{ from: S, to: e.wallets[9].address, value: '0x0' }, 'latest']), '0x')
    assert.equal(await e.rpc('eth_estimateGas', [{ from: S, to: e.wallets[9].address }, 'latest']), '0x5208')
    // A contract call with a hint below the intrinsic gas: estimated as if no hint were given.
    const data = store.interface.encodeFunctionData('set', [6n])
    assert.equal(await e.rpc('eth_estimateGas', [{ from: caller.address, to: S, data, gas: '0x5000' }]), await e.rpc('eth_estimateGas', [{ from: caller.address, to: S, data }]))
    // A hint from 21000 up under what the call needs: geth's "gas required exceeds allowance".
    const short = await rpcError(() => e.rpc('eth_estimateGas', [{ from: caller.address, to: S, data: `${data}${'00'.repeat(200)}`, gas: '0x5208' }]))
    assert.deepEqual([short.code, short.message], [-32000, 'gas required exceeds allowance (21000)'])
  })
})

describe('eth_createAccessList', () => {
  it('lists the contract storage slots touched and the gas used with the list', async () => {
    const to = S
    const data = store.interface.encodeFunctionData('setItem', [3n, 33n])
    const result = await e.rpc('eth_createAccessList', [{ from: caller.address, to, data }, 'latest'])
    const itemSlot = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['uint256', 'uint256'], [3n, 1n]))
    assert.equal(result.error, undefined)
    // geth lists the callee's slots too (only bare from/to/precompile addresses are left out).
    assert.deepEqual(result.accessList, [{ address: to.toLowerCase(), storageKeys: [itemSlot] }])
    // The gas used is what the transaction uses when sent with that list.
    const receipt = await mined(e, caller.sendTransaction({ to, data, accessList: result.accessList, gasLimit: BigInt(result.gasUsed) + 10_000n }))
    assert.equal(receipt.gasUsed, BigInt(result.gasUsed))
  })

  it('lists called contracts and their slots', async () => {
    const inner = sink.interface.encodeFunctionData('fill', [300n, 2n])
    const data = forwarder.interface.encodeFunctionData('forward', [sink.target, inner])
    const result = await e.rpc('eth_createAccessList', [{ from: caller.address, to: F, data }])
    const slot = (k: bigint) => ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['uint256', 'uint256'], [k, 0n]))
    assert.equal(result.accessList.length, 1)
    assert.equal(result.accessList[0].address, String(sink.target).toLowerCase())
    assert.deepEqual([...result.accessList[0].storageKeys].sort(), [slot(300n), slot(301n)].sort())
    assert.ok(BigInt(result.gasUsed) > 40_000n)
  })

  it('a reverting call reports the error beside the list', async () => {
    const result = await e.rpc('eth_createAccessList', [{ from: caller.address, to: R, data: reverter.interface.encodeFunctionData('bump', [true]) }])
    assert.equal(result.error, 'execution reverted')
    assert.ok(BigInt(result.gasUsed) > 21_000n)
  })

  it('a reverting creation: geth\'s answer (the execution-apis example: the created contract\'s slot listed, not its address alone)', async () => {
    // Init code: SSTORE(0x81, 0x80), then REVERT(0x80, 0x80). Expected values are geth's answer for this request.
    const from = '0x7f554713be84160fdf0178cc8df86f5aabd33397'
    const result = await e.rpc('eth_createAccessList', [{ from, gas: '0x186A0', data: '0x608060806080608155fd' }, 'latest'])
    const created = ethers.getCreateAddress({ from, nonce: await e.provider.getTransactionCount(from) }).toLowerCase()
    assert.deepEqual(result, {
      accessList: [{ address: created, storageKeys: ['0x0000000000000000000000000000000000000000000000000000000000000081'] }],
      error: 'execution reverted',
      gasUsed: '0x12eba',
    })
  })
})

describe('fee history and suggestions', () => {
  it('eth_feeHistory: shape, base fees per block, gas used ratios and weighted reward percentiles', async () => {
    // One block with two transfers of #4: tips 1 gwei and 5 gwei, 21000 gas each.
    const sender = e.wallets[4]
    const nonce = await e.provider.getTransactionCount(sender.address, 'pending')
    const latest = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const maxFee = BigInt(latest.baseFeePerGas) * 2n + 10n * GWEI
    const low = await signed(sender, { to: e.wallets[9].address, value: 1n, nonce, gasLimit: 21000n, maxFeePerGas: maxFee, maxPriorityFeePerGas: 1n * GWEI })
    const high = await signed(sender, { to: e.wallets[9].address, value: 1n, nonce: nonce + 1, gasLimit: 21000n, maxFeePerGas: maxFee, maxPriorityFeePerGas: 5n * GWEI })
    await e.rpc('eth_sendRawTransaction', [high.raw])
    const [receipt] = await sendRawAndWait(e, [low.raw])
    assert.equal((await e.provider.getTransactionReceipt(high.hash))?.blockNumber, receipt.blockNumber)
    const head = receipt.blockNumber
    assert.equal(await e.provider.getBlockNumber(), head)

    const history = await e.rpc('eth_feeHistory', ['0x4', 'latest', [10, 50, 90]])
    assert.equal(history.oldestBlock, ethers.toQuantity(head - 3))
    assert.equal(history.baseFeePerGas.length, 5)
    assert.equal(history.gasUsedRatio.length, 4)
    assert.equal(history.reward.length, 4)
    const blocks = await Promise.all([3, 2, 1, 0].map((back) => e.rpc('eth_getBlockByNumber', [ethers.toQuantity(head - back), false])))
    blocks.forEach((block, i) => {
      assert.equal(history.baseFeePerGas[i], block.baseFeePerGas)
      assert.equal(history.gasUsedRatio[i], Number(BigInt(block.gasUsed)) / Number(BigInt(block.gasLimit)))
      assert.equal(history.reward[i].length, 3)
    })
    // Gas-weighted percentiles of [1 gwei, 5 gwei]: 10% and 50% fall on the first, 90% on the second.
    assert.deepEqual(history.reward[3], [GWEI, GWEI, 5n * GWEI].map((v) => ethers.toQuantity(v)))
    // The extra entry is the next block's base fee (EIP-1559 from the head).
    const headBlock = blocks[3]
    const parentFee = BigInt(headBlock.baseFeePerGas)
    const target = BigInt(headBlock.gasLimit) / 2n
    const used = BigInt(headBlock.gasUsed)
    const next = used >= target ? parentFee + ((parentFee * (used - target)) / target / 8n || 1n) : parentFee - (parentFee * (target - used)) / target / 8n
    assert.equal(BigInt(history.baseFeePerGas[4]), next)
    // It is: the next block gets exactly that base fee.
    const nextReceipt = await mined(e, e.wallets[5].sendTransaction({ to: e.wallets[9].address, value: 1n }))
    assert.equal((await e.provider.getBlock(nextReceipt.blockNumber))?.baseFeePerGas, next)
  })

  it('eth_feeHistory: count clipped to the chain, decimal counts, no percentiles, bad input', async () => {
    const head = await e.provider.getBlockNumber()
    const all = await e.rpc('eth_feeHistory', ['0x400', 'latest'])
    assert.equal(all.oldestBlock, '0x0')
    assert.equal(all.gasUsedRatio.length, head + 1)
    assert.equal(all.baseFeePerGas.length, head + 2)
    assert.equal(all.reward, undefined)
    const decimal = await e.rpc('eth_feeHistory', [2, ethers.toQuantity(head - 1), []])
    assert.equal(decimal.oldestBlock, ethers.toQuantity(head - 2))
    assert.equal(decimal.gasUsedRatio.length, 2)
    const beyond = await rpcError(() => e.rpc('eth_feeHistory', ['0x1', ethers.toQuantity(head + 100)]))
    assert.equal(beyond.code, -32000)
    const unordered = await rpcError(() => e.rpc('eth_feeHistory', ['0x1', 'latest', [90, 10]]))
    assert.equal(unordered.code, -32602)
    const outOfRange = await rpcError(() => e.rpc('eth_feeHistory', ['0x1', 'latest', [101]]))
    assert.equal(outOfRange.code, -32602)
  })

  it('eth_maxPriorityFeePerGas follows the tips paid (60th percentile of recent low tips)', async () => {
    // Recent blocks paid 1 gwei tips (ethers' default) and one 5 gwei tip: 1 gwei it stays.
    assert.equal(BigInt(await e.rpc('eth_maxPriorityFeePerGas')), 1n * GWEI)
    // Raise every recent tip: blocks with 3 gwei transactions only.
    for (let i = 0; i < 12; i++) {
      await mined(e, e.wallets[6].sendTransaction({ to: e.wallets[9].address, value: 1n, maxPriorityFeePerGas: 3n * GWEI, maxFeePerGas: 20n * GWEI }))
    }
    assert.equal(BigInt(await e.rpc('eth_maxPriorityFeePerGas')), 3n * GWEI)
    const latest = await e.rpc('eth_getBlockByNumber', ['latest', false])
    assert.equal(BigInt(await e.rpc('eth_gasPrice')), 3n * GWEI + BigInt(latest.baseFeePerGas))
  })
})
