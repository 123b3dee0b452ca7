// eth_simulateV1 (execution-apis `eth_simulateV1`, geth's internal/ethapi/simulate.go) on a
// real dev node: blocks of calls on top of the head, state and block overrides, validation on
// and off, ERC-7528 transfer logs, full transactions, and what it refuses. Hand-assembled EVM
// code answers with what was overridden, so most expected values are the inputs themselves;
// call results (return data, gas, status, transfer logs) are also asked of anvil, a second
// implementation, where anvil 1.7 simulates the same thing (it skips validation, precompile
// moves and block chaining, so those are checked against geth's rules alone).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { startAnvilProcess, startDevNode, type AnvilProcess, type DevNode } from '@busan/testkit'
import { Rpc, type RpcReply } from './fixtures-pool/rpc.ts'

const A = '0xc000000000000000000000000000000000000000'
const B = '0xc100000000000000000000000000000000000000'
const C = '0xc200000000000000000000000000000000000000'
const X = '0x00000000000000000000000000000000000c0ffe'
const ECRECOVER = '0x0000000000000000000000000000000000000001'
const FUNDS = '0xde0b6b3a7640000'
/** With calldata: SSTORE(0, word 0 of it). Without: returns SLOAD(0). */
const STORE_OR_LOAD = '0x3615600c57600035600055005b60005460005260206000f3'
/** NUMBER, TIMESTAMP, COINBASE, BASEFEE, PREVRANDAO, GASLIMIT as six words. */
const BLOCK_FIELDS = '0x' + ['43', '42', '41', '48', '44', '45'].map((op, i) => `${op}60${(i * 32).toString(16).padStart(2, '0')}52`).join('') + '60c06000f3'
/** Forwards its value to C (CALL with all gas), then reverts if the call failed. */
const FORWARD = `0x6000600060006000347f${C.slice(2).padStart(64, '0')}5af11560375700` + '5b60006000fd'
/** REVERT with Error("no"). */
/** JUMPDEST PUSH1 0 JUMP: loops until out of gas (50M gas take seconds). */
const LOOP = '0x5b600056'
/** MLOAD at 4 GiB: out of gas at once, all of it used. */
const BURN = '0x63ffffffff51'
/** An ecrecover input (hash, v, r, s) and the address it recovers. */
const SIGNED = {
  input:
    '0x456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3000000000000000000000000000000000000000000000000000000000000001c9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac80388256084f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada',
  signer: '0x0000000000000000000000007156526fbd7a3c72969b54f64e42c10fbb768c8a',
}
const word = (n: bigint | number) => ethers.zeroPadValue(ethers.toBeHex(n), 32)
const quantity = (n: bigint | number) => ethers.toQuantity(n)

/** Error("no") revert data: selector, offset, length, the two bytes padded. */
const REVERT_DATA = `0x08c379a0${word(32).slice(2)}${word(2).slice(2)}${'6e6f'.padEnd(64, '0')}`
/** Returns REVERT_DATA (copied from its own code) as revert data. */
const REVERTER = (() => {
  const data = REVERT_DATA.slice(2)
  const length = data.length / 2
  const prefix = `60${length.toString(16)}600c60003960${length.toString(16)}6000fd`
  return `0x${prefix}${data}`
})()

interface Log {
  address: string
  topics: string[]
  data: string
  blockHash: string
  blockNumber: string
  transactionHash: string
  transactionIndex: string
  logIndex: string
}
interface CallResult {
  returnData: string
  logs: Log[]
  gasUsed: string
  maxUsedGas?: string
  status: string
  error?: { code: number; message: string; data?: string }
}
interface SimBlock {
  number: string
  hash: string
  parentHash: string
  timestamp: string
  miner: string
  mixHash: string
  gasLimit: string
  gasUsed: string
  baseFeePerGas: string
  transactions: (string | { hash: string; from: string; blockHash: string; to: string; type: string; v: string; r: string; s: string })[]
  calls: CallResult[]
}

