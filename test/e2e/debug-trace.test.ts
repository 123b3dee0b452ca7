// debug_trace* over a real dev node, checked against anvil (Foundry's node, a second
// implementation of geth's tracer formats): the same signed transactions go to both chains
// (same keys, same nonces, so the same contract addresses), and each trace must match anvil's,
// except where anvil departs from geth's documented behaviour (noted at each normalisation).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { startAnvil, type Anvil } from './helpers/anvil.ts'
import { startE2ENode, type E2ENode } from './helpers/node.ts'
import { sendPlan, sender, treeAbi, treeAddress, type Rpc, type Sent } from './helpers/twin.ts'

/** Static gas of the opcodes that run out of gas in these transactions (Yellow Paper, appendix G). */
const STATIC_GAS: Record<string, number> = { JUMPI: 10, JUMP: 8, JUMPDEST: 1, ADD: 3, SLOAD: 100, GAS: 2, GT: 3, PUSH1: 3, DUP1: 3, SWAP1: 3, POP: 2 }

/**
 * anvil's struct log where it departs from geth's (eth/tracers/logger/logger.go, core/vm/
 * interpreter.go), turned into geth's: empty `memory`, `returnData` and a zero `refund` are left
 * out; errors are geth's texts; a failing step costs its static gas, as geth logs it; and a
 * CREATE's cost leaves out the gas handed to the new frame (geth charges that inside opCreate,
 * after logging). `next` is the step after this one.
 */
function gethStep(step: Record<string, any>, next: Record<string, any> | undefined): Record<string, unknown> {
  const out = { ...step }
  if (Array.isArray(out.memory) && out.memory.length === 0) delete out.memory
  if (out.returnData === '0x') delete out.returnData
  if (out.refund === 0) delete out.refund
  if (out.error === 'Some(InvalidFEOpcode)') out.error = 'invalid opcode: INVALID'
  if (out.error === 'Some(OutOfGas)') {
    out.error = 'out of gas'
    assert.ok(STATIC_GAS[out.op] !== undefined, `static gas of ${out.op} listed`)
    out.gasCost = STATIC_GAS[out.op]
  }
  if ((out.op === 'CREATE' || out.op === 'CREATE2') && next !== undefined && next.depth === out.depth + 1) out.gasCost -= next.gas
  return out
}

