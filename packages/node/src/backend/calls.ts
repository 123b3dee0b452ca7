// eth_call, eth_estimateGas and eth_createAccessList: execution on a throw-away layer over
// a block's state, as geth does (DoCall / DoEstimateGas), never persisted. Runs on an RPC
// worker thread (rpc-workers/), never on the thread that seals and imports.
import { Block, createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { createTx, type TypedTransaction } from '@ethereumjs/tx'
import { Address, bytesToHex, equalsBytes, hexToBytes, toChecksumAddress, type DB } from '@ethereumjs/util'
import type { InterpreterStep } from '@ethereumjs/evm'
import { createVM, runTx, type VM } from '@ethereumjs/vm'
import { createStateTrie, evmBlockchain, type CodeAnalysisCache } from '@busan/chain'
import { commonAt } from '@busan/chain-config'
import { EphemeralTrieStore } from '@busan/db'
import { ExecutionError, authorizationListBytes, type AccountOverride, type CallOverrides, type CallRequest, type CallResult } from '@busan/rpc'
import { createTracer, gethErrorText, TraceLimitError, type TraceOptions, type Tracer } from '@busan/tracing'
import { CallError, OverrideError, callError } from './call-errors.ts'
import { applyStateOverrides, overriddenBlock } from './call-overrides.ts'
import { runTraced } from './tracing.ts'

const PRECOMPILE_MAX = 0x11n
const CALL_STIPEND = 2300n
const TX_GAS = 21000n
const ESTIMATE_ERROR_PER_MILLE = 15n
/** EthereumJS's exception for running out of gas (its ERROR.OUT_OF_GAS), which is geth's text too. */
const OUT_OF_GAS = 'out of gas'

/** What calls read: the chain's Common, its trie nodes, canonical hashes (BLOCKHASH), and the thread's code analyses. */
export interface CallContext {
  common: Common
  trieStore: DB<string, Uint8Array>
  blockHash: (number: bigint) => Uint8Array | undefined
  /** Code analyses kept across calls and blocks, as the block executor keeps them. */
  codeAnalysisCache: CodeAnalysisCache
}

/** The block a call runs on top of: its header (whose state it reads) and its author (COINBASE, fees). */
export interface CallBlock {
  header: BlockHeader
  author: Uint8Array
}

interface Attempt {
  gasUsed: bigint
  refund: bigint
  returnData: Uint8Array
  error?: { kind: 'revert' | 'halt'; message: string }
  accessList?: { address: Uint8Array; storageKeys: Uint8Array[] }[]
}

/** A VM over one state root, kept between calls (see CallExecutor.session). */
interface WarmState {
  stateRoot: string
  stateManager: MerkleStateManager
  vm: VM
}

export class CallExecutor {
  private readonly context: CallContext
  private warm: WarmState | undefined
  private readonly uncappedForks = new Map<string, Common>()
  private lastFork: { header: BlockHeader; common: Common } | undefined
  private lastBlock: { header: BlockHeader; author: Uint8Array; priced: boolean; common: Common; block: Block } | undefined

  constructor(context: CallContext) {
    this.context = context
  }

  /**
   * The state manager and VM over `stateRoot`: the last ones when the root is the same (most
   * calls read the head), so account, storage and code caches stay warm from call to call.
   * Calls never change them: each run is checkpointed and reverted, and a worker thread runs
   * one job at a time.
   */
  private async warmState(stateRoot: Uint8Array, common: Common): Promise<WarmState> {
    const root = `${bytesToHex(stateRoot)}@${common.hardfork()}`
    if (this.warm?.stateRoot === root) return this.warm
    const { trieStore } = this.context
    const stateManager = new MerkleStateManager({ trie: createStateTrie(new EphemeralTrieStore(trieStore), common, stateRoot), common, caches: new Caches() })
    const vm = await createVM({ common, stateManager, blockchain: evmBlockchain(this.context.blockHash), params: {}, evmOpts: { params: {}, codeAnalysisCache: this.context.codeAnalysisCache } })
    this.warm = { stateRoot: root, stateManager, vm }
    return this.warm
  }

  /**
   * The block a call executes in: `on`'s header with its author as coinbase and, for an
   * unpriced call, base fee 0 (geth's NoBaseFee: such a call cannot fail on fees). The last
   * one is kept: calls in a row mostly run on the same header object (the worker decodes a
   * block's header once).
   */
  private executionBlock(on: CallBlock, common: Common, priced: boolean): Block {
    const memo = this.lastBlock
    if (memo !== undefined && memo.header === on.header && memo.priced === priced && equalsBytes(memo.author, on.author) && memo.common === common) return memo.block
    const header = createBlockHeader(
      { ...on.header.toJSON(), coinbase: on.author, baseFeePerGas: priced || !common.isActivatedEIP(1559) ? on.header.baseFeePerGas : 0n },
      { common, params: {} },
    )
    const block = new Block(header, [], [], common.isActivatedEIP(4895) ? [] : undefined, { common, params: {} })
    this.lastBlock = { header: on.header, author: on.author, priced, common, block }
    return block
  }

  /** The chain's Common at the fork of `header` (a call runs under the rules of the block it reads, as geth's). */
  private forkOf(header: BlockHeader): Common {
    // Finding the fork walks the schedule; calls in a row mostly share one header object.
    if (this.lastFork?.header !== header) this.lastFork = { header, common: commonAt(this.context.common, header.number, header.timestamp) }
    return this.lastFork.common
  }

  async call(request: CallRequest, block: CallBlock, options: { gasCap: bigint; withAccessList?: boolean; overrides?: CallOverrides }): Promise<CallResult> {
    const on = overriddenBlock(block, this.forkOf(block.header), options.overrides?.block)
    const session = await this.session(on, request, options.overrides?.state)
    const gas = this.gasLimit(request, on, options.gasCap)
    if (!options.withAccessList) {
      const attempt = await session.run(gas, false).catch((error: unknown) => {
        // geth's DoCall wraps what its state transition refuses: "err: <reason> (supplied gas N)".
        if (error instanceof CallError && !(error instanceof OverrideError)) throw new CallError(`err: ${error.message} (supplied gas ${gas})`, error.code)
        throw error
      })
      return { returnData: attempt.returnData, gasUsed: attempt.gasUsed, error: attempt.error }
    }
    // Two passes as geth's access-list tracer: collect what is touched, then price it.
    const first = await session.run(gas, true)
    const accessList = this.filterAccessList(first.accessList ?? [], request, session.sender)
    const priced = await this.session(on, { ...request, accessList }, options.overrides?.state)
    const second = await priced.run(gas, false)
    return { returnData: second.returnData, gasUsed: second.gasUsed, error: second.error, accessList }
  }

  async estimateGas(request: CallRequest, block: CallBlock, options: { gasCap: bigint; overrides?: CallOverrides }): Promise<bigint> {
    const on = overriddenBlock(block, this.forkOf(block.header), options.overrides?.block)
    const session = await this.session(on, request, options.overrides?.state)
    // geth's estimator takes a gas hint only from 21,000 up; a lower one means no hint; and
    // from Osaka it searches no higher than EIP-7825's per-transaction cap.
    let hi = this.gasLimit(request.gas !== undefined && request.gas < TX_GAS ? { ...request, gas: undefined } : request, on, options.gasCap)
    const fork = this.forkOf(on.header)
    if (fork.isActivatedEIP(7825) && hi > fork.param('maxTransactionGasLimit')) hi = fork.param('maxTransactionGasLimit')
    const feeCap = request.maxFeePerGas ?? request.gasPrice ?? 0n
    if (feeCap > 0n) {
      const balance = await session.inspect(async (state) => (await state.getAccount(new Address(session.sender)))?.balance ?? 0n)
      const available = balance - (request.value ?? 0n)
      if (available < 0n) throw new CallError('insufficient funds for transfer')
      const allowance = available / feeCap
      if (allowance < hi) hi = allowance
    }
    // A plain transfer to an account without code: 21000 if that works, as geth's estimator.
    if ((request.data === undefined || request.data.length === 0) && request.to !== undefined) {
      const to = request.to
      const code = await session.inspect((state) => state.getCode(new Address(to)))
      if (code.length === 0) {
        const transfer = await session.run(TX_GAS, false).catch(() => undefined)
        if (transfer !== undefined && transfer.error === undefined) return TX_GAS
      }
    }
    const top = await session.run(hi, false).catch((error: unknown) => {
      // geth treats a limit under the intrinsic gas as a failed attempt, not a refusal.
      if (error instanceof CallError && error.message.startsWith('intrinsic gas too low')) throw new ExecutionError('halt', `gas required exceeds allowance (${hi})`)
      throw error
    })
    // geth: out of gas at the highest allowed limit means the cap is too low, not the call wrong.
    if (top.error?.kind === 'halt' && top.error.message === OUT_OF_GAS) throw new ExecutionError('halt', `gas required exceeds allowance (${hi})`)
    if (top.error !== undefined) throw failure(top)
    // Gas before refunds is a lower bound; the 63/64 rule may need more, so search upward.
    let lo = top.gasUsed + top.refund - 1n
    const optimistic = ((top.gasUsed + top.refund + CALL_STIPEND) * 64n) / 63n
    if (optimistic < hi) {
      const attempt = await session.run(optimistic, false)
      if (attempt.error === undefined) hi = optimistic
      else lo = optimistic
    }
    // Stop within 1.5% of the lowest passing gas limit, as geth does: an estimate that much
    // above the minimum is still sufficient, and each attempt is a full execution.
    while (lo + 1n < hi && (hi - lo) * 1000n > hi * ESTIMATE_ERROR_PER_MILLE) {
      const mid = (lo + hi) / 2n
      const attempt = await session.run(mid, false)
      if (attempt.error === undefined) hi = mid
      else lo = mid
    }
    return hi
  }

  /**
   * debug_traceCall: the call traced with the tracer `options` names; its JSON text. Throws
   * CallError for what geth refuses before running (fees, funds, malformed call).
   */
  async trace(request: CallRequest, block: CallBlock, options: { gasCap: bigint; trace: TraceOptions; overrides?: CallOverrides }): Promise<string> {
    const on = overriddenBlock(block, this.forkOf(block.header), options.overrides?.block)
    const session = await this.session(on, request, options.overrides?.state)
    const isPrecompile = (address: Uint8Array) => session.vm.evm.getPrecompile?.(new Address(address)) !== undefined
    const tracer = createTracer(options.trace, { firstLogIndex: 0, isPrecompile })
    try {
      await session.run(this.gasLimit(request, on, options.gasCap), false, tracer)
    } catch (error) {
      // geth (eth/tracers/api.go traceTx): what is refused before running is a failed trace.
      if (error instanceof CallError) throw new CallError(`tracing failed: ${error.message}`)
      throw error
    }
    return tracer.result()
  }

  /** The call's gas: the request's, else the RPC gas cap (else the block's limit), never above the cap. */
  private gasLimit(request: CallRequest, on: CallBlock, gasCap: bigint): bigint {
    const requested = request.gas ?? (gasCap > 0n ? gasCap : on.header.gasLimit)
    return gasCap > 0n && requested > gasCap ? gasCap : requested
  }

  /**
   * `common` with EIP-7825's per-transaction cap lifted, for building a call's transaction:
   * geth runs calls with SkipTransactionChecks, which skips the cap (its estimator caps its
   * search at the cap instead). One copy per fork.
   */
  private uncapped(common: Common): Common {
    if (!common.isActivatedEIP(7825)) return common
    let copy = this.uncappedForks.get(common.hardfork())
    if (copy === undefined) {
      // Common.updateParams would write into the parameter table every copy shares; this
      // copy gets a table of its own with the one value replaced, and its cache rebuilt.
      const lifted = common.copy() as unknown as { _params: Record<string, unknown>; _buildParamsCache(): void }
      // A decimal string (param() takes BigInt of it): above any uint64 gas, the RPC gas cap's range.
      lifted._params = { ...lifted._params, 7825: { maxTransactionGasLimit: (2n ** 64n).toString() } }
      lifted._buildParamsCache()
      copy = lifted as unknown as Common
      this.uncappedForks.set(common.hardfork(), copy)
    }
    return copy
  }

  private filterAccessList(list: { address: Uint8Array; storageKeys: Uint8Array[] }[], request: CallRequest, sender: Uint8Array) {
    const excluded = new Set([bytesToHex(sender), request.to === undefined ? '' : bytesToHex(request.to)])
    return list.filter(({ address, storageKeys }) => {
      // geth's tracer leaves out the sender, the recipient and precompiles as bare addresses
      // only: storage slots are listed whatever account holds them (the called contract's too).
      if (storageKeys.length > 0) return true
      const asNumber = BigInt(bytesToHex(address))
      return !excluded.has(bytesToHex(address)) && !(asNumber > 0n && asNumber <= PRECOMPILE_MAX)
    })
  }

  /** A call's runner on `on`'s state; `accounts` are overridden inside each run's checkpoint. */
  private async session(on: CallBlock, request: CallRequest, accounts: AccountOverride[] = []) {
    const common = this.forkOf(on.header)
    const { stateManager, vm } = await this.warmState(on.header.stateRoot, common)
    const priced = (request.gasPrice ?? request.maxFeePerGas ?? 0n) > 0n
    const block = this.executionBlock(on, common, priced)
    const { header } = block
    const sender = request.from ?? new Uint8Array(20)
    const feeCap = request.maxFeePerGas ?? request.gasPrice ?? 0n
    /** Runs `work` on the state as the call sees it (overrides applied, in a checkpoint), then puts the state back. */
    const overridden = async <T>(work: () => Promise<T>): Promise<T> => {
      await stateManager.checkpoint()
      let restorePrecompiles = () => {}
      try {
        if (accounts.length > 0) restorePrecompiles = await applyStateOverrides(vm, accounts)
        return await work()
      } finally {
        restorePrecompiles()
        await stateManager.revert()
      }
    }
    const run = async (gas: bigint, reportAccessList: boolean, tracer?: Tracer): Promise<Attempt> => {
      const baseFee = header.baseFeePerGas ?? 0n
      if (priced && feeCap < baseFee) {
        throw new CallError(`max fee per gas less than block base fee: address ${toChecksumAddress(bytesToHex(sender))}, maxFeePerGas: ${feeCap}, baseFee: ${baseFee}`)
      }
      const tx = this.transaction(request, gas, sender, this.uncapped(common))
      // geth's calls skip the sender's code check (SkipTransactionChecks): a call may come from a contract.
      const options = { tx, block, skipNonce: true, skipBalance: !priced, skipBlockGasLimitValidation: true, skipHardForkValidation: true, skipSenderCodeCheck: true, reportAccessList }
      let attempt: Attempt
      try {
        attempt = await overridden<Attempt>(async () => {
          // geth's pre-check, with its message, on the overridden state. EthereumJS's skipBalance
          // would mint what an unpriced call lacks, value included; geth never pays the value.
          const want = gas * feeCap + (request.value ?? 0n)
          if (want > 0n) {
            const have = (await stateManager.getAccount(new Address(sender)))?.balance ?? 0n
            if (have < want) throw new CallError(`insufficient funds for gas * price + value: address ${toChecksumAddress(bytesToHex(sender))} have ${have} want ${want}`)
          }
          const result = tracer === undefined ? await runTx(vm, options) : await runTraced(vm, tracer, { ...options, sender, coinbase: on.author })
          const exception = result.execResult.exceptionError
          return {
            gasUsed: result.totalGasSpent,
            refund: result.gasRefund ?? 0n,
            returnData: result.execResult.returnValue,
            error: exception === undefined ? undefined : { kind: exception.error === 'revert' ? 'revert' : 'halt', message: exception.error },
            accessList: result.accessList?.map((item) => ({ address: hexToBytes(item.address as `0x${string}`), storageKeys: item.storageKeys.map((key) => hexToBytes(key as `0x${string}`)) })),
          }
        })
      } catch (error) {
        if (error instanceof TraceLimitError || error instanceof CallError) throw error
        throw callError(error, sender)
      }
      if (attempt.error !== undefined) {
        // geth's words (core/vm/errors.go); those naming the failing opcode need it found first.
        const at = STEP_ERRORS.has(attempt.error.message) ? await overridden(() => failingStep(vm, options)) : undefined
        attempt.error.message = gethErrorText(attempt.error.message, at)
      }
      return attempt
    }
    /** Reads the state as the call sees it (overrides applied), then puts it back. */
    const inspect = <T>(read: (state: typeof stateManager) => Promise<T>): Promise<T> => overridden(() => read(stateManager))
    return { vm, run, sender, inspect }
  }

  /** The unsigned transaction a call runs as; throws CallError with geth's message when EthereumJS refuses it. */
  private transaction(request: CallRequest, gas: bigint, sender: Uint8Array, common: Common): TypedTransaction {
    try {
      return this.unsignedTransaction(request, gas, sender, common)
    } catch (error) {
      throw callError(error, sender)
    }
  }

  /** A set-code transaction with an authorization list, else EIP-1559 (from London), else EIP-2930 or legacy. */
  private unsignedTransaction(request: CallRequest, gas: bigint, sender: Uint8Array, common: Common): TypedTransaction {
    const base = {
      to: request.to,
      value: request.value ?? 0n,
      data: request.data ?? new Uint8Array(),
      gasLimit: gas,
      nonce: request.nonce ?? 0n,
      accessList: request.accessList?.map((item) => [item.address, item.storageKeys] as [Uint8Array, Uint8Array[]]),
    }
    const maxFeePerGas = request.maxFeePerGas ?? request.gasPrice ?? 0n
    const maxPriorityFeePerGas = request.maxPriorityFeePerGas ?? request.gasPrice ?? 0n
    const tx =
      // Present, even empty, makes it a set-code call: geth then refuses an empty list.
      request.authorizationList !== undefined
        ? createTx(
            {
              ...base,
              type: 4,
              maxFeePerGas,
              maxPriorityFeePerGas,
              authorizationList: authorizationListBytes(request.authorizationList),
            },
            { common, params: {}, freeze: false },
          )
        : common.isActivatedEIP(1559)
          ? createTx({ ...base, type: 2, maxFeePerGas, maxPriorityFeePerGas }, { common, params: {}, freeze: false })
          : createTx({ ...base, type: base.accessList !== undefined && common.isActivatedEIP(2930) ? 1 : 0, gasPrice: request.gasPrice ?? 0n }, { common, params: {}, freeze: false })
    // Calls are unsigned: the VM asks the transaction for its sender, so we answer.
    const from = new Address(sender)
    Object.assign(tx, { getSenderAddress: () => from, isSigned: () => true })
    return tx
  }
}


function failure(attempt: Attempt): ExecutionError {
  return new ExecutionError(attempt.error?.kind ?? 'halt', attempt.error?.message ?? 'execution failed', attempt.returnData)
}

const INVALID = 0xfe
/** EthereumJS errors whose geth text names the failing opcode or the stack height. */
const STEP_ERRORS = new Set(['invalid opcode', 'stack underflow', 'stack overflow'])

/**
 * Runs the call again watching its top-level steps (the caller provides the state, reverted
 * after), and returns the last: the one that failed. Only for the rare errors whose text needs
 * it (STEP_ERRORS): a step listener slows every opcode, so calls do not carry one.
 */
async function failingStep(vm: VM, options: Parameters<typeof runTx>[1]): Promise<{ opcode: number; stackLength: number } | undefined> {
  let last: { opcode: number; stackLength: number; pc: number } | undefined
  const onStep = (step: InterpreterStep) => {
    if (step.depth === 0) last = { opcode: step.opcode.code, stackLength: step.stack.length, pc: step.pc }
  }
  vm.evm.events!.on('step', onStep)
  try {
    await runTx(vm, options)
  } finally {
    vm.evm.events!.off('step', onStep)
  }
  // EthereumJS reports every undefined opcode as INVALID (0xfe); geth names the byte itself.
  if (last?.opcode === INVALID) {
    const to = options.tx.to
    const code = to === undefined ? options.tx.data : await vm.stateManager.getCode(to)
    last.opcode = code[last.pc] ?? INVALID
  }
  return last
}
