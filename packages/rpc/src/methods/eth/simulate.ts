// eth_simulateV1 (execution-apis `src/eth/execute.yaml`): blocks of calls simulated on top of
// a stored block, as geth's internal/ethapi/simulate.go answers it. Decoding, the request's
// limits and the chain of block numbers and timestamps are settled here; the blocks run on an
// RPC worker thread (the backend), within the request's time budget.
import type { AccountOverride, BlockView } from '../../backend.ts'
import type { SimulateBlock, SimulateBlockOverrides, SimulateCall, SimulatedBlock, SimulatedCallResult, SimulateRequest } from '../../backend-simulate.ts'
import { LATEST, method, resolveStateBlock, type HandlerContext, type MethodTable } from '../../context.ts'
import { RpcError, invalidParams } from '../../errors.ts'
import { formatHeader, formatLog, formatTransaction, formatWithdrawals, hex, quantity, type JsonObject } from '../../format.ts'
import { simulateBlockOverrides, stateOverrides } from '../../overrides.ts'
import { asObject, callRequest, member, members } from '../../param-objects.ts'
import { arrayOf, blockTagOrHash, bool, hash, optional, quantity as quantityParam, required, typeError, jsonKind, type Decoder } from '../../params.ts'
import { withEvmTimeout } from './call.ts'

/** geth's bounds on one request (maxSimulateBlocks, maxSimulateCallsPerBlock, maxSimulateTotalCalls). */
export const MAX_SIMULATE_BLOCKS = 256
export const MAX_SIMULATE_CALLS_PER_BLOCK = 5000
export const MAX_SIMULATE_TOTAL_CALLS = 10_000
/** Seconds between a simulated block and the one before when its time is not given (geth's timestampIncrement). */
const TIMESTAMP_INCREMENT = 12n

/** The codes of eth_simulateV1's refusals (execution-apis; geth's internal/ethapi/errors.go). */
export const SimulateErrorCode = {
  BlockNumberInvalid: -38020,
  BlockTimestampInvalid: -38021,
  ClientLimitExceeded: -38026,
} as const

/** One `blockStateCalls` entry as given (execution-apis `BlockStateCall`). */
interface BlockStateCall {
  blockOverrides: SimulateBlockOverrides
  stateOverrides: AccountOverride[]
  calls: SimulateCall[]
}

/** execution-apis `SimulatePayload` as given, before the chain is settled. */
interface SimulateOptions {
  blockStateCalls: BlockStateCall[]
  validation: boolean
  traceTransfers: boolean
  returnFullTransactions: boolean
}

/** geth's TransactionArgs with the fields a simulated call may carry besides eth_call's: its chain id and the EIP-4844 ones. */
const simulateCall: Decoder<SimulateCall> = {
  goType: 'ethapi.TransactionArgs',
  decode(value, field) {
    const { request, chainId } = callRequest.decode(value, field)
    const blob = members<Pick<SimulateCall, 'blobVersionedHashes' | 'maxFeePerBlobGas'>>(
      asObject(value, this.goType, field),
      { blobVersionedHashes: arrayOf(hash), maxFeePerBlobGas: quantityParam },
      'TransactionArgs',
    )
    return { ...request, ...blob, ...(chainId === undefined ? {} : { chainId }) }
  },
}

const blockStateCall: Decoder<BlockStateCall> = {
  goType: 'ethapi.simBlock',
  decode(value, field) {
    const obj = asObject(value, this.goType, field)
    return {
      blockOverrides: member(obj, 'blockOverrides', simulateBlockOverrides, 'simBlock') ?? {},
      stateOverrides: member(obj, 'stateOverrides', stateOverrides, 'simBlock') ?? [],
      calls: member(obj, 'calls', arrayOf(simulateCall), 'simBlock') ?? [],
    }
  },
}

/** execution-apis `SimulatePayload` (geth's simOpts). */
const simulateOptions: Decoder<SimulateOptions> = {
  goType: 'ethapi.simOpts',
  decode(value, field) {
    const obj = asObject(value, this.goType, field)
    const blocks = obj.blockStateCalls
    if (blocks !== undefined && blocks !== null && !Array.isArray(blocks)) throw typeError(jsonKind(blocks), '[]ethapi.simBlock', 'simOpts.blockStateCalls')
    return {
      blockStateCalls: ((blocks ?? []) as unknown[]).map((block) => blockStateCall.decode(block, 'simOpts.blockStateCalls')),
      validation: member(obj, 'validation', bool, 'simOpts') ?? false,
      traceTransfers: member(obj, 'traceTransfers', bool, 'simOpts') ?? false,
      returnFullTransactions: member(obj, 'returnFullTransactions', bool, 'simOpts') ?? false,
    }
  },
}

