// The failing calls of CallTree (contracts/test/CallTree.sol) whose Hardhat stack traces
// scripts/hardhat/stack-traces.ts takes and test/e2e/hardhat-stack-trace.test.ts compares with
// the node's callTracer: [function, arguments], each mined with a fixed gas limit and failing.
export const FAILING_CALLS: [string, bigint[]][] = [
  ['relay', [3n]],
  ['divide', [0n]],
  ['explode', [4n]],
  ['invalid', []],
]

/** The gas limit each is sent with (no estimate: an estimate of a failing call fails). */
export const FAILING_GAS_LIMIT = 300_000n
