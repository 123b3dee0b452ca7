// Feeds a Tracer from the EthereumJS EVM's events (beforeMessage, newContract, step,
// afterMessage) for one transaction, translating them into geth's hook calls: frame types,
// callers and error texts as geth reports them.
import type { EVMResult, InterpreterStep, Message } from '@ethereumjs/evm'
import { bigIntToBytes, hexToBytes, setLengthLeft, type Address } from '@ethereumjs/util'
import { failsBeforeStep, gethErrorText, undefinedOpcodeName } from './geth-errors.ts'
import type { FrameStart, FrameType, LogEvent, OpcodeStep, Tracer } from './tracer.ts'

/** One entry of the EVM's opcode table (EthereumJS's internal `_opcodeMap`). */
interface OpcodeEntry {
  opHandler: (runState: OpcodeRunState, common: unknown) => unknown
}

/**
 * What the wrapped handlers read of EthereumJS's run state: the stack, the frame's address,
 * depth and account, the state, memory, and the gas a CALL hands over (set by its gas handler).
 */
interface OpcodeRunState {
  stack: { peek(count: number): bigint[] }
  interpreter: { getAddress(): Address }
  env: { depth: number; contract: { balance: bigint } }
  stateManager: { getAccount(address: Address): Promise<{ balance: bigint } | undefined> }
  memory: { read(offset: number, length: number): Uint8Array }
  messageGasLimit?: bigint
}

/** The EVM surface this needs: its event emitter, and its opcode table (to see SELFDESTRUCTs). */
export interface TraceableEvm {
  events?: {
    on(event: string, listener: (...args: any[]) => void): unknown
    off(event: string, listener: (...args: any[]) => void): unknown
  }
}

const SELFDESTRUCT = 0xff

interface OpenFrame {
  start: FrameStart
  /** Whether onEnter was called (a creation's is held until its address is known). */
  entered: boolean
  /** The storage context: the callee, or for DELEGATECALL/CALLCODE the calling contract. */
  self: Uint8Array
  isStatic: boolean
  returnData: Uint8Array
  /** The last opcode run in this frame and the stack height then, for error texts. */
  lastStep?: { opcode: number; stackLength: number; gasLeft: bigint; fault: { error?: string } }
}

const EMPTY = new Uint8Array(0)

/**
 * Attaches `tracer` to `evm` for one transaction run by the caller. `sender` is the
 * transaction's sender (the top frame's `from`), `gasLimit` its gas limit (the top frame's
 * `gas`, as geth's callTracer shows it). Returns `detach`, which removes the listeners and
 * throws what stopped the tracer (a TraceLimitError) if anything did.
 */