describe('debug_trace* matches a second implementation (anvil)', { timeout: 240_000 }, () => {
  let ours: E2ENode
  let anvil: Anvil
  let oursSent: Record<string, Sent>
  let anvilSent: Record<string, Sent>

  before(async () => {
    ;[ours, anvil] = await Promise.all([startE2ENode(), startAnvil()])
    ;[oursSent, anvilSent] = await Promise.all([sendPlan(ours.rpc), sendPlan(anvil.rpc)])
  })

  after(async () => {
    await Promise.all([ours?.stop(), anvil?.stop()])
  })

  const both = (name: string, config: object) =>
    Promise.all([ours.rpc('debug_traceTransaction', [oursSent[name].hash, config]), anvil.rpc('debug_traceTransaction', [anvilSent[name].hash, config])])

  for (const name of ['deploy', 'run', 'explode', 'invalid', 'kill', 'overdraw']) {
    it(`callTracer with logs: ${name}`, async () => {
      const [mine, theirs] = await both(name, { tracer: 'callTracer', tracerConfig: { withLog: true } })
      // geth (eth/tracers/native/call.go) gives the top frame the transaction's gas limit;
      // anvil gives what is left after the intrinsic gas.
      assert.equal(BigInt(mine.gas), oursSent[name].gasLimit)
      assert.deepEqual({ ...mine, gas: undefined }, { ...theirs, gas: undefined })
    })

    it(`struct logger with memory, return data and storage: ${name}`, async () => {
      const [mine, theirs] = await both(name, { enableMemory: true, enableReturnData: true })
      assert.equal(mine.structLogs.length, theirs.structLogs.length)
      for (const [i, step] of mine.structLogs.entries()) assert.deepEqual(step, gethStep(theirs.structLogs[i], theirs.structLogs[i + 1]), `step ${i}`)
      assert.deepEqual({ ...mine, structLogs: [] }, { ...theirs, structLogs: [] })
    })
  }

  it('prestateTracer, and its diffMode, for a transaction that creates, calls and writes', async () => {
    for (const tracerConfig of [{}, { diffMode: true }]) {
      const [mine, theirs] = await both('run', { tracer: 'prestateTracer', tracerConfig })
      const [mineChain, theirChain] = [{ rpc: ours.rpc, sent: oursSent.run }, { rpc: anvil.rpc, sent: anvilSent.run }]
      const views = [await prestateView(mine, mineChain, true), await prestateView(theirs, theirChain, false)]
      assert.deepEqual(views[0], views[1], JSON.stringify(tracerConfig))
    }
  })

  it('4byteTracer counts every selector called, precompiles left out', async () => {
    const [mine, theirs] = await both('run', { tracer: '4byteTracer' })
    // anvil also counts calls to precompiles, which geth's 4byte.go skips: drop what anvil's own
    // call tree shows went to a precompile (addresses 0x01-0x11).
    const calls = await anvil.rpc('debug_traceTransaction', [anvilSent.run.hash, { tracer: 'callTracer' }])
    const toPrecompiles = flatten(calls).filter((frame) => frame.to !== undefined && BigInt(frame.to) >= 1n && BigInt(frame.to) <= 0x11n)
    const expected = { ...theirs }
    for (const frame of toPrecompiles) {
      const key = `${frame.input.slice(0, 10)}-${(frame.input.length - 10) / 2}`
      expected[key] -= 1
      if (expected[key] === 0) delete expected[key]
    }
    assert.deepEqual(mine, expected)
    assert.equal(mine['0xedaa0c1d-32'], 2, 'touch(uint256) called twice')
  })

  it('noopTracer answers {} and onlyTopCall leaves the callees out', async () => {
    assert.deepEqual(await ours.rpc('debug_traceTransaction', [oursSent.run.hash, { tracer: 'noopTracer' }]), {})
    const [mine, theirs] = await both('run', { tracer: 'callTracer', tracerConfig: { onlyTopCall: true } })
    assert.equal(mine.calls, undefined)
    assert.deepEqual({ ...mine, gas: undefined }, { ...theirs, gas: undefined })
  })

  it('traces whole blocks by number, by hash and as RLP, as [{txHash, result}]', async () => {
    const config = { tracer: 'callTracer', tracerConfig: { withLog: true } }
    const [mine, theirs] = await Promise.all([
      ours.rpc('debug_traceBlockByNumber', [oursSent.run.blockNumber, config]),
      anvil.rpc('debug_traceBlockByNumber', [anvilSent.run.blockNumber, config]),
    ])
    assert.equal(mine.length, 1)
    assert.equal(mine[0].txHash, oursSent.run.hash)
    assert.deepEqual({ ...mine[0].result, gas: undefined }, { ...theirs[0].result, gas: undefined })
    const block = await ours.rpc('eth_getBlockByNumber', [oursSent.run.blockNumber, false])
    assert.deepEqual(await ours.rpc('debug_traceBlockByHash', [block.hash, config]), mine)
    const rlp = await ours.rpc('debug_getRawBlock', [oursSent.run.blockNumber])
    assert.deepEqual(await ours.rpc('debug_traceBlock', [rlp, config]), mine)
  })

  it('debug_traceCall runs a call on a block state, traced as anvil traces it', async () => {
    const call = { from: sender.address, to: treeAddress, data: treeAbi.encodeFunctionData('run', [11n]), gas: '0xf4240' }
    for (const config of [{ tracer: 'callTracer', tracerConfig: { withLog: true } }, {}]) {
      const [mine, theirs] = await Promise.all([ours.rpc('debug_traceCall', [call, 'latest', config]), anvil.rpc('debug_traceCall', [call, 'latest', config])])
      if (config.tracer === 'callTracer') assert.deepEqual({ ...mine, gas: undefined }, { ...theirs, gas: undefined })
      else {
        assert.equal(mine.structLogs.length, theirs.structLogs.length)
        for (const [i, step] of mine.structLogs.entries()) assert.deepEqual(step, gethStep(theirs.structLogs[i], theirs.structLogs[i + 1]), `step ${i}`)
      }
    }
  })
})