let node: DevNode
let anvil: AnvilProcess
let ours: Rpc
let theirs: Rpc

before(async () => {
  ;[node, anvil] = await Promise.all([startDevNode({ period: 0, extraArgs: ['--rpc.evmtimeout', '2s'] }), startAnvilProcess(['--hardfork', 'osaka'])])
  ours = new Rpc(node.rpcUrl)
  theirs = new Rpc(anvil.url)
})

after(async () => {
  await node?.stop()
  node?.cleanup()
  await anvil?.stop()
})

async function simulate(payload: unknown, block: unknown = 'latest'): Promise<SimBlock[]> {
  return ours.call<SimBlock[]>('eth_simulateV1', [payload, block])
}

function refusal(payload: unknown, block: unknown = 'latest'): Promise<RpcReply> {
  return ours.reply('eth_simulateV1', [payload, block])
}

/**
 * The calls' results, asserting anvil agrees on what both report alike: gas, status, the logs'
 * address, topics and data, and a successful call's return data (anvil words failures its own
 * way: -3200 "execution failed", the revert data as return data).
 */
async function callsOnBoth(payload: unknown): Promise<CallResult[][]> {
  const comparable = (blocks: SimBlock[]) =>
    blocks.flatMap((block) =>
      block.calls.map((call) => ({
        gasUsed: call.gasUsed,
        status: call.status,
        returnData: call.status === '0x1' ? call.returnData : undefined,
        logs: call.logs.map(({ address, topics, data }) => ({ address, topics, data })),
      })),
    )
  const [a, b] = await Promise.all([ours.call<SimBlock[]>('eth_simulateV1', [payload, 'latest']), theirs.call<SimBlock[]>('eth_simulateV1', [payload, 'latest'])])
  assert.deepEqual(comparable(a), comparable(b), 'anvil disagrees')
  return a.map((block) => block.calls)
}

describe('eth_simulateV1: blocks', () => {
  it('chains blocks on the head: numbers +1, timestamps +12 s, parent hashes, state carried over, nothing persisted', async () => {
    const head = await ours.call<{ number: string; hash: string; timestamp: string }>('eth_getBlockByNumber', ['latest', false])
    const payload = {
      blockStateCalls: [
        { stateOverrides: { [A]: { balance: FUNDS }, [C]: { code: STORE_OR_LOAD } }, calls: [{ from: A, to: C, input: word(7) }] },
        {},
        { calls: [{ from: A, to: C }] },
      ],
    }
    const blocks = await simulate(payload)
    assert.equal(blocks.length, 3)
    blocks.forEach((block, i) => {
      assert.equal(BigInt(block.number), BigInt(head.number) + BigInt(i + 1))
      assert.equal(BigInt(block.timestamp), BigInt(head.timestamp) + 12n * BigInt(i + 1))
      assert.equal(block.parentHash, i === 0 ? head.hash : blocks[i - 1].hash)
      assert.match(block.hash, /^0x[0-9a-f]{64}$/)
    })
    assert.equal(blocks[2].calls[0].returnData, word(7), 'the second block reads what the first stored')
    assert.equal(blocks[1].calls.length, 0)
    // The same answers from anvil, call by call.
    const calls = await callsOnBoth(payload)
    assert.equal(calls[2][0].returnData, word(7))
    // Nothing was written: the head and C's storage are as they were.
    assert.equal(await ours.call('eth_blockNumber'), head.number)
    assert.equal(await ours.call('eth_getStorageAt', [C, '0x0', 'latest']), word(0))
    // Deterministic: the same request, the same blocks.
    assert.deepEqual(await simulate(payload), blocks)
  })

  it('fills a gap in block numbers with empty blocks; a number far past the base is refused', async () => {
    const head = BigInt(await ours.call<string>('eth_blockNumber'))
    const blocks = await simulate({ blockStateCalls: [{ blockOverrides: { number: quantity(head + 4n) } }] })
    assert.deepEqual(
      blocks.map((b) => BigInt(b.number)),
      [1n, 2n, 3n, 4n].map((n) => head + n),
    )
    const far = await refusal({ blockStateCalls: [{ blockOverrides: { number: quantity(head + 257n) } }] })
    assert.deepEqual(far.error, { code: -38026, message: 'too many blocks' })
  })
})

