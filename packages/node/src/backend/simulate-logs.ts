// The logs eth_simulateV1 reports per call, as geth's simulation tracer collects them
// (internal/ethapi/logtracer.go): the calls' logs in the order they were emitted, those of
// reverted frames dropped, and with `traceTransfers` an ERC-7528 log for every movement of
// ether (a transaction's value, a CALL's or CREATE's value, a SELFDESTRUCT's balance).
import type { LogView } from '@busan/rpc'
import type { FrameEnd, FrameStart, LogEvent, Tracer } from '@busan/tracing'

/** keccak256("Transfer(address,address,uint256)"). */
const TRANSFER_TOPIC = Uint8Array.from(Buffer.from('ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef', 'hex'))
/** ERC-7528's pseudo-address for ether. */
const ETHER_ADDRESS = Uint8Array.from(Buffer.from('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', 'hex'))
const ZERO_HASH = new Uint8Array(32)

function word(value: Uint8Array | bigint): Uint8Array {
  const out = new Uint8Array(32)
  if (typeof value === 'bigint') out.set(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'))
  else out.set(value, 32 - value.length)
  return out
}

/**
 * One simulated block's log collector: a tracer attached to each of its calls in turn. Log
 * indexes count every log captured in the block, dropped ones too (as geth's). The block hash
 * is not known while the calls run: `setBlockHash` fills it in afterwards.
 */
export class SimulationLogs implements Tracer {
  readonly wantsOpcodes = false
  private readonly traceTransfers: boolean
  private readonly blockNumber: bigint
  private readonly blockTimestamp: bigint
  /** The logs of each open frame, the transaction's own first. */
  private frames: LogView[][] = []
  private captured: LogView[] = []
  private count = 0
  private txHash: Uint8Array = ZERO_HASH
  private txIndex = 0
  private readonly all: LogView[] = []

  constructor(options: { traceTransfers: boolean; blockNumber: bigint; blockTimestamp: bigint }) {
    this.traceTransfers = options.traceTransfers
    this.blockNumber = options.blockNumber
    this.blockTimestamp = options.blockTimestamp
  }

  /** Starts the next call. */
  reset(txHash: Uint8Array, txIndex: number): void {
    this.frames = []
    this.captured = []
    this.txHash = txHash
    this.txIndex = txIndex
  }

  onEnter(frame: FrameStart): void {
    this.frames.push([])
    const moves = frame.type !== 'DELEGATECALL' && frame.type !== 'CALLCODE' && frame.value !== undefined && frame.value > 0n
    if (this.traceTransfers && moves && frame.to !== undefined) {
      this.capture({ address: ETHER_ADDRESS, topics: [TRANSFER_TOPIC, word(frame.from), word(frame.to)], data: word(frame.value as bigint) })
    }
  }

  onExit(frame: FrameEnd): void {
    // A frame that failed before it ran (geth's depth or balance check) is a reverted one too.
    const reverted = frame.reverted || frame.error !== undefined
    const logs = this.frames.pop() ?? []
    if (frame.depth === 0) {
      this.captured = reverted ? [] : logs
      return
    }
    if (!reverted) this.frames.at(-1)?.push(...logs)
  }

  onLog(log: LogEvent): void {
    this.capture(log)
  }

  /** The logs of the call just run (none when it failed). */
  logs(): LogView[] {
    return this.captured
  }

  /** The block's hash, once known, into every log handed out. */
  setBlockHash(hash: Uint8Array): void {
    for (const log of this.all) log.blockHash = hash
  }

  result(): string {
    return '[]'
  }

  private capture(log: LogEvent): void {
    const view: LogView = {
      address: log.address,
      topics: log.topics,
      data: log.data,
      blockNumber: this.blockNumber,
      blockHash: ZERO_HASH,
      blockTimestamp: this.blockTimestamp,
      transactionHash: this.txHash,
      transactionIndex: this.txIndex,
      logIndex: this.count++,
      removed: false,
    }
    this.all.push(view)
    this.frames.at(-1)?.push(view)
  }
}
