// What a tracer sees of one transaction: geth's tracing hooks (core/tracing/hooks.go:
// OnTxStart, OnEnter, OnExit, OnOpcode, OnTxEnd), fed from the EthereumJS EVM's events by
// `attachTracer`. The tracers of this package are written against these hooks only.
import type { InterpreterStep } from '@ethereumjs/evm'

/**
 * geth's frame types (the opcode that opened the frame; the transaction's own frame is CALL or
 * CREATE). A SELFDESTRUCT is a frame of its own, as in geth: from the contract to the beneficiary,
 * with the balance it hands over, no gas.
 */
export type FrameType = 'CALL' | 'CALLCODE' | 'DELEGATECALL' | 'STATICCALL' | 'CREATE' | 'CREATE2' | 'SELFDESTRUCT'

/** A frame being entered (geth OnEnter). Addresses are 20 bytes. */
export interface FrameStart {
  /** 0 for the transaction's own frame. */
  depth: number
  type: FrameType
  /** The calling contract (for DELEGATECALL, the contract whose code delegates; geth's `caller`). */
  from: Uint8Array
  /** The callee; for DELEGATECALL and CALLCODE the code's address; for CREATE/CREATE2 the new contract (absent when creation failed before it had one). */
  to: Uint8Array | undefined
  input: Uint8Array
  /** Gas the frame may use (for a value call, with the 2,300 stipend). */
  gas: bigint
  /** Wei sent; undefined for STATICCALL (geth passes none). */
  value: bigint | undefined
}

/** A frame left (geth OnExit). */
export interface FrameEnd {
  depth: number
  output: Uint8Array
  gasUsed: bigint
  /** geth's error text (core/vm/errors.go), e.g. "execution reverted", "out of gas". */
  error: string | undefined
  /** The frame's state changes were undone (any error). */
  reverted: boolean
}

/** A log a LOG0-LOG4 emitted (geth OnLog): the emitting contract, topics (32 bytes each) and data. */
export interface LogEvent {
  address: Uint8Array
  topics: Uint8Array[]
  data: Uint8Array
}

/** One opcode about to run (geth OnOpcode), with the EthereumJS step it came from. */
export interface OpcodeStep {
  step: InterpreterStep
  /** geth's depth: 1 for the transaction's own frame. */
  depth: number
  /** geth's opcode name ("PUSH1", "KECCAK256", "opcode 0xc not defined"). */
  op: string
  /** Total cost of the opcode (static + dynamic; for calls, with the gas handed to the callee). */
  gasCost: bigint
  /** Return data of the last call this frame made (geth's `rData`). */
  returnData: Uint8Array
  /**
   * Gets geth's error text when this opcode fails its gas, stack or validity check (geth prints
   * such errors on the step itself); filled when the frame ends, so read it after the next hook.
   */
  fault: { error?: string }
}

/** The state as it stands at the moment of asking (mid-transaction while it runs). */
export interface StateReader {
  balance(address: Uint8Array): Promise<bigint>
  nonce(address: Uint8Array): Promise<bigint>
  code(address: Uint8Array): Promise<Uint8Array>
  /** 32 bytes, left-padded. */
  storage(address: Uint8Array, slot: Uint8Array): Promise<Uint8Array>
  /** Whether the account exists in the state (EIP-161 non-empty or not). */
  exists(address: Uint8Array): Promise<boolean>
}

/** The transaction about to run (geth OnTxStart). */
export interface TxStart {
  from: Uint8Array
  /** The recipient, or for a creation the address it creates. */
  to: Uint8Array
  isCreate: boolean
  gasLimit: bigint
  /** The block's author: it receives the fees (geth's env.Coinbase). */
  coinbase: Uint8Array
  /** EIP-7702 authorities of a set-code transaction (already recovered). */
  authorities: Uint8Array[]
  state: StateReader
}

/** The transaction after it ran, fees paid (geth OnTxEnd). */
export interface TxEnd {
  /** Gas used as the receipt shows it (after refunds). */
  gasUsed: bigint
  state: StateReader
}

/**
 * A tracer: hooks called as the transaction runs, and its result as JSON text (so a large
 * trace crosses threads and reaches the client without being rebuilt as objects).
 * Hooks may be async (state reads are). Throwing `TraceLimitError` stops the trace.
 */
export interface Tracer {
  /** Whether the tracer needs every opcode (costly: the EVM copies stack and memory for each). */
  readonly wantsOpcodes: boolean
  onTxStart?(tx: TxStart): Promise<void> | void
  onEnter?(frame: FrameStart): void
  onExit?(frame: FrameEnd): void
  onOpcode?(step: OpcodeStep): Promise<void> | void
  /** A LOG that succeeded, in order with the frames around it (it is undone if its frame reverts). */
  onLog?(log: LogEvent): void
  onTxEnd?(end: TxEnd): Promise<void> | void
  /** The result as JSON text, in the shape geth's tracer of the same name gives. */
  result(): string
}

/** A trace stopped because its output passed a bound; the RPC answers with its message. */
export class TraceLimitError extends Error {
  readonly code = -32000
  constructor(message: string) {
    super(message)
    this.name = 'TraceLimitError'
  }
}

/**
 * Memory no transaction can pay for: 64 MiB costs 2^33 gas to expand to (3 per word plus
 * words^2/512), far beyond any block's gas limit. An opcode reading such a range fails, so a
 * tracer need not (and must not try to) copy it.
 */
const MAX_AFFORDABLE_MEMORY = 64n * 1024n * 1024n

/** Whether [offset, offset + size) is a memory range an opcode could ever pay to touch. */
export function memoryRangeAffordable(offset: bigint | undefined, size: bigint | undefined): boolean {
  if (offset === undefined || size === undefined) return false
  return size === 0n || offset + size <= MAX_AFFORDABLE_MEMORY
}

/** A stack value or storage slot as geth prints a Hash: 0x and 32 bytes. */
export function word(value: bigint): string {
  return `0x${value.toString(16).padStart(64, '0')}`
}

/** The 32 bytes of a word written as `word` writes it. */
export function wordBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2).padStart(64, '0'), 'hex'))
}