export function attachTracer(evm: TraceableEvm, tracer: Tracer, top: { sender: Uint8Array; gasLimit: bigint }): () => void {
  const events = evm.events
  if (events === undefined) throw new Error('the EVM has no event emitter to trace with')
  const frames: OpenFrame[] = []

  const enter = (frame: OpenFrame) => {
    frame.entered = true
    tracer.onEnter?.(frame.start)
  }

  const beforeMessage = (message: Message) => {
    const parent = frames.at(-1)
    const type = frameType(message, parent)
    const isCreate = type === 'CREATE' || type === 'CREATE2'
    const to = isCreate ? undefined : (message.delegatecall || type === 'CALLCODE' ? message.codeAddress : message.to)
    const from = parent === undefined ? top.sender : parent.self
    const start: FrameStart = {
      depth: message.depth,
      type,
      from,
      to: to?.bytes,
      // Copies: the EVM hands over views of frame memory that later opcodes overwrite.
      input: (isCreate ? initCode(message) : message.data).slice(),
      gas: message.depth === 0 ? top.gasLimit : message.gasLimit,
      value: type === 'STATICCALL' ? undefined : message.value,
    }
    if (parent !== undefined) parent.returnData = EMPTY
    const frame: OpenFrame = { start, entered: false, self: (message.to ?? message.caller).bytes, isStatic: message.isStatic, returnData: EMPTY }
    frames.push(frame)
    if (!isCreate) enter(frame)
  }

  const newContract = (event: { address: Address }) => {
    const frame = frames.at(-1)
    if (frame === undefined || frame.entered) return
    frame.start.to = event.address.bytes
    frame.self = event.address.bytes
    enter(frame)
  }

  // EthereumJS awaits a two-argument listener only until it calls `resolve`, and drops what its
  // promise rejects with: a tracer's failure (an output bound) is kept here and thrown, as the
  // EVM does propagate it, from the next step's listener before it does anything.
  let failure: unknown
  const step = (event: InterpreterStep, resolve: () => void) => {
    if (failure !== undefined) throw failure
    const frame = frames.at(-1)
    const code = event.opcode.code
    const name = event.opcode.name === 'INVALID' || code === 0xfe ? undefinedOpcodeName(code) : event.opcode.name
    const fault: { error?: string } = {}
    if (frame !== undefined) frame.lastStep = { opcode: code, stackLength: event.stack.length, gasLeft: event.gasLeft, fault }
    const opcodeStep: OpcodeStep = { step: event, depth: event.depth + 1, op: name, gasCost: opcodeCost(event), returnData: frame?.returnData ?? EMPTY, fault }
    Promise.resolve()
      .then(() => tracer.onOpcode?.(opcodeStep))
      .then(resolve, (error: unknown) => {
        failure = error
        resolve()
      })
  }

  const afterMessage = (result: EVMResult) => {
    const frame = frames.pop()
    if (frame === undefined) return
    if (!frame.entered) {
      frame.start.to = frame.start.type.startsWith('CREATE') ? result.createdAddress?.bytes : frame.start.to
      enter(frame)
    }
    const exception = result.execResult.exceptionError?.error
    const error = exception === undefined ? undefined : gethErrorText(exception, frame.lastStep)
    if (exception !== undefined && failsBeforeStep(exception) && frame.lastStep !== undefined) frame.lastStep.fault.error = error
    const output = (result.execResult.returnValue ?? EMPTY).slice()
    const parent = frames.at(-1)
    if (parent !== undefined) {
      // geth keeps a callee's output as the caller's return data, but a creation's only when it reverted.
      const isCreate = frame.start.type === 'CREATE' || frame.start.type === 'CREATE2'
      parent.returnData = exception === undefined ? (isCreate ? EMPTY : output) : exception === 'revert' ? output : EMPTY
    }
    tracer.onExit?.({ depth: frame.start.depth, output, gasUsed: result.execResult.executionGasUsed, error, reverted: exception !== undefined })
  }

  const hooks = opcodeHooks(evm)
  if (hooks !== undefined) {
    hooks.selfdestruct = (depth, from, beneficiary, value) => {
      tracer.onEnter?.({ depth, type: 'SELFDESTRUCT', from, to: beneficiary, input: EMPTY, gas: 0n, value })
      tracer.onExit?.({ depth, output: EMPTY, gasUsed: 0n, error: undefined, reverted: false })
    }
    if (tracer.onLog !== undefined) hooks.log = (log) => tracer.onLog?.(log)
    hooks.failedCall = (start, error) => {
      // geth opens the frame before its depth and balance checks: it enters and fails at once.
      const parent = frames.at(-1)
      if (parent !== undefined) parent.returnData = EMPTY
      tracer.onEnter?.(start)
      tracer.onExit?.({ depth: start.depth, output: EMPTY, gasUsed: 0n, error, reverted: false })
    }
  }

  events.on('beforeMessage', beforeMessage)
  events.on('newContract', newContract)
  events.on('afterMessage', afterMessage)
  if (tracer.wantsOpcodes) events.on('step', step)
  return () => {
    events.off('beforeMessage', beforeMessage)
    events.off('newContract', newContract)
    events.off('afterMessage', afterMessage)
    events.off('step', step)
    if (hooks !== undefined) {
      hooks.selfdestruct = undefined
      hooks.failedCall = undefined
      hooks.log = undefined
    }
    if (failure !== undefined) throw failure
  }
}

