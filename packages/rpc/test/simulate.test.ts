// eth_simulateV1's chain of blocks as geth's sanitizeChain settles it: numbers and times
// defaulted and checked, gaps filled, the 256-block bound.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RpcError } from '../src/errors.ts'
import { settleChain } from '../src/methods/eth/simulate.ts'

const base = { number: 100n, timestamp: 1_000n }
const block = (overrides: { number?: bigint; time?: bigint } = {}) => ({ blockOverrides: overrides, stateOverrides: [], calls: [] })

function refusal(given: ReturnType<typeof block>[]): { code: number; message: string } {
  try {
    settleChain(base, given)
  } catch (error) {
    assert.ok(error instanceof RpcError)
    return { code: error.code, message: error.message }
  }
  assert.fail('settled')
}

describe('eth_simulateV1: settleChain', () => {
  it('numbers +1 and times +12 s by default; a gap is filled with empty blocks 12 s apart', () => {
    const blocks = settleChain(base, [block(), block({ number: 104n }), block({ time: 2_000n }), block()])
    assert.deepEqual(
      blocks.map((b) => [b.number, b.time, b.calls.length]),
      [
        [101n, 1_012n, 0],
        [102n, 1_024n, 0],
        [103n, 1_036n, 0],
        [104n, 1_048n, 0],
        [105n, 2_000n, 0],
        [106n, 2_012n, 0],
      ],
    )
  })

  it('refuses numbers or given times that do not grow, and blocks past 256 from the base', () => {
    assert.deepEqual(refusal([block({ number: 100n })]), { code: -38020, message: 'block numbers must be in order: 100 <= 100' })
    assert.deepEqual(refusal([block({ number: 110n }), block({ number: 105n })]), { code: -38020, message: 'block numbers must be in order: 105 <= 110' })
    assert.deepEqual(refusal([block({ time: 1_000n })]), { code: -38021, message: 'block timestamps must be in order: 1000 <= 1000' })
    assert.deepEqual(refusal([block({ number: 357n })]), { code: -38026, message: 'too many blocks' })
    assert.equal(settleChain(base, [block({ number: 356n })]).length, 256)
  })

  it('a default time wraps at 2^64 as geth\'s uint64 does (only given times are checked)', () => {
    const blocks = settleChain(base, [block({ time: (1n << 64n) - 1n }), block()])
    assert.deepEqual(
      blocks.map((b) => b.time),
      [(1n << 64n) - 1n, 11n],
    )
  })
})
