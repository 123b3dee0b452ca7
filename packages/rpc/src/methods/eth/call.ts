// Message calls against state: eth_call, eth_estimateGas, eth_createAccessList.
import type { BlockView, CallRequest } from '../../backend.ts'
import { LATEST, method, resolveStateBlock, type HandlerContext, type MethodTable } from '../../context.ts'
import { executionAborted, withinDeadline } from '../../deadline.ts'
import { ErrorCode, invalidParams, revertError, serverError } from '../../errors.ts'
import { hex, quantity } from '../../format.ts'
import { blockTagOrHash, optional, required, type BlockSelector } from '../../params.ts'
import { callRequest, type DecodedCallRequest } from '../../param-objects.ts'
import { blockOverrides, stateOverrides } from '../../overrides.ts'

/** What "uncapped" (rpcGasCap 0) passes to the backend, as geth's math.MaxUint64 / 2. */
const UNCAPPED = (1n << 63n) - 1n

export function gasCapOf(ctx: HandlerContext): bigint {
  return ctx.options.rpcGasCap === 0n ? UNCAPPED : ctx.options.rpcGasCap
}

/** Checks the request as geth's TransactionArgs does and resolves the block it runs on. */
export async function prepareCall(ctx: HandlerContext, decoded: DecodedCallRequest, selector: BlockSelector | undefined): Promise<{ request: CallRequest; view: BlockView }> {
  const request = { ...decoded.request }
  if (decoded.inputDataConflict) {
    throw serverError('both "data" and "input" are set and not equal. Please use "input" to pass transaction call data')
  }
  const want = ctx.backend.chain.chainId
  if (decoded.chainId !== undefined && decoded.chainId !== want) throw serverError(`chainId does not match node's (have=${decoded.chainId}, want=${want})`)
  if (request.gasPrice !== undefined && (request.maxFeePerGas !== undefined || request.maxPriorityFeePerGas !== undefined)) {
    throw serverError('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
  }
  if (request.maxFeePerGas !== undefined && request.maxPriorityFeePerGas !== undefined && request.maxFeePerGas < request.maxPriorityFeePerGas) {
    throw serverError(`maxFeePerGas (${request.maxFeePerGas}) < maxPriorityFeePerGas (${request.maxPriorityFeePerGas})`)
  }
  const cap = gasCapOf(ctx)
  if (request.gas !== undefined && request.gas > cap) {
    ctx.logger.debug({ requested: request.gas.toString(), cap: cap.toString() }, 'caller gas above allowance, capping')
    request.gas = cap
  }
  const view = await resolveStateBlock(ctx, selector ?? LATEST)
  return { request, view }
}

/** Runs `work` within the message's time budget; past it, geth's "execution aborted (timeout = 5s)". */
export function withEvmTimeout<T>(ctx: HandlerContext, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  return withinDeadline(ctx, () => executionAborted(ctx.options.callTimeoutMs), work)
}

interface ExecutionErrorLike {
  kind: 'revert' | 'halt'
  message: string
  returnData: Uint8Array
}

function isExecutionError(err: unknown): err is ExecutionErrorLike {
  if (typeof err !== 'object' || err === null) return false
  const e = err as Partial<ExecutionErrorLike>
  return (e.kind === 'revert' || e.kind === 'halt') && typeof e.message === 'string' && e.returnData instanceof Uint8Array
}

function formatAccessList(list: { address: Uint8Array; storageKeys: Uint8Array[] }[]): { address: string; storageKeys: string[] }[] {
  return list.map((entry) => ({ address: hex(entry.address), storageKeys: entry.storageKeys.map(hex) }))
}

export const callMethods: MethodTable = {
  eth_call: method(
    [required('transaction', callRequest), optional('block', blockTagOrHash), optional('stateOverrides', stateOverrides), optional('blockOverrides', blockOverrides)],
    async (ctx, decoded, block, state, blockFields) => {
      const { request, view } = await prepareCall(ctx, decoded, block)
      const overrides = { state, block: blockFields }
      const result = await withEvmTimeout(ctx, (signal) => ctx.backend.chain.call(request, view, { gasCap: gasCapOf(ctx), overrides, signal, batch: ctx }))
      if (result.error !== undefined) {
        if (result.error.kind === 'revert') throw revertError(result.returnData)
        throw serverError(result.error.message)
      }
      return hex(result.returnData)
    },
    { parallel: true },
  ),

  eth_estimateGas: method(
    [required('transaction', callRequest), optional('block', blockTagOrHash), optional('stateOverrides', stateOverrides), optional('blockOverrides', blockOverrides)],
    async (ctx, decoded, block, state, blockFields) => {
      const { request, view } = await prepareCall(ctx, decoded, block)
      const overrides = { state, block: blockFields }
      try {
        const gas = await withEvmTimeout(ctx, (signal) => ctx.backend.chain.estimateGas(request, view, { gasCap: gasCapOf(ctx), overrides, signal }))
        return quantity(gas)
      } catch (err) {
        if (isExecutionError(err)) throw err.kind === 'revert' ? revertError(err.returnData) : serverError(err.message)
        // A backend may also report a revert as a coded error (code 3, data = revert hex): add the reason.
        const coded = err as { code?: unknown; data?: unknown }
        if (coded?.code === ErrorCode.ExecutionReverted && typeof coded.data === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(coded.data)) {
          throw revertError(new Uint8Array(Buffer.from(coded.data.slice(2), 'hex')))
        }
        throw err
      }
    },
  ),

  eth_createAccessList: method([required('transaction', callRequest), optional('block', blockTagOrHash), optional('stateOverrides', stateOverrides)], async (ctx, decoded, block, state) => {
    const { request, view } = await prepareCall(ctx, decoded, block)
    const result = await withEvmTimeout(ctx, (signal) => ctx.backend.chain.call(request, view, { gasCap: gasCapOf(ctx), withAccessList: true, overrides: { state }, signal, batch: ctx }))
    const out: Record<string, unknown> = { accessList: formatAccessList(result.accessList ?? []) }
    if (result.error !== undefined) out.error = result.error.message
    out.gasUsed = quantity(result.gasUsed)
    return out
  }, { parallel: true }),
}
