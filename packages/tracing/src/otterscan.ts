// The tracers behind Otterscan's ots_traceTransaction and ots_getInternalOperations (Erigon's
// `ots_` namespace, docs/custom-jsonrpc.md in the Otterscan repository): a flat list of every
// frame, and the value transfers, creations and self-destructs inside a transaction.
import { bytesToHex } from '@ethereumjs/util'
import type { FrameEnd, FrameStart, Tracer } from './tracer.ts'

interface TraceEntry {
  type: string
  depth: number
  from: string
  to: string | undefined
  value: string
  input: string
  output: string
}

/** ots_traceTransaction: one entry per frame in the order they were entered, with its output. */
export class OtsTraceTracer implements Tracer {
  readonly wantsOpcodes = false
  private readonly entries: TraceEntry[] = []
  private readonly open: TraceEntry[] = []

  onEnter(frame: FrameStart): void {
    const entry: TraceEntry = {
      type: frame.type,
      depth: frame.depth,
      from: bytesToHex(frame.from),
      to: frame.to === undefined ? undefined : bytesToHex(frame.to),
      value: `0x${(frame.value ?? 0n).toString(16)}`,
      input: bytesToHex(frame.input),
      output: '0x',
    }
    this.entries.push(entry)
    this.open.push(entry)
  }

  onExit(frame: FrameEnd): void {
    const entry = this.open.pop()
    // A frame that failed returns nothing, except the data a REVERT hands back.
    if (entry !== undefined && (frame.error === undefined || frame.error === 'execution reverted')) entry.output = bytesToHex(frame.output)
  }

  result(): string {
    return JSON.stringify(this.entries)
  }
}

/** Erigon's operation types: 0 transfer, 1 self-destruct, 2 CREATE, 3 CREATE2. */
const OperationType = { Transfer: 0, SelfDestruct: 1, Create: 2, Create2: 3 } as const
type OperationType = (typeof OperationType)[keyof typeof OperationType]

interface Operation {
  type: OperationType
  from: string
  to: string
  value: string
}

/**
 * ots_getInternalOperations: value sent by inner CALLs, contracts created by inner CREATE/CREATE2,
 * and SELFDESTRUCTs with the balance they hand over, in execution order (the transaction's own
 * transfer or creation is not internal). Operations of frames that failed are dropped, as they
 * never happened.
 */
export class InternalOperationsTracer implements Tracer {
  readonly wantsOpcodes = false
  private readonly operations: Operation[] = []
  /** Per open frame, where its own operations start in `operations`. */
  private readonly starts: number[] = []

  onEnter(frame: FrameStart): void {
    this.starts.push(this.operations.length)
    if (frame.depth === 0) return
    const value = `0x${(frame.value ?? 0n).toString(16)}`
    const from = bytesToHex(frame.from)
    if (frame.type === 'CALL' && (frame.value ?? 0n) > 0n && frame.to !== undefined) this.operations.push({ type: OperationType.Transfer, from, to: bytesToHex(frame.to), value })
    if ((frame.type === 'CREATE' || frame.type === 'CREATE2') && frame.to !== undefined) {
      this.operations.push({ type: frame.type === 'CREATE' ? OperationType.Create : OperationType.Create2, from, to: bytesToHex(frame.to), value })
    }
    if (frame.type === 'SELFDESTRUCT' && frame.to !== undefined) this.operations.push({ type: OperationType.SelfDestruct, from, to: bytesToHex(frame.to), value })
  }

  onExit(frame: FrameEnd): void {
    const start = this.starts.pop() ?? 0
    if (frame.error !== undefined) this.operations.length = start
  }

  result(): string {
    return JSON.stringify(this.operations)
  }
}
