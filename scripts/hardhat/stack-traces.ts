// Hardhat's Solidity stack traces for the tracing fixture's failing transactions, taken on
// Hardhat's own in-process network (EDR), for the e2e test that checks the node's callTracer
// against them (test/e2e/hardhat-stack-trace.test.ts). Prints one JSON line:
//   STACK_TRACES {"relay": {"message", "entries": [{"type", "contract", "function"}], "returnData"?, "errorCode"?, "invalidOpcode"?}, ...}
//   npx hardhat run scripts/hardhat/stack-traces.ts
import { network } from 'hardhat'
import { FAILING_CALLS, FAILING_GAS_LIMIT } from './stack-trace-cases.ts'

interface StackEntry {
  type: number
  sourceReference?: { contract?: string; function?: string }
  returnData?: Uint8Array
  errorCode?: bigint
  isInvalidOpcodeError?: boolean
}

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`

const connection = await network.create()
const [, sender] = await connection.ethers.getSigners()
const tree = await connection.ethers.deployContract('CallTree', [], { signer: sender, value: 5n })
await tree.waitForDeployment()
const traces: Record<string, unknown> = {}
for (const [name, args] of FAILING_CALLS) {
  try {
    await (await tree.getFunction(name)(...args, { gasLimit: FAILING_GAS_LIMIT })).wait()
    throw new Error(`${name} did not fail on Hardhat's network`)
  } catch (error) {
    const { message, stackTrace } = error as { message: string; stackTrace?: StackEntry[] }
    if (stackTrace === undefined) throw error
    const last = stackTrace.at(-1)
    traces[name] = {
      message,
      entries: stackTrace.map((entry) => ({ type: entry.type, contract: entry.sourceReference?.contract, function: entry.sourceReference?.function })),
      returnData: last?.returnData && hex(last.returnData),
      errorCode: last?.errorCode?.toString(),
      invalidOpcode: last?.isInvalidOpcodeError,
    }
  }
}
await connection.close()
console.log(`STACK_TRACES ${JSON.stringify(traces)}`)