/** Told of each SELFDESTRUCT that succeeded: its frame's depth, the destroyed contract, the beneficiary and the balance it got. */
type SelfdestructListener = (depth: number, from: Uint8Array, beneficiary: Uint8Array, value: bigint) => void
/** Told of each CALL or CALLCODE that failed before entering its frame, with the frame and geth's error text. */
type FailedCallListener = (start: FrameStart, error: string) => void

/** Whom an EVM's wrapped opcode handlers tell: the attached tracer's listeners, if any. */
interface OpcodeHooks {
  selfdestruct?: SelfdestructListener
  failedCall?: FailedCallListener
  log?: (log: LogEvent) => void
}

const LOG0 = 0xa0
const LOG4 = 0xa4

const CALL = 0xf1
const CALLCODE = 0xf2
/** geth's params.CallCreateDepth: a frame at this depth cannot call. */
const CALL_CREATE_DEPTH = 1024

/** Per EVM, its hooks. */
const opcodeHookTables = new WeakMap<object, OpcodeHooks>()
/** Table entries that are our wrappers. */
const wrappedEntries = new WeakSet<OpcodeEntry>()

/**
 * EthereumJS has no event for what geth's tracers see inside some opcodes: a SELFDESTRUCT, and
 * a CALL or CALLCODE that fails before its frame (past the depth limit, or sending more than the
 * caller holds, where EthereumJS returns 0 without a message but geth opens and fails a frame).
 * Their handlers are wrapped, once per EVM opcode table and for good, telling whichever tracer
 * is attached (none: the original runs alone). For good rather than only while tracing: a code
 * analysis cached per code and table holds the handlers, so a handler swapped in and out would
 * be missed by a transaction whose code was analysed untraced. The table is replaced by a copy
 * when wrapped, so analyses made before (for the old table) are not reused. Undefined when the
 * EVM has no such table.
 */
function opcodeHooks(evm: TraceableEvm): OpcodeHooks | undefined {
  const owner = evm as { _opcodeMap?: OpcodeEntry[] }
  const table = owner._opcodeMap
  if (table === undefined || table[SELFDESTRUCT] === undefined) return undefined
  let hooks = opcodeHookTables.get(evm)
  if (hooks === undefined) {
    hooks = {}
    opcodeHookTables.set(evm, hooks)
  }
  if (!wrappedEntries.has(table[SELFDESTRUCT])) {
    const copy = [...table]
    copy[SELFDESTRUCT] = wrapSelfdestruct(table[SELFDESTRUCT], hooks)
    for (const opcode of [CALL, CALLCODE]) if (table[opcode] !== undefined) copy[opcode] = wrapCall(opcode, table[opcode], hooks)
    for (let opcode = LOG0; opcode <= LOG4; opcode++) if (table[opcode] !== undefined) copy[opcode] = wrapLog(opcode - LOG0, table[opcode], hooks)
    for (const opcode of [SELFDESTRUCT, CALL, CALLCODE]) if (copy[opcode] !== undefined) wrappedEntries.add(copy[opcode])
    owner._opcodeMap = copy
  }
  return hooks
}

function wrapSelfdestruct(original: OpcodeEntry, hooks: OpcodeHooks): OpcodeEntry {
  return {
    ...original,
    opHandler: async (runState: OpcodeRunState, common: unknown) => {
      const listener = hooks.selfdestruct
      if (listener === undefined) return original.opHandler(runState, common)
      const [target] = runState.stack.peek(1)
      const self = runState.interpreter.getAddress()
      const balance = (await runState.stateManager.getAccount(self))?.balance ?? 0n
      try {
        await original.opHandler(runState, common)
      } catch (halt) {
        // A SELFDESTRUCT that succeeds ends its frame by throwing EthereumJS's STOP.
        if ((halt as { error?: unknown }).error !== 'stop') throw halt
        listener(runState.env.depth + 1, self.bytes, addressWord(target), balance)
        throw halt
      }
    },
  }
}

