// geth's callTracer (eth/tracers/native/call.go): the tree of call frames of a transaction,
// with `onlyTopCall` and `withLog` (logs placed in their frame, `position` among its calls).
import { bytesToHex } from '@ethereumjs/util'
import { decodeRevertReason } from './revert-reason.ts'
import { memoryRangeAffordable, word, type FrameEnd, type FrameStart, type FrameType, type OpcodeStep, type Tracer, type TxEnd } from './tracer.ts'

export interface CallTracerConfig {
  onlyTopCall: boolean
  withLog: boolean
}

interface CallLog {
  address: string
  topics: string[]
  data: string
  /** Index of the log in the block. */
  index: number
  /** How many calls of the frame came before the log. */
  position: number
}

interface CallFrame {
  type: FrameType
  from: Uint8Array
  gas: bigint
  gasUsed: bigint
  to: Uint8Array | undefined
  input: Uint8Array
  output?: Uint8Array
  error?: string
  revertReason?: string
  calls: CallFrame[]
  logs: CallLog[]
  value: bigint | undefined
  /** The frame's state changes were undone: its logs (and its callees') never happened. */
  reverted: boolean
}

const LOG0 = 0xa0
const LOG4 = 0xa4

/** geth's callTracer: `result()` is the top frame `{from, gas, gasUsed, to, input, output, error, revertReason, calls, logs, value, type}`. */
export class CallTracer implements Tracer {
  readonly wantsOpcodes: boolean
  private readonly config: CallTracerConfig
  private readonly stack: CallFrame[] = []
  private root: CallFrame | undefined
  /** Index the transaction's first log gets in its block. */
  private nextLogIndex: number

  /** `firstLogIndex`: how many logs the block's earlier transactions emitted (geth's log.Index). */
  constructor(config: CallTracerConfig, firstLogIndex = 0) {
    this.config = config
    this.nextLogIndex = firstLogIndex
    this.wantsOpcodes = config.withLog
  }

  onEnter(start: FrameStart): void {
    if (this.config.onlyTopCall && start.depth > 0) return
    const frame: CallFrame = { ...start, gasUsed: 0n, calls: [], logs: [], reverted: false }
    if (start.depth === 0) this.root = frame
    this.stack.push(frame)
  }

  onExit(end: FrameEnd): void {
    if (this.config.onlyTopCall && end.depth > 0) return
    const frame = this.stack.pop()
    if (frame === undefined) return
    frame.gasUsed = end.gasUsed
    if (end.error === undefined) frame.output = end.output
    else {
      frame.error = end.error
      frame.reverted = end.reverted
      // A failed creation created nothing: geth drops its address.
      if (frame.type === 'CREATE' || frame.type === 'CREATE2') frame.to = undefined
      if (end.error === 'execution reverted' && end.output.length > 0) {
        frame.output = end.output
        frame.revertReason = decodeRevertReason(end.output)
      }
    }
    this.stack.at(-1)?.calls.push(frame)
  }

  onOpcode({ step, gasCost }: OpcodeStep): void {
    const code = step.opcode.code
    if (code < LOG0 || code > LOG4) return
    if (this.config.onlyTopCall && step.depth > 0) return
    // A LOG that cannot pay for its memory fails: geth never sees its log, and its size may be absurd.
    if (gasCost > step.gasLeft || !memoryRangeAffordable(step.stack[step.stack.length - 1], step.stack[step.stack.length - 2])) return
    const frame = this.stack.at(-1)
    if (frame === undefined) return
    const stack = step.stack
    const topicCount = code - LOG0
    if (stack.length < 2 + topicCount) return
    const offset = Number(stack[stack.length - 1])
    const size = Number(stack[stack.length - 2])
    const topics: string[] = []
    for (let i = 0; i < topicCount; i++) topics.push(word(stack[stack.length - 3 - i]))
    // The memory a LOG reads may lie past what is allocated yet (it expands first): zeros.
    const data = new Uint8Array(size)
    data.set(step.memory.subarray(offset, Math.min(offset + size, step.memory.length)))
    frame.logs.push({ address: step.address.toString(), topics, data: bytesToHex(data), index: 0, position: frame.calls.length })
  }

  onTxEnd(end: TxEnd): void {
    if (this.root === undefined) return
    this.root.gasUsed = end.gasUsed
    if (this.config.withLog) this.numberLogs(this.root, false)
  }

  result(): string {
    return this.root === undefined ? 'null' : JSON.stringify(this.format(this.root))
  }

  /** Drops the logs of failed frames (as geth's clearFailedLogs) and numbers the rest in execution order. */
  private numberLogs(frame: CallFrame, parentFailed: boolean): void {
    const failed = parentFailed || (frame.error !== undefined && frame.reverted)
    if (failed) frame.logs = []
    // Logs and calls interleave by position: a log at position p came after p calls.
    let logAt = 0
    for (let call = 0; call <= frame.calls.length; call++) {
      while (logAt < frame.logs.length && frame.logs[logAt].position === call) frame.logs[logAt++].index = this.nextLogIndex++
      if (call < frame.calls.length) this.numberLogs(frame.calls[call], failed)
    }
  }

  /** geth's JSON field order: from, gas, gasUsed, to, input, output, error, revertReason, calls, logs, value, type. */
  private format(frame: CallFrame): object {
    return {
      from: bytesToHex(frame.from),
      gas: quantity(frame.gas),
      gasUsed: quantity(frame.gasUsed),
      to: frame.to === undefined ? undefined : bytesToHex(frame.to),
      input: bytesToHex(frame.input),
      output: frame.output === undefined || frame.output.length === 0 ? undefined : bytesToHex(frame.output),
      error: frame.error,
      revertReason: frame.revertReason,
      calls: frame.calls.length === 0 ? undefined : frame.calls.map((call) => this.format(call)),
      logs: frame.logs.length === 0 ? undefined : frame.logs.map((log) => ({ ...log, index: quantity(log.index), position: quantity(log.position) })),
      value: frame.value === undefined ? undefined : quantity(frame.value),
      type: frame.type,
    }
  }
}

function quantity(value: bigint | number): string {
  return `0x${value.toString(16)}`
}