describe("Foundry's cast run replays a mined transaction from the node's data", { timeout: 120_000 }, () => {
  const cast = join(dirname(createRequire(import.meta.url).resolve('@foundry-rs/cast-linux-amd64/package.json')), 'bin', 'cast')
  let ours: E2ENode
  let sent: Record<string, Sent>

  before(async () => {
    ours = await startE2ENode()
    sent = await sendPlan(ours.rpc)
  })

  after(async () => {
    await ours?.stop()
  })

  for (const args of [['run', '--quick'], ['run']]) {
    it(`cast ${args.join(' ')}: the call tree and the receipt's gas`, async () => {
      const { stdout } = await promisify(execFile)(cast, [...args, '--rpc-url', ours.node.rpcUrl, sent.run.hash], { timeout: 90_000, env: { ...process.env, NO_COLOR: '1' } })
      const receipt = await ours.rpc('eth_getTransactionReceipt', [sent.run.hash])
      assert.match(stdout, new RegExp(`Gas used: ${BigInt(receipt.gasUsed)}`))
      assert.match(stdout, /PRECOMPILES::sha256/)
      assert.match(stdout, /\[Revert\] leaf refuses/)
      assert.match(stdout, /\[delegatecall\]/)
      assert.match(stdout, /Transaction successfully executed/)
    })
  }
})

interface Frame {
  to?: string
  input: string
  calls?: Frame[]
}

function flatten(frame: Frame): Frame[] {
  return [frame, ...(frame.calls ?? []).flatMap(flatten)]
}

/**
 * A prestate trace made comparable between two chains whose histories differ in fees: the
 * sender's and the block author's balances are checked against eth_getBalance of the same
 * chain (before and after the block), then set aside; geth's `codeHash` (which anvil leaves
 * out) is checked against the code's keccak256; anvil's empty accounts, which geth drops, go.
 */
async function prestateView(trace: any, chain: { rpc: Rpc; sent: Sent }, isOurs: boolean): Promise<unknown> {
  const block = await chain.rpc('eth_getBlockByNumber', [chain.sent.blockNumber, false])
  const parent = ethers.toQuantity(BigInt(block.number) - 1n)
  const sections: Record<string, any>[] = trace.pre === undefined ? [trace] : [trace.pre, trace.post]
  for (const [i, section] of sections.entries()) {
    const at = i === 0 ? parent : block.number
    // The fee recipient: our dev chain's sealer (a Clique block's miner field is zero, as geth's), anvil's coinbase.
    const author = isOurs ? devAccounts()[0].address : block.miner
    for (const address of [sender.address.toLowerCase(), author.toLowerCase()]) {
      const account = section[address]
      if (account?.balance !== undefined) assert.equal(BigInt(account.balance), BigInt(await chain.rpc('eth_getBalance', [address, at])), `${address} balance at ${at}`)
      delete section[address]
    }
    for (const [address, account] of Object.entries(section)) {
      if (isOurs && account.code !== undefined) assert.equal(account.codeHash, ethers.keccak256(account.code), `${address} codeHash`)
      delete account.codeHash
      // geth drops an account that was empty when first touched, even if storage was read later.
      const empty = account.code === undefined && account.nonce === undefined && BigInt(account.balance ?? 0) === 0n
      if (!isOurs && empty && i === 0 && trace.pre === undefined) delete section[address]
    }
  }
  return trace
}
