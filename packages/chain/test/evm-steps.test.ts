// Our EthereumJS EVM patch (patches/@ethereumjs+evm+*.patch) decides once per call frame whether
// its steps skip runStep's promise, computes ADD, MUL and SUB with BigInt.asUintN instead of a
// division, and charges nothing for a memory access inside memory's size without dividing.
// None of it may change what the EVM computes or reports: the words at the 2^256 boundary and
// the memory gas are the Yellow Paper's (written out here, not computed by the EVM), on each of
// the interpreter's paths; and a `step` listener (a tracer) still sees every step of a frame.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createEVM, type InterpreterStep } from '@ethereumjs/evm'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { bytesToBigInt, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { createChainCommon, devGenesis } from '@busan/chain-config'

const common = createChainCommon(devGenesis({ period: 0 }))
const MAX = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn
const HIGH_BIT = 0x8000000000000000000000000000000000000000000000000000000000000000n

/** `a OP b` (a on top of the stack, as the Yellow Paper's μs[0]), its word returned: PUSH32 b PUSH32 a OP, MSTORE at 0, RETURN 32 bytes. */
function binaryOpCode(op: number, a: bigint, b: bigint): Uint8Array {
  const word = (value: bigint) => value.toString(16).padStart(64, '0')
  return hexToBytes(`0x7f${word(b)}7f${word(a)}${op.toString(16).padStart(2, '0')}60005260206000f3`)
}

// [opcode, name, a, b, a OP b mod 2^256]
const cases: [number, string, bigint, bigint, bigint][] = [
  [0x01, 'ADD', MAX, 1n, 0n],
  [0x01, 'ADD', MAX, MAX, MAX - 1n],
  [0x01, 'ADD', 2n, 3n, 5n],
  [0x02, 'MUL', MAX, MAX, 1n],
  [0x02, 'MUL', HIGH_BIT, 2n, 0n],
  [0x02, 'MUL', HIGH_BIT + 1n, 3n, HIGH_BIT + 3n],
  [0x02, 'MUL', 1n << 128n, 1n << 128n, 0n],
  [0x03, 'SUB', 0n, 1n, MAX],
  [0x03, 'SUB', 1n, MAX, 2n],
  [0x03, 'SUB', 7n, 5n, 2n],
  [0x03, 'SUB', 5n, 5n, 0n],
]

/** The interpreter's three step paths: synchronous (the default), every step awaited, and runStep because a listener watches. */
const paths = [
  { name: 'synchronous steps', synchronousSteps: true, listener: false },
  { name: 'every step awaited', synchronousSteps: false, listener: false },
  { name: 'a step listener attached', synchronousSteps: true, listener: true },
]

for (const path of paths) {
  test(`ADD, MUL and SUB wrap modulo 2^256 (${path.name})`, async () => {
    const evm = await createEVM({ common, stateManager: new MerkleStateManager({ common }), synchronousSteps: path.synchronousSteps })
    if (path.listener) evm.events!.on('step', () => {})
    for (const [op, name, a, b, expected] of cases) {
      const result = await evm.runCode({ code: binaryOpCode(op, a, b), gasLimit: 100_000n })
      assert.equal(result.exceptionError, undefined, `${name} ran`)
      assert.equal(bytesToBigInt(result.returnValue), expected, `${name}(${a}, ${b}) = ${bytesToHex(result.returnValue)}`)
    }
  })
}

for (const path of paths) {
  test(`memory expansion is charged as the Yellow Paper's C_mem, and an access inside memory is free (${path.name})`, async () => {
    const evm = await createEVM({ common, stateManager: new MerkleStateManager({ common }), synchronousSteps: path.synchronousSteps })
    if (path.listener) evm.events!.on('step', () => {})
    // C_mem(a) = 3a + floor(a^2 / 512) for a words. PUSH1 1 PUSH2 0x0400 MSTORE: 33 words,
    // 3 + 3 + 3 + (99 + 2) = 110. PUSH1 2 PUSH1 0 MSTORE, inside: 9. PUSH1 3 PUSH2 0x0401 MSTORE:
    // 34 words, 3 + 3 + 3 + (102 + 2 - 101) = 12. STOP. In all 131.
    const code = hexToBytes('0x600161040052600260005260036104015200')
    const result = await evm.runCode({ code, gasLimit: 100_000n })
    assert.equal(result.exceptionError, undefined)
    assert.equal(result.executionGasUsed, 131n)
  })
}

test('a step listener sees every step of a frame that runs synchronous steps by default', async () => {
  const evm = await createEVM({ common, stateManager: new MerkleStateManager({ common }) })
  // PUSH1 3; loop: JUMPDEST PUSH1 1 SWAP1 SUB DUP1 PUSH1 2 JUMPI; STOP. 1 + 3 x 7 + 1 = 23 steps.
  const code = hexToBytes('0x60035b60019003806002570000')
  const seen: string[] = []
  const onStep = (step: InterpreterStep) => seen.push(step.opcode.name)
  evm.events!.on('step', onStep)
  const watched = await evm.runCode({ code, gasLimit: 100_000n })
  evm.events!.off('step', onStep)
  assert.equal(watched.exceptionError, undefined)
  const loop = ['JUMPDEST', 'PUSH1', 'SWAP1', 'SUB', 'DUP1', 'PUSH1', 'JUMPI']
  assert.deepEqual(seen, ['PUSH1', ...loop, ...loop, ...loop, 'STOP'])
  // Unwatched, the same code uses the same gas: the listener changed the path, not the result.
  const unwatched = await evm.runCode({ code, gasLimit: 100_000n })
  assert.equal(unwatched.executionGasUsed, watched.executionGasUsed)
  assert.equal(seen.length, 23, 'the listener was not called again once removed')
})
