// EthereumJS's interpreter analyses a contract's code (valid jump destinations, the value of
// every PUSH, the opcode entry at every position) on every call that jumps, a walk over the
// whole code that allocates a BigInt per PUSH: for a token contract, a sizeable share of each
// transfer's execution. The analysis depends only on the code and the opcode table, so it is
// kept here across calls, transactions and blocks, through the `codeAnalysisCache` option our
// patch adds to EthereumJS's EVM (patches/@ethereumjs+evm+*.patch; without the option the EVM
// behaves as upstream).
import type { EVMOpts } from '@ethereumjs/evm'

/** What `EVMOpts.codeAnalysisCache` takes (the patch's extension point). */
export type CodeAnalysisCache = NonNullable<EVMOpts['codeAnalysisCache']>
type CodeAnalysis = NonNullable<ReturnType<CodeAnalysisCache['get']>>

/**
 * A cache keyed by the code's Uint8Array: the state manager's code cache hands out one
 * instance per contract while it holds it, so every call into a contract after the first finds
 * its analysis, and an entry goes when its code is collected (no size to tune). An analysis
 * is reused only for the opcode table it was made with (a fork change or the tracer's
 * SELFDESTRUCT wrapper makes a new table).
 */
export function createCodeAnalysisCache(): CodeAnalysisCache {
  const byCode = new WeakMap<Uint8Array, { opcodeMap: unknown; analysis: CodeAnalysis }>()
  return {
    get(code, opcodeMap) {
      const entry = byCode.get(code)
      return entry !== undefined && entry.opcodeMap === opcodeMap ? entry.analysis : undefined
    },
    set(code, opcodeMap, analysis) {
      byCode.set(code, { opcodeMap, analysis })
    },
  }
}