/** CALL / CALLCODE, telling the listener when the call fails before its frame, as EthereumJS's _baseCall decides it. */
function wrapCall(opcode: number, original: OpcodeEntry, hooks: OpcodeHooks): OpcodeEntry {
  return {
    ...original,
    opHandler: async (runState: OpcodeRunState, common: unknown) => {
      const listener = hooks.failedCall
      if (listener === undefined) return original.opHandler(runState, common)
      const [, to, value, inOffset, inLength] = runState.stack.peek(5)
      const depth = runState.env.depth + 1
      const error = depth > CALL_CREATE_DEPTH ? 'max call depth exceeded' : value > runState.env.contract.balance ? 'insufficient balance for transfer' : undefined
      const start: FrameStart | undefined =
        error === undefined
          ? undefined
          : {
              depth,
              type: opcode === CALL ? 'CALL' : 'CALLCODE',
              from: runState.interpreter.getAddress().bytes,
              to: addressWord(to),
              input: inLength === 0n ? EMPTY : runState.memory.read(Number(inOffset), Number(inLength)).slice(),
              // As the handler hands it over: with the stipend when value moves (geth's opCall too).
              gas: (runState.messageGasLimit ?? 0n) + (value === 0n ? 0n : (common as { param(name: string): bigint }).param('callStipendGas')),
              value,
            }
      await original.opHandler(runState, common)
      if (start !== undefined && error !== undefined) listener(start, error)
    },
  }
}

/** LOG0-LOG4, telling the listener of each log the handler emitted (it throws when the LOG fails). */
function wrapLog(topicCount: number, original: OpcodeEntry, hooks: OpcodeHooks): OpcodeEntry {
  return {
    ...original,
    opHandler: async (runState: OpcodeRunState, common: unknown) => {
      const listener = hooks.log
      if (listener === undefined) return original.opHandler(runState, common)
      const [offset, length, ...topics] = runState.stack.peek(2 + topicCount)
      await original.opHandler(runState, common)
      const data = length === 0n ? EMPTY : runState.memory.read(Number(offset), Number(length)).slice()
      listener({ address: runState.interpreter.getAddress().bytes, topics: topics.map((topic) => setLengthLeft(bigIntToBytes(topic), 32)), data })
    },
  }
}

/** The address in the low 20 bytes of a stack word. */
function addressWord(word: bigint): Uint8Array {
  return hexToBytes(`0x${word.toString(16).padStart(64, '0').slice(24)}`)
}

const CALL_OPCODES = new Set([0xf1, 0xf2, 0xf4, 0xfa])

/**
 * geth's cost of an opcode as its tracer sees it: static plus dynamic gas, and for the CALL
 * family also the gas handed to the callee (core/vm/gas_table.go adds `callGasTemp`), which
 * EthereumJS charges separately: the requested gas capped at all but 1/64th of what is left
 * after the call's own cost (EIP-150), without the stipend.
 */
function opcodeCost(event: InterpreterStep): bigint {
  const cost = event.opcode.dynamicFee ?? BigInt(event.opcode.fee)
  if (!CALL_OPCODES.has(event.opcode.code) || event.stack.length < 1) return cost
  const available = event.gasLeft - cost
  if (available < 0n) return cost
  const cap = available - available / 64n
  const requested = event.stack[event.stack.length - 1]
  return cost + (requested < cap ? requested : cap)
}

/** A creation's init code: CREATE/CREATE2 carry it as the message's code, a creating transaction as its data. */
function initCode(message: Message): Uint8Array {
  return message.code instanceof Uint8Array && message.code.length > 0 ? message.code : message.data
}

/** The opcode that opened a frame, from the message EthereumJS builds for it. */
function frameType(message: Message, parent: OpenFrame | undefined): FrameType {
  if (message.to === undefined) return message.salt === undefined ? 'CREATE' : 'CREATE2'
  if (parent === undefined) return 'CALL'
  if (message.delegatecall) return 'DELEGATECALL'
  // CALLCODE runs another account's code on the caller's storage, without delegating the caller.
  if (!message.codeAddress.equals(message.to)) return 'CALLCODE'
  // A call inside a static frame is static too, but geth names only the STATICCALL itself so.
  return message.isStatic && !parent.isStatic ? 'STATICCALL' : 'CALL'
}
