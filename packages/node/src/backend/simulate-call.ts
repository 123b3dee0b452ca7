// One call of an eth_simulateV1 block, as geth's simulator runs it (internal/ethapi/simulate.go
// sanitizeCall, TransactionArgs.ToTransaction/ToMessage, core's preCheck): its defaults, the
// refusals that fail the whole request (with geth's codes and words, -38010...-38025), the
// unsigned transaction it becomes, and its run on the block being built.
import type { Block, BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { createTx, type TypedTransaction } from '@ethereumjs/tx'
import { Address, bytesToHex, toChecksumAddress } from '@ethereumjs/util'
import { runTx, type RunTxResult, type VM } from '@ethereumjs/vm'
import { authorizationListBytes, type SimulateCall, type SimulatedCallResult } from '@busan/rpc'
import { attachTracer, decodeRevertReason, gethErrorText } from '@busan/tracing'
import { CallError, callError } from './call-errors.ts'
import type { SimulationLogs } from './simulate-logs.ts'

/** geth's codes for a simulated call refused before it runs (internal/ethapi/errors.go). */
export const SimulateCallErrorCode = {
  NonceTooLow: -38010,
  NonceTooHigh: -38011,
  BaseFeeTooLow: -38012,
  IntrinsicGas: -38013,
  InsufficientFunds: -38014,
  BlockGasLimitReached: -38015,
  MaxInitCodeSizeExceeded: -38025,
  InvalidParams: -32602,
  Internal: -32603,
  /** A call that ran and failed other than by reverting. */
  VmError: -32015,
} as const

const REVERTED = 3
const NONCE_LIMIT = 1n << 64n
const CAPPED = " (gas limit was capped by the RPC server's global gas cap)"

/** The gas all of a request's calls may use together: geth's RPC gas cap (0 = none). */
export class GasBudget {
  private remaining: bigint
  constructor(cap: bigint) {
    this.remaining = cap === 0n ? (1n << 64n) - 1n : cap
  }

  cap(gas: bigint): bigint {
    return gas > this.remaining ? this.remaining : gas
  }

  consume(gas: bigint): void {
    if (gas > this.remaining) throw new CallError(`RPC gas cap exhausted: need ${gas}, remaining ${this.remaining}`)
    this.remaining -= gas
  }
}

/** The block a call runs in, as far as the call needs it. */
export interface BlockRun {
  vm: VM
  common: Common
  /** The block the EVM sees (header fields, overrides applied). */
  block: Block
  validation: boolean
  chainId: bigint
  /** The blob base fee BLOBBASEFEE answers and blob calls pay (an override, else the header's). */
  blobBaseFee: bigint | undefined
  /** Gas used by the block's calls so far. */
  gasUsed: bigint
  /**
   * Precompiles the block's overrides moved or replaced (unprefixed hex addresses): geth keeps
   * the fork's own precompile addresses warm whatever they hold (`warm`), and does not warm the
   * addresses precompiles were moved to (`cold`). Undefined when nothing moved.
   */
  precompileWarmth?: { warm: string[]; cold: string[] }
}

/** What a call became and did. */
export interface CallRun {
  tx: TypedTransaction
  sender: Uint8Array
  result: RunTxResult
  outcome: SimulatedCallResult
}

/** The fee fields of geth's message: what the call pays and offers. */
interface Fees {
  gasPrice: bigint
  feeCap: bigint
  tip: bigint
  /** Set when the call is a legacy transaction (a gas price given, or no base fee). */
  legacyPrice?: bigint
}

function checksummed(address: Uint8Array): string {
  return toChecksumAddress(bytesToHex(address))
}

/** A refusal of the whole request, in geth's applyMessageWithEVM words ("err: ... (supplied gas N)"). */
function refused(message: string, gas: bigint, code: number): CallError {
  return new CallError(`err: ${message} (supplied gas ${gas})`, code)
}

/** geth's ToMessage: the price paid per gas, with a base fee (London) or without. */
function feesOf(call: SimulateCall, baseFee: bigint | undefined): Fees {
  if (baseFee === undefined || call.gasPrice !== undefined) {
    const price = call.gasPrice ?? 0n
    return { gasPrice: price, feeCap: price, tip: price, legacyPrice: price }
  }
  const feeCap = call.maxFeePerGas ?? 0n
  const tip = call.maxPriorityFeePerGas ?? 0n
  let gasPrice = 0n
  if (feeCap > 0n || tip > 0n) gasPrice = tip + baseFee < feeCap ? tip + baseFee : feeCap
  return { gasPrice, feeCap, tip }
}

/** geth's calldata floor (EIP-7623): the least gas a transaction with this data pays. */
function floorDataGas(common: Common, data: Uint8Array): bigint {
  let tokens = 0n
  for (const byte of data) tokens += byte === 0 ? 1n : 4n
  return common.param('txGas') + tokens * common.param('totalCostFloorPerToken')
}

/**
 * Runs `call` as transaction `index` of the block: geth's defaults (the sender's nonce, the gas
 * the block has left, capped by `budget`), its refusals in geth's order, then the run, traced by
 * `logs`. Throws CallError (with geth's code) for what fails the whole request.
 */
export async function runSimulatedCall(run: BlockRun, call: SimulateCall, index: number, budget: GasBudget, logs: SimulationLogs): Promise<CallRun> {
  const { vm, common, validation } = run
  const state = vm.stateManager
  const header = run.block.header
  const sender = call.from ?? new Uint8Array(20)
  const from = checksummed(sender)
  const account = await state.getAccount(new Address(sender))
  const stateNonce = account?.nonce ?? 0n
  const nonce = call.nonce ?? stateNonce
  const remaining = header.gasLimit - run.gasUsed
  const wanted = call.gas ?? remaining
  if (remaining < wanted) throw new CallError(`block gas limit reached: remaining: ${remaining}, required: ${wanted}`, SimulateCallErrorCode.BlockGasLimitReached)
  const gas = budget.cap(wanted)
  const gasCapped = gas < wanted
  if (call.gasPrice !== undefined && (call.maxFeePerGas !== undefined || call.maxPriorityFeePerGas !== undefined)) {
    throw new CallError('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
  }
  if (call.chainId !== undefined && call.chainId !== run.chainId) throw new CallError(`chainId does not match node's (have=${call.chainId}, want=${run.chainId})`)
  const baseFee = header.baseFeePerGas
  const fees = feesOf(call, baseFee)
  const value = call.value ?? 0n
  const data = call.data ?? new Uint8Array(0)
  const blobHashes = call.blobVersionedHashes
  const blobFeeCap = call.maxFeePerBlobGas ?? 0n
  // core.preCheck, in its order.
  if (validation) {
    if (stateNonce < nonce) throw refused(`nonce too high: address ${from}, tx: ${nonce} state: ${stateNonce}`, gas, SimulateCallErrorCode.NonceTooHigh)
    if (stateNonce > nonce) throw refused(`nonce too low: address ${from}, tx: ${nonce} state: ${stateNonce}`, gas, SimulateCallErrorCode.NonceTooLow)
    if (stateNonce + 1n >= NONCE_LIMIT) throw refused(`nonce has max value: address ${from}, nonce: ${stateNonce}`, gas, SimulateCallErrorCode.Internal)
  }
  // geth's NoBaseFee: without validation a call offering no fee skips the fee checks and pays nothing.
  const free = !validation && fees.feeCap === 0n && fees.tip === 0n
  if (baseFee !== undefined && !free) {
    if (fees.feeCap < fees.tip) {
      throw refused(`max priority fee per gas higher than max fee per gas: address ${from}, maxPriorityFeePerGas: ${fees.tip}, maxFeePerGas: ${fees.feeCap}`, gas, SimulateCallErrorCode.InvalidParams)
    }
    if (fees.feeCap < baseFee) throw refused(`max fee per gas less than block base fee: address ${from}, maxFeePerGas: ${fees.feeCap}, baseFee: ${baseFee}`, gas, SimulateCallErrorCode.BaseFeeTooLow)
  }
  let blobGas = 0n
  if (blobHashes !== undefined && fees.legacyPrice === undefined) {
    if (call.to === undefined) throw refused('blob transaction of type create', gas, SimulateCallErrorCode.Internal)
    if (blobHashes.length === 0) throw refused('blob transaction missing blob hashes', gas, SimulateCallErrorCode.Internal)
    if (common.gteHardfork('osaka') && blobHashes.length > 6) throw refused('blob transaction has too many blobs', gas, SimulateCallErrorCode.Internal)
    const invalid = blobHashes.findIndex((hash) => hash[0] !== 0x01)
    if (invalid >= 0) throw refused(`blob ${invalid} has invalid hash version`, gas, SimulateCallErrorCode.Internal)
    blobGas = common.isActivatedEIP(4844) ? common.param('blobGasPerBlob') * BigInt(blobHashes.length) : 0n
    const blobBaseFee = run.blobBaseFee ?? 0n
    if (blobGas > 0n && !(!validation && blobFeeCap === 0n) && blobFeeCap < blobBaseFee) {
      throw refused(`max fee per blob gas less than block blob gas fee: address ${from} blobGasFeeCap: ${blobFeeCap}, blobBaseFee: ${blobBaseFee}`, gas, SimulateCallErrorCode.Internal)
    }
  }
  if (call.authorizationList !== undefined && fees.legacyPrice === undefined) {
    if (call.to === undefined) throw refused(`EIP-7702 transaction cannot be used to create contract (sender ${from})`, gas, SimulateCallErrorCode.Internal)
    if (call.authorizationList.length === 0) throw refused(`EIP-7702 transaction with empty auth list (sender ${from})`, gas, SimulateCallErrorCode.Internal)
  }
  if (call.to === undefined && common.isActivatedEIP(3860) && BigInt(data.length) > common.param('maxInitCodeSize')) {
    throw refused(`max initcode size exceeded: code size ${data.length} limit ${common.param('maxInitCodeSize')}`, gas, SimulateCallErrorCode.MaxInitCodeSizeExceeded)
  }
  const want = gas * fees.feeCap + value + blobGas * blobFeeCap
  const balance = account?.balance ?? 0n
  if (balance < want) throw refused(`insufficient funds for gas * price + value: address ${from} have ${balance} want ${want}`, gas, SimulateCallErrorCode.InsufficientFunds)
  const tx = unsignedTransaction(call, { nonce, gas, fees, chainId: run.chainId, sender }, common)
  const intrinsic = tx.getIntrinsicGas()
  if (gas < intrinsic) throw refused(`intrinsic gas too low: have ${gas}, want ${intrinsic}`, gas, SimulateCallErrorCode.IntrinsicGas)
  if (common.isActivatedEIP(7623)) {
    const floor = floorDataGas(common, data)
    if (gas < floor) throw refused(`insufficient gas for floor data gas cost: have ${gas}, want ${floor}`, gas, SimulateCallErrorCode.Internal)
  }
  logs.reset(tx.hash(), index)
  const result = await execute(run, tx, { sender, free, blobFree: !validation && blobFeeCap === 0n }, logs).catch((error: unknown) => {
    throw refused(callError(error, sender).message, gas, SimulateCallErrorCode.Internal)
  })
  // geth's nonces are 64-bit: one past the largest wraps to 0 (possible without validation).
  const after = await state.getAccount(new Address(sender))
  if (after !== undefined && after.nonce >= NONCE_LIMIT) {
    after.nonce %= NONCE_LIMIT
    await state.putAccount(new Address(sender), after)
  }
  budget.consume(result.totalGasSpent)
  return { tx, sender, result, outcome: outcomeOf(result, intrinsic, gasCapped, logs) }
}

/**
 * Runs `tx` in the block. A free call (geth's NoBaseFee with no fee offered) passes EthereumJS's
 * fee checks and pays as under base fee 0 (and blob base fee 0 when it offers no blob fee),
 * while the EVM still reads the block's own BASEFEE and BLOBBASEFEE: the block it is handed
 * shows the zero-fee header until the transaction's first frame starts.
 */
async function execute(run: BlockRun, tx: TypedTransaction, how: { sender: Uint8Array; free: boolean; blobFree: boolean }, logs: SimulationLogs): Promise<RunTxResult> {
  const { vm, block } = run
  let shown: BlockHeader = block.header
  const zeroFees = how.free && (block.header.baseFeePerGas ?? 0n) > 0n
  const zeroBlobFee = how.blobFree && (run.blobBaseFee ?? 0n) > 0n
  if (zeroFees || zeroBlobFee) shown = feeView(block.header, zeroFees, zeroBlobFee)
  const view = Object.create(block, { header: { get: () => shown } }) as Block
  let started = false
  const reveal = () => {
    if (started) return
    started = true
    shown = block.header
    if (run.precompileWarmth !== undefined) warmAsGeth(run, tx, how.sender, run.precompileWarmth)
  }
  vm.evm.events?.on('beforeMessage', reveal)
  const detach = attachTracer(vm.evm, logs, { sender: how.sender, gasLimit: tx.gasLimit })
  try {
    const options = { tx, block: view, blockGasUsed: run.gasUsed, skipNonce: true, skipBalance: false, skipBlockGasLimitValidation: true, skipHardForkValidation: true, skipSenderCodeCheck: true }
    return await runTx(vm, options)
  } finally {
    detach()
    vm.evm.events?.off('beforeMessage', reveal)
  }
}

/** What runTx made always-warm, corrected to geth's set: the fork's precompile addresses, not where overrides moved precompiles. */
function warmAsGeth(run: BlockRun, tx: TypedTransaction, sender: Uint8Array, warmth: { warm: string[]; cold: string[] }): void {
  const journal = run.vm.evm.journal as unknown as { alwaysWarmJournal: Map<string, Set<string>>; addAlwaysWarmAddress(address: string): void }
  for (const address of warmth.warm) journal.addAlwaysWarmAddress(address)
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
  const kept = new Set([hex(sender), ...(tx.to === undefined ? [] : [hex(tx.to.bytes)])])
  if (run.common.isActivatedEIP(3651)) kept.add(hex(run.block.header.coinbase.bytes))
  for (const [address] of (tx as { accessList?: [Uint8Array, Uint8Array[]][] }).accessList ?? []) kept.add(hex(address))
  for (const address of warmth.cold) if (!kept.has(address)) journal.alwaysWarmJournal.delete(address)
}

/** `header` as the fee checks see a free call: base fee and/or blob base fee 0. */
function feeView(header: BlockHeader, zeroFees: boolean, zeroBlobFee: boolean): BlockHeader {
  const fields: PropertyDescriptorMap = {}
  if (zeroFees) fields.baseFeePerGas = { value: 0n }
  if (zeroBlobFee) fields.getBlobGasPrice = { value: () => 0n }
  return Object.create(header, fields) as BlockHeader
}

/** execution-apis `CallResult` of a call that ran. */
function outcomeOf(result: RunTxResult, intrinsic: bigint, gasCapped: boolean, logs: SimulationLogs): SimulatedCallResult {
  const used = result.execResult.executionGasUsed + intrinsic
  const failed = result.execResult.exceptionError !== undefined
  const outcome: SimulatedCallResult = {
    // geth's ExecutionResult.Return(): nothing when the call failed (the revert data goes in `error`).
    returnData: failed ? new Uint8Array(0) : result.execResult.returnValue,
    logs: logs.logs(),
    gasUsed: result.totalGasSpent,
    // Before refunds, and never below what was paid (the EIP-7623 floor).
    maxUsedGas: used > result.totalGasSpent ? used : result.totalGasSpent,
    status: failed ? 0 : 1,
  }
  const exception = result.execResult.exceptionError?.error
  if (exception === 'revert') {
    const reason = decodeRevertReason(result.execResult.returnValue)
    outcome.error = { code: REVERTED, message: reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`, data: result.execResult.returnValue }
  } else if (exception !== undefined) {
    outcome.error = { code: SimulateCallErrorCode.VmError, message: gethErrorText(exception) + (gasCapped ? CAPPED : '') }
  }
  return outcome
}

interface TxFields {
  nonce: bigint
  gas: bigint
  fees: Fees
  chainId: bigint
  sender: Uint8Array
}

/**
 * geth's ToTransaction with a dynamic-fee default: set-code with an authorization list, blob
 * with blob hashes, else EIP-1559; legacy whenever a gas price is given or there is no base
 * fee. Unsigned (v, r, s empty, as geth's zero signature encodes). Built with zero nonce, gas
 * and fees, which are set afterwards: a simulated call may carry what EthereumJS refuses in a
 * transaction (a nonce of 2^64-1, gas over the EIP-7825 cap, a tip above the fee cap).
 */
function unsignedTransaction(call: SimulateCall, fields: TxFields, common: Common): TypedTransaction {
  const { fees } = fields
  const base = { to: call.to, value: call.value ?? 0n, data: call.data ?? new Uint8Array(0), gasLimit: 0n, nonce: 0n }
  const accessList = (call.accessList ?? []).map((item) => [item.address, item.storageKeys] as [Uint8Array, Uint8Array[]])
  const typed = { ...base, chainId: fields.chainId, accessList, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }
  const options = { common, params: {}, freeze: false, allowUnlimitedInitCodeSize: true }
  let tx: TypedTransaction
  try {
    if (fees.legacyPrice !== undefined) tx = createTx({ ...base, type: 0 }, options)
    else if (call.authorizationList !== undefined) tx = createTx({ ...typed, type: 4, authorizationList: authorizationListBytes(call.authorizationList) }, options)
    else if (call.blobVersionedHashes !== undefined) tx = createTx({ ...typed, type: 3, blobVersionedHashes: call.blobVersionedHashes, maxFeePerBlobGas: call.maxFeePerBlobGas ?? 0n }, options)
    else tx = createTx({ ...typed, type: 2 }, options)
  } catch (error) {
    throw refused(callError(error, fields.sender).message, fields.gas, SimulateCallErrorCode.Internal)
  }
  const price = fees.legacyPrice === undefined ? { maxFeePerGas: fees.feeCap, maxPriorityFeePerGas: fees.tip } : { gasPrice: fees.legacyPrice }
  const sender = new Address(fields.sender)
  Object.assign(tx, { nonce: fields.nonce, gasLimit: fields.gas, ...price, getSenderAddress: () => sender, isSigned: () => true })
  return tx
}
