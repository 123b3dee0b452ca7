// The node's callTracer against Hardhat's Solidity stack traces (a second implementation:
// Hardhat's EDR network, which maps the failing execution back to contracts and functions
// through the compiler's source maps). The same failing calls are mined on both; the chain of
// frames a revert bubbled through in our trace must name the contracts and functions Hardhat's
// stack trace names, with the same revert data.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { artifact, deploy } from './helpers/artifacts.ts'
import { startE2ENode, type E2ENode } from './helpers/node.ts'
import { receiptOf } from './helpers/twin.ts'
import { FAILING_CALLS, FAILING_GAS_LIMIT } from '../../scripts/hardhat/stack-trace-cases.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const hardhatCli = resolve(repoRoot, 'node_modules/hardhat/dist/src/cli.js')

/** One entry of Hardhat's stack trace (scripts/hardhat/stack-traces.ts keeps these fields). */
interface HardhatTrace {
  message: string
  entries: { type: number; contract?: string; function?: string }[]
  returnData?: string
  errorCode?: string
  invalidOpcode?: boolean
}

interface CallFrame {
  to: string
  input: string
  output?: string
  error?: string
  revertReason?: string
  calls?: CallFrame[]
}

/** The frames a failure bubbled through, outermost first: each next one is the last failed child whose revert data its parent passed on. */
function failingChain(top: CallFrame): CallFrame[] {
  const chain = [top]
  for (let frame = top; ; ) {
    const origin = frame.calls?.findLast((child) => child.error !== undefined && child.output === frame.output)
    if (origin === undefined) return chain
    chain.push(origin)
    frame = origin
  }
}

describe("callTracer against Hardhat's stack traces", { timeout: 240_000 }, () => {
  let ours: E2ENode
  let hardhat: Record<string, HardhatTrace>
  const traces: Record<string, CallFrame> = {}
  /** Address (lowercase) -> [contract name, its ABI]. */
  const contracts = new Map<string, [string, ethers.Interface]>()

  before(async () => {
    ours = await startE2ENode()
    const sender = ours.wallets[1]
    const { contract: tree, address } = await deploy('CallTree', sender, [], { overrides: { value: 5n, gasLimit: 3_000_000n } })
    const leaf = ((await tree.getFunction('leaf')()) as string).toLowerCase()
    contracts.set(address.toLowerCase(), ['CallTree', tree.interface])
    contracts.set(leaf, ['CallLeaf', new ethers.Interface(artifact('CallLeaf', 'CallTree').abi)])
    for (const [name, args] of FAILING_CALLS) {
      const sent = await tree.getFunction(name).send(...args, { gasLimit: FAILING_GAS_LIMIT })
      assert.equal((await receiptOf(ours.rpc, sent.hash)).status, '0x0', `${name} fails on our node`)
      traces[name] = await ours.rpc<CallFrame>('debug_traceTransaction', [sent.hash, { tracer: 'callTracer' }])
    }
    // After our node's part: Hardhat's compile check and EDR would compete with its first
    // (cold worker thread) traces for the CPU.
    const { stdout } = await promisify(execFile)(process.execPath, [hardhatCli, 'run', 'scripts/hardhat/stack-traces.ts'], {
      cwd: repoRoot,
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1' },
    })
    const line = stdout.split('\n').find((text) => text.startsWith('STACK_TRACES '))
    assert.ok(line !== undefined, `no STACK_TRACES line in:\n${stdout}`)
    hardhat = JSON.parse(line.slice('STACK_TRACES '.length)) as Record<string, HardhatTrace>
  })

  after(async () => {
    await ours?.stop()
  })

  /** `Contract.function` for a frame of our trace, from its address and selector. */
  const named = (frame: CallFrame): string => {
    const known = contracts.get(frame.to.toLowerCase())
    assert.ok(known !== undefined, `frame to a known contract: ${frame.to}`)
    const [contract, abi] = known
    return `${contract}.${abi.getFunction(frame.input.slice(0, 10))?.name}`
  }

  for (const [name] of FAILING_CALLS) {
    it(`${name}: the frames a failure bubbled through are the ones Hardhat's stack trace names`, () => {
      const theirs = hardhat[name].entries.map((entry) => `${entry.contract}.${entry.function}`)
      const chain = failingChain(traces[name]).map(named)
      assert.equal(chain[0], theirs[0], 'the transaction entry point')
      assert.equal(chain.at(-1), theirs.at(-1), 'where the failure started')
      // Hardhat's trace also lists internal (JUMP) entries of the same contract, e.g. code the
      // optimizer shares between two functions; every frame of ours must appear, in order.
      let at = 0
      for (const frame of chain) {
        at = theirs.indexOf(frame, at)
        assert.ok(at >= 0, `${frame} appears in Hardhat's stack trace, in order (ours ${chain.join(' > ')}; Hardhat's ${theirs.join(' > ')})`)
      }
      for (const extra of theirs.filter((entry) => !chain.includes(entry))) {
        assert.ok(chain.some((frame) => frame.split('.')[0] === extra.split('.')[0]), `${extra} is an internal entry of a contract whose frame we have`)
      }
    })
  }

  it('relay and explode: the same revert data and reason string', () => {
    for (const name of ['relay', 'explode']) {
      const top = traces[name]
      assert.equal(top.error, 'execution reverted')
      assert.equal(failingChain(top).at(-1)?.output, hardhat[name].returnData)
      const reason = /reverted with reason string '(.*)'$/.exec(hardhat[name].message)?.[1]
      assert.equal(top.revertReason, reason)
    }
  })

  it('divide: the same panic code', () => {
    const top = traces.divide
    const code = BigInt(hardhat.divide.errorCode ?? 'missing')
    assert.match(hardhat.divide.message, /panic code 0x12 \(Division or modulo division by zero\)/)
    assert.equal(top.output, ethers.id('Panic(uint256)').slice(0, 10) + ethers.AbiCoder.defaultAbiCoder().encode(['uint256'], [code]).slice(2))
    // geth's wording of the same panic code (accounts/abi's panicReasons).
    assert.equal(top.revertReason, 'division or modulo by zero')
  })

  it('invalid: an invalid opcode, in geth\'s words', () => {
    assert.equal(hardhat.invalid.invalidOpcode, true)
    assert.match(hardhat.invalid.message, /invalid opcode/)
    assert.equal(traces.invalid.error, 'invalid opcode: INVALID')
    assert.equal(traces.invalid.output, undefined)
  })
})