describe('eth_simulateV1: overrides', () => {
  it('block overrides reach the EVM and the simulated header (prevRandao as its mixHash)', async () => {
    const head = BigInt(await ours.call<string>('eth_blockNumber'))
    const o = { number: quantity(head + 1n), time: '0x7fffffff', feeRecipient: B, prevRandao: word(0x1234), baseFeePerGas: '0x7', gasLimit: '0x1c9c380' }
    const [block] = await simulate({ blockStateCalls: [{ blockOverrides: o, stateOverrides: { [C]: { code: BLOCK_FIELDS } }, calls: [{ from: A, to: C }] }] })
    // Opcode 0x44 is DIFFICULTY on the Clique dev chain (never merged): the block's 1, as geth's.
    const expected = [word(head + 1n), word(0x7fffffff), ethers.zeroPadValue(B, 32), word(7), word(1), word(0x1c9c380)].map((w) => w.slice(2)).join('')
    assert.equal(block.calls[0].returnData, `0x${expected}`)
    assert.equal(block.miner, B)
    assert.equal(block.mixHash, word(0x1234))
    assert.equal(block.baseFeePerGas, '0x7')
    assert.equal(block.gasLimit, '0x1c9c380')
    assert.equal(block.timestamp, '0x7fffffff')
  })

  it('state overrides apply from their block on; movePrecompileToAddress moves ecrecover for its block only', async () => {
    const recover = { from: A, to: X, input: SIGNED.input }
    const blocks = await simulate({
      blockStateCalls: [
        { stateOverrides: { [ECRECOVER]: { movePrecompileToAddress: X } }, calls: [recover, { from: A, to: ECRECOVER, input: SIGNED.input }] },
        { calls: [recover] },
      ],
    })
    assert.equal(blocks[0].calls[0].returnData, SIGNED.signer, 'ecrecover answers at its new address')
    assert.equal(blocks[0].calls[1].returnData, '0x', 'and no longer at 0x01')
    assert.equal(blocks[1].calls[0].returnData, '0x', 'the move lasts for its block only')
    const moved = await refusal({ blockStateCalls: [{ stateOverrides: { [B]: { movePrecompileToAddress: X } } }] })
    assert.deepEqual(moved.error, { code: -32000, message: `account ${ethers.getAddress(B)} is not a precompile` })
  })
})