/** The request's size against geth's bounds, checked before any work: -32602 for nothing to do, -38026 past a bound. */
function checkLimits(blocks: BlockStateCall[]): void {
  if (blocks.length === 0) throw invalidParams('empty input')
  if (blocks.length > MAX_SIMULATE_BLOCKS) throw new RpcError(SimulateErrorCode.ClientLimitExceeded, 'too many blocks')
  let total = 0
  for (const block of blocks) {
    if (block.calls.length > MAX_SIMULATE_CALLS_PER_BLOCK) {
      throw new RpcError(SimulateErrorCode.ClientLimitExceeded, `too many calls in block: ${block.calls.length} > ${MAX_SIMULATE_CALLS_PER_BLOCK}`)
    }
    total += block.calls.length
    if (total > MAX_SIMULATE_TOTAL_CALLS) throw new RpcError(SimulateErrorCode.ClientLimitExceeded, `too many calls: ${total} > ${MAX_SIMULATE_TOTAL_CALLS}`)
  }
}

/** The time of a block after one at `time` when none is given: 12 s later, in 64 bits (geth's uint64 wraps). */
function nextTime(time: bigint): bigint {
  return (time + TIMESTAMP_INCREMENT) % (1n << 64n)
}

/**
 * geth's sanitizeChain: each block's number is the one before + 1 unless overridden, and must
 * grow (-38020); a gap is filled with empty blocks 12 s apart; no block may lie more than 256
 * past the base (-38026); a block's time is the one before + 12 s unless overridden, and must
 * grow (-38021).
 */
export function settleChain(base: { number: bigint; timestamp: bigint }, given: BlockStateCall[]): SimulateBlock[] {
  const blocks: SimulateBlock[] = []
  let prevNumber = base.number
  let prevTime = base.timestamp
  for (const { blockOverrides, stateOverrides: state, calls } of given) {
    const { number: numberOverride, time: timeOverride, ...overrides } = blockOverrides
    const number = numberOverride ?? prevNumber + 1n
    if (number <= prevNumber) throw new RpcError(SimulateErrorCode.BlockNumberInvalid, `block numbers must be in order: ${number} <= ${prevNumber}`)
    if (number - base.number > BigInt(MAX_SIMULATE_BLOCKS)) throw new RpcError(SimulateErrorCode.ClientLimitExceeded, 'too many blocks')
    for (let gap = prevNumber + 1n; gap < number; gap++) {
      prevTime = nextTime(prevTime)
      blocks.push({ number: gap, time: prevTime, overrides: {}, state: [], calls: [] })
    }
    prevNumber = number
    if (timeOverride !== undefined && timeOverride <= prevTime) {
      throw new RpcError(SimulateErrorCode.BlockTimestampInvalid, `block timestamps must be in order: ${timeOverride} <= ${prevTime}`)
    }
    prevTime = timeOverride ?? nextTime(prevTime)
    blocks.push({ number, time: prevTime, overrides, state, calls })
  }
  return blocks
}

function formatCallResult(result: SimulatedCallResult): JsonObject {
  const out: JsonObject = {
    returnData: hex(result.returnData),
    logs: result.logs.map((log) => formatLog(log)),
    gasUsed: quantity(result.gasUsed),
    maxUsedGas: quantity(result.maxUsedGas),
    status: quantity(result.status),
  }
  if (result.error !== undefined) {
    const { code, message, data } = result.error
    out.error = data === undefined ? { message, code } : { message, code, data: hex(data) }
  }
  return out
}

/** execution-apis `SimulatedBlock`: the block as eth_getBlockByHash shows it, with its `calls`. */
function formatSimulatedBlock(block: SimulatedBlock, fullTransactions: boolean): JsonObject {
  const header = block.header
  const out = formatHeader(header, block.hash)
  out.size = quantity(block.size)
  out.transactions = block.transactions.map((tx, index) =>
    fullTransactions
      ? formatTransaction(tx, { hash: tx.hash, sender: tx.sender, blockHash: block.hash, blockNumber: header.number, blockTimestamp: header.timestamp, index, blockBaseFee: header.baseFeePerGas })
      : hex(tx.hash),
  )
  out.uncles = []
  if (block.withdrawals !== undefined) out.withdrawals = formatWithdrawals(block.withdrawals)
  out.calls = block.calls.map(formatCallResult)
  return out
}

/** Runs the settled blocks on the backend within the request's time budget. */
function simulate(ctx: HandlerContext, request: SimulateRequest, view: BlockView): Promise<SimulatedBlock[]> {
  return withEvmTimeout(ctx, (signal) => ctx.backend.chain.simulate(request, view, { gasCap: ctx.options.rpcGasCap, signal }))
}

export const simulateMethods: MethodTable = {
  eth_simulateV1: method([required('opts', simulateOptions), optional('block', blockTagOrHash)], async (ctx, opts, selector) => {
    checkLimits(opts.blockStateCalls)
    const view = await resolveStateBlock(ctx, selector ?? LATEST)
    const { number, timestamp } = view.block.header
    const blocks = settleChain({ number, timestamp }, opts.blockStateCalls)
    const results = await simulate(ctx, { blocks, validation: opts.validation, traceTransfers: opts.traceTransfers }, view)
    return results.map((block) => formatSimulatedBlock(block, opts.returnFullTransactions))
  }),
}
