// geth's default tracer, the struct logger (eth/tracers/logger/logger.go): one entry per
// opcode in geth's "legacy" JSON, {gas, failed, returnValue, structLogs} around them.
import { bytesToHex, setLengthLeft, setLengthRight } from '@ethereumjs/util'
import { TraceLimitError, word, wordBytes, type FrameEnd, type OpcodeStep, type Tracer, type TxEnd } from './tracer.ts'

/** The struct logger's options, as geth's logger.Config takes them from the trace config. */
export interface StructLoggerConfig {
  enableMemory: boolean
  disableStack: boolean
  disableStorage: boolean
  enableReturnData: boolean
  /** geth's `limit`: entries stop once their JSON passes this many bytes; 0 = no limit. */
  limit: number
  /** The node's own bound on the JSON of all entries, in bytes; past it the trace fails. */
  maxBytes: number
}

interface Entry {
  pc: number
  op: string
  gas: number | bigint
  gasCost: number | bigint
  depth: number
  error?: string
  stack?: string[]
  returnData?: string
  memory?: string[]
  storage?: Record<string, string>
  refund?: number | bigint
  fault: { error?: string }
}

const SLOAD = 0x54
const SSTORE = 0x55

export class StructLogger implements Tracer {
  readonly wantsOpcodes = true
  private readonly config: StructLoggerConfig
  private readonly entries: string[] = []
  /** The newest entry, written out at the next opcode: a failed check is only known after it. */
  private pending: Entry | undefined
  private size = 0
  /** Per contract, every slot read or written so far (geth prints the whole map at SLOAD/SSTORE). */
  private readonly storage = new Map<string, Map<string, string>>()
  private failed = false
  private output: Uint8Array = new Uint8Array(0)
  private gasUsed = 0n

  constructor(config: StructLoggerConfig) {
    this.config = config
  }

  async onOpcode({ step, depth, op, gasCost, returnData, fault }: OpcodeStep): Promise<void> {
    this.flush()
    if (this.config.limit !== 0 && this.size > this.config.limit) return
    const entry: Entry = { pc: step.pc, op, gas: step.gasLeft, gasCost, depth, fault }
    if (!this.config.disableStack) entry.stack = step.stack.map((value) => `0x${value.toString(16)}`)
    if (this.config.enableReturnData && returnData.length > 0) entry.returnData = bytesToHex(returnData)
    if (this.config.enableMemory && step.memory.length > 0) entry.memory = words(step.memory)
    if (!this.config.disableStorage) await this.recordStorage(entry, step)
    if (step.gasRefund > 0n) entry.refund = step.gasRefund
    this.pending = entry
  }

  onExit(frame: FrameEnd): void {
    if (frame.depth !== 0) return
    this.failed = frame.error !== undefined
    // geth shows the output of a failed transaction only when it reverted (the revert data).
    this.output = frame.error === undefined || frame.error === 'execution reverted' ? frame.output : new Uint8Array(0)
  }

  onTxEnd(end: TxEnd): void {
    this.flush()
    this.gasUsed = end.gasUsed
  }

  result(): string {
    this.flush()
    return `{"gas":${this.gasUsed},"failed":${this.failed},"returnValue":"${bytesToHex(this.output)}","structLogs":[${this.entries.join(',')}]}`
  }

  private async recordStorage(entry: Entry, step: OpcodeStep['step']): Promise<void> {
    const code = step.opcode.code
    const stack = step.stack
    if (!((code === SLOAD && stack.length >= 1) || (code === SSTORE && stack.length >= 2))) return
    const contract = step.address.toString()
    let slots = this.storage.get(contract)
    if (slots === undefined) this.storage.set(contract, (slots = new Map()))
    const slot = word(stack[stack.length - 1])
    if (code === SLOAD) {
      const value = await step.stateManager.getStorage(step.address, wordBytes(slot))
      slots.set(slot, bytesToHex(setLengthLeft(value, 32)))
    } else slots.set(slot, word(stack[stack.length - 2]))
    entry.storage = Object.fromEntries(slots)
  }

  private flush(): void {
    const entry = this.pending
    if (entry === undefined) return
    this.pending = undefined
    const { fault, ...fields } = entry
    const json = JSON.stringify(
      { pc: fields.pc, op: fields.op, gas: fields.gas, gasCost: fields.gasCost, depth: fields.depth, error: fault.error, stack: fields.stack, returnData: fields.returnData, memory: fields.memory, storage: fields.storage, refund: fields.refund },
      (_key, value) => (typeof value === 'bigint' ? Number(value) : value),
    )
    this.size += json.length
    if (this.size > this.config.maxBytes) {
      throw new TraceLimitError(`trace output exceeds ${this.config.maxBytes} bytes: narrow it with "limit", "disableStack" or "disableStorage", or use "callTracer"`)
    }
    this.entries.push(json)
  }
}


/** Memory as geth's legacy format prints it: one 32-byte hex word per entry. */
function words(memory: Uint8Array): string[] {
  const out: string[] = []
  for (let at = 0; at < memory.length; at += 32) out.push(bytesToHex(setLengthRight(memory.subarray(at, at + 32), 32)))
  return out
}