describe('eth_simulateV1: validation', () => {
  const send = (extra: object) => ({ from: A, to: B, ...extra })

  it('without validation: no nonce check, base fee 0 unless overridden, a call offering no fee runs', async () => {
    const [block] = await simulate({ blockStateCalls: [{ stateOverrides: { [A]: { balance: FUNDS } }, calls: [send({ nonce: '0x5' }), send({ nonce: '0x0' })] }] })
    assert.equal(block.baseFeePerGas, '0x0')
    assert.deepEqual(block.calls.map((c) => c.status), ['0x1', '0x1'])
    const [overridden] = await simulate({ blockStateCalls: [{ blockOverrides: { baseFeePerGas: '0xa' }, calls: [send({ maxFeePerGas: '0x0' })] }] })
    assert.equal(overridden.calls[0].status, '0x1')
    // Value still needs funds (geth's balance check is not a fee check).
    const poor = await refusal({ blockStateCalls: [{ calls: [send({ value: '0x1' })] }] })
    assert.deepEqual(poor.error, { code: -38014, message: `err: insufficient funds for gas * price + value: address ${ethers.getAddress(A)} have 0 want 1 (supplied gas 50000000)` })
  })

  it('with validation: nonces, fee caps and the base fee as a block has them', async () => {
    const funded = { [A]: { balance: FUNDS } }
    const high = await refusal({ blockStateCalls: [{ stateOverrides: funded, calls: [send({ nonce: '0x5', maxFeePerGas: '0x3b9aca00' })] }], validation: true })
    assert.deepEqual(high.error, { code: -38011, message: `err: nonce too high: address ${ethers.getAddress(A)}, tx: 5 state: 0 (supplied gas 50000000)` })
    const low = await refusal({ blockStateCalls: [{ stateOverrides: { [A]: { balance: FUNDS, nonce: '0x2' } }, calls: [send({ nonce: '0x1', maxFeePerGas: '0x3b9aca00' })] }], validation: true })
    assert.deepEqual(low.error, { code: -38010, message: `err: nonce too low: address ${ethers.getAddress(A)}, tx: 1 state: 2 (supplied gas 50000000)` })
    const cheap = await refusal({ blockStateCalls: [{ blockOverrides: { baseFeePerGas: '0x10' }, stateOverrides: funded, calls: [send({ maxFeePerGas: '0x1' })] }], validation: true })
    assert.deepEqual(cheap.error, { code: -38012, message: `err: max fee per gas less than block base fee: address ${ethers.getAddress(A)}, maxFeePerGas: 1, baseFee: 16 (supplied gas 50000000)` })
    // The base fee follows the parent (EIP-1559) and the nonce the calls before.
    const head = await ours.call<{ baseFeePerGas: string }>('eth_getBlockByNumber', ['latest', false])
    const blocks = await simulate({ blockStateCalls: [{ stateOverrides: funded, calls: [send({ maxFeePerGas: '0x3b9aca00' }), send({ maxFeePerGas: '0x3b9aca00' })] }], validation: true })
    assert.ok(BigInt(blocks[0].baseFeePerGas) > 0n && BigInt(blocks[0].baseFeePerGas) <= BigInt(head.baseFeePerGas))
    assert.deepEqual(blocks[0].calls.map((c) => c.status), ['0x1', '0x1'])
  })

  it('refuses a call its block cannot take: intrinsic gas, the block gas limit', async () => {
    const intrinsic = await refusal({ blockStateCalls: [{ calls: [send({ gas: '0x5207' })] }] })
    assert.deepEqual(intrinsic.error, { code: -38013, message: 'err: intrinsic gas too low: have 20999, want 21000 (supplied gas 20999)' })
    const full = await refusal({ blockStateCalls: [{ blockOverrides: { gasLimit: '0x10000' }, calls: [send({ gas: '0x8000' }), send({ gas: '0x10000' })] }] })
    assert.deepEqual(full.error, { code: -38015, message: 'block gas limit reached: remaining: 44536, required: 65536' })
  })

  it('a failing call is a result, not a refusal: revert data (3) and EVM errors (-32015)', async () => {
    const payload = { blockStateCalls: [{ stateOverrides: { [B]: { code: REVERTER }, [C]: { code: '0xfe' } }, calls: [{ from: A, to: B }, { from: A, to: C, gas: '0x7530' }] }] }
    const [[reverted, invalid]] = await callsOnBoth(payload)
    assert.deepEqual(reverted.error, { code: 3, message: 'execution reverted: no', data: REVERT_DATA })
    assert.equal(reverted.status, '0x0')
    assert.equal(reverted.returnData, '0x')
    assert.equal(invalid.error?.code, -32015)
    assert.equal(invalid.gasUsed, '0x7530')
  })
})

describe('eth_simulateV1: traceTransfers and full transactions', () => {
  it('ERC-7528 logs for ether moved by the transaction and by inner calls, in order, with the block hash', async () => {
    const payload = { blockStateCalls: [{ stateOverrides: { [A]: { balance: FUNDS }, [B]: { code: FORWARD } }, calls: [{ from: A, to: B, value: '0x3e8' }] }], traceTransfers: true }
    const [[call]] = await callsOnBoth(payload)
    const transfer = (from: string, to: string) => ({
      address: '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      topics: ['0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef', ethers.zeroPadValue(from, 32), ethers.zeroPadValue(to, 32)],
      data: word(1000),
    })
    assert.deepEqual(call.logs.map(({ address, topics, data }) => ({ address, topics, data })), [transfer(A, B), transfer(B, C)])
    const [block] = await simulate(payload)
    assert.deepEqual(
      block.calls[0].logs.map((l) => [l.logIndex, l.blockHash, l.transactionHash, l.blockNumber]),
      [
        ['0x0', block.hash, block.transactions[0], block.number],
        ['0x1', block.hash, block.transactions[0], block.number],
      ],
    )
    // Off by default.
    const [quiet] = await simulate({ ...payload, traceTransfers: false })
    assert.deepEqual(quiet.calls[0].logs, [])
  })

  it('returnFullTransactions: transaction objects with the sender, in the block they were simulated in', async () => {
    const payload = { blockStateCalls: [{ stateOverrides: { [A]: { balance: FUNDS } }, calls: [{ from: A, to: B, value: '0x1' }, { from: B, to: C }] }] }
    const [hashes] = await simulate(payload)
    const [full] = await simulate({ ...payload, returnFullTransactions: true })
    assert.equal(full.hash, hashes.hash)
    const txs = full.transactions as Exclude<SimBlock['transactions'][number], string>[]
    assert.deepEqual(
      txs.map((tx) => [tx.hash, tx.from, tx.to, tx.blockHash, tx.type, tx.v, tx.r, tx.s]),
      [
        [hashes.transactions[0], A, B, full.hash, '0x2', '0x0', '0x0', '0x0'],
        [hashes.transactions[1], B, C, full.hash, '0x2', '0x0', '0x0', '0x0'],
      ],
    )
  })
})

describe('eth_simulateV1: bounds and bad input', () => {
  it('answers bad requests with clear JSON-RPC errors and keeps serving', async () => {
    const head = await ours.call<string>('eth_blockNumber')
    const cases: [unknown[], { code: number; message: string | RegExp }][] = [
      [[{ blockStateCalls: [] }], { code: -32602, message: 'empty input' }],
      [[{}], { code: -32602, message: 'empty input' }],
      [[{ blockStateCalls: Array.from({ length: 257 }, () => ({})) }], { code: -38026, message: 'too many blocks' }],
      [[{ blockStateCalls: [{ blockOverrides: { number: '0x100' } }, { blockOverrides: { number: '0x10' } }] }], { code: -38020, message: 'block numbers must be in order: 16 <= 256' }],
      [[{ blockStateCalls: [{ blockOverrides: { time: '0x70000000' } }, { blockOverrides: { time: '0x5' } }] }], { code: -38021, message: 'block timestamps must be in order: 5 <= 1879048192' }],
      [[{ blockStateCalls: 'x' }], { code: -32602, message: /^invalid argument 0: json: cannot unmarshal string into Go struct field simOpts.blockStateCalls/ }],
      [[{ blockStateCalls: [{ calls: [{ from: '0x12' }] }] }], { code: -32602, message: /^invalid argument 0: hex string has length 2, want 40 for common.Address/ }],
      [[{ blockStateCalls: [{ blockOverrides: { withdrawals: [{ index: '0x0' }] } }] }], { code: -32602, message: /missing required field 'validatorIndex' for Withdrawal/ }],
      [[{ blockStateCalls: [{}] }, quantity(BigInt(head) + 10n)], { code: -32000, message: 'header not found' }],
      [[{ blockStateCalls: [{ calls: [{ from: A, to: B, gasPrice: '0x1', maxFeePerGas: '0x1' }] }] }], { code: -32000, message: 'both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified' }],
      [[{ blockStateCalls: [{ calls: [{ from: A, to: B, chainId: '0x1' }] }] }], { code: -32000, message: "chainId does not match node's (have=1, want=31337)" }],
    ]
    for (const [params, expected] of cases) {
      const reply = await ours.reply('eth_simulateV1', params)
      assert.ok(reply.error !== undefined, `${JSON.stringify(params).slice(0, 120)} answered ${JSON.stringify(reply.result)?.slice(0, 120)}`)
      assert.equal(reply.error.code, expected.code, `${JSON.stringify(params).slice(0, 120)}: ${reply.error.message}`)
      if (typeof expected.message === 'string') assert.equal(reply.error.message, expected.message)
      else assert.match(reply.error.message, expected.message)
    }
    assert.equal(await ours.call('eth_blockNumber'), head)
  })

  it('extreme overrides are simulated, not faults: the largest base fee, a time at 2^64-1, the largest values', async () => {
    const max = `0x${'f'.repeat(64)}`
    const fee = await simulate({ blockStateCalls: [{ blockOverrides: { baseFeePerGas: max } }, {}], validation: true })
    assert.equal(fee[0].baseFeePerGas, max)
    assert.ok(BigInt(fee[1].baseFeePerGas) < BigInt(max))
    // A default time after 2^64-1 wraps, as geth's uint64 does.
    const wrapped = await simulate({ blockStateCalls: [{ blockOverrides: { time: '0xffffffffffffffff' } }, {}] })
    assert.deepEqual(
      wrapped.map((b) => b.timestamp),
      ['0xffffffffffffffff', '0xb'],
    )
    const rich = await refusal({ blockStateCalls: [{ stateOverrides: { [A]: { balance: max } }, calls: [{ from: A, to: B, value: max, maxFeePerGas: '0x1' }] }] })
    assert.equal(rich.error?.code, -38014)
  })

  it('the RPC gas cap bounds all the calls of a request together', async () => {
    // The first call burns the whole cap (50M gas); the next, a block later, is left none.
    const payload = { blockStateCalls: [{ stateOverrides: { [C]: { code: BURN } }, calls: [{ from: A, to: C }] }, { calls: [{ from: A, to: C }] }] }
    const reply = await refusal(payload)
    assert.deepEqual(reply.error, { code: -38013, message: 'err: intrinsic gas too low: have 0, want 21000 (supplied gas 0)' })
    const [block] = await simulate({ blockStateCalls: [payload.blockStateCalls[0]] })
    assert.deepEqual([block.calls[0].gasUsed, block.calls[0].error?.code], ['0x2faf080', -32015])
  })

  it("a simulation past the request's deadline is stopped with geth's timeout error, and the node goes on", async () => {
    // A loop over the whole gas cap: seconds of EVM work, past the 2 s budget.
    const started = performance.now()
    const reply = await refusal({ blockStateCalls: [{ stateOverrides: { [C]: { code: LOOP } }, calls: [{ from: A, to: C }] }] })
    const ms = performance.now() - started
    if (reply.error !== undefined) {
      assert.deepEqual(reply.error, { code: -32000, message: 'execution aborted (timeout = 2s)' })
      assert.ok(ms < 4000, `answered after ${Math.round(ms)} ms`)
    } else {
      // A machine that runs 50M gas of loop within 2 s: the call ran out of gas instead, and its
      // gas was the RPC gas cap, which geth's simulator says (internal/ethapi/simulate.go).
      assert.equal((reply.result as SimBlock[])[0].calls[0].error?.message, "out of gas (gas limit was capped by the RPC server's global gas cap)")
    }
    const [block] = await simulate({ blockStateCalls: [{ calls: [{ from: A, to: B }] }] })
    assert.equal(block.calls[0].status, '0x1')
  })
})
