// The work the node sends to its RPC worker threads, and what comes back. Everything here
// crosses a thread boundary by structured clone, so it is plain data: bytes, bigints,
// strings. Errors travel as `JobFailure` because a cloned Error keeps only its message.
import type { AccountProof, BuildBlockRequest, BuiltPayload, CallOverrides, CallRequest, CallResult, LogFilter, LogView, ReceiptView, SimulatedBlock, SimulateRequest } from '@busan/rpc'
import type { TraceOptions } from '@busan/tracing'

/** A call on top of a block: the block's RLP-encoded header and its author (COINBASE). */
interface CallOn {
  request: CallRequest
  header: Uint8Array
  author: Uint8Array
  /** Gas limit ceiling (geth --rpc.gascap). */
  gasCap: bigint
  /** eth_call's state and block overrides. */
  overrides?: CallOverrides
}

/** eth_call / eth_createAccessList (`withAccessList`). */
export type CallJob = { kind: 'call'; withAccessList: boolean } & CallOn

/** One unit of heavy RPC work, by `kind`. */
export type Job =
  | CallJob
  /** Calls run one after the other on one thread, answered together (call-groups.ts). */
  | { kind: 'calls'; calls: CallJob[] }
  | ({ kind: 'estimateGas' } & CallOn)
  | { kind: 'proof'; stateRoot: Uint8Array; address: Uint8Array; slots: Uint8Array[] }
  | { kind: 'logs'; filter: LogFilter }
  | { kind: 'receipts'; blockHash: Uint8Array }
  | TraceBlockJob
  | { kind: 'blockCalls'; blockHash: Uint8Array; author: Uint8Array }
  | ({ kind: 'traceCall'; trace: TraceOptions } & CallOn)
  /** eth_simulateV1 on a block: its RLP header and hash; `gasCap` bounds all the calls' gas together. */
  | { kind: 'simulate'; request: SimulateRequest; header: Uint8Array; hash: Uint8Array; gasCap: bigint }
  /** A blob transaction's network form checked (sidecar, KZG) under the fork of block `number` at `timestamp`. */
  | { kind: 'verifyBlobTx'; networkRaw: Uint8Array; number: bigint; timestamp: bigint }
  /** testing_buildBlockV1 on a stored parent: its RLP header and hash. */
  | { kind: 'buildBlock'; request: BuildBlockRequest; header: Uint8Array; hash: Uint8Array }
  /**
   * Startup: one per thread, each counting itself in `arrived` (shared) and waiting until all
   * `threads` have, so every thread has loaded its modules before the node takes requests.
   */
  | { kind: 'warmUp'; arrived: Int32Array; threads: number }

/**
 * debug_traceTransaction / debug_traceBlock*: a block (stored, by hash; or given as RLP, its
 * parent stored) re-executed on its parent's state, the transaction at `txIndex` traced (or
 * every one). `author` is the block's COINBASE, recovered by the consensus engine.
 */
export interface TraceBlockJob {
  kind: 'traceBlock'
  block: { hash: Uint8Array } | { rlp: Uint8Array }
  author: Uint8Array
  trace: TraceOptions
  txIndex?: number
}

export type JobKind = Job['kind']

/** What each kind of job answers. */
export interface JobResults {
  call: CallResult
  calls: GroupMemberReply[]
  estimateGas: bigint
  proof: AccountProof
  logs: LogView[]
  receipts: ReceiptView[]
  /** JSON text: the trace of `txIndex`, or `[{"txHash","result"}...]` for the whole block. */
  traceBlock: string
  /** JSON text of the trace. */
  traceCall: string
  simulate: SimulatedBlock[]
  buildBlock: BuiltPayload
  /** True: the network form is valid (a failure comes back as a coded -32000 with the reason). */
  verifyBlobTx: boolean
  /** Per transaction, the addresses its frames touched and what it created (re-executed for the address index). */
  blockCalls: import('@busan/chain').TxCalls[]
  /** Whether every thread arrived within the wait. */
  warmUp: boolean
}

/**
 * A failure meant for the RPC client: `coded` is a JSON-RPC error (code and message, e.g.
 * geth's -32000 "insufficient funds..."), `execution` an EVM revert or halt (the RPC layer
 * turns a revert into code 3 with its data).
 */
export type JobFailure =
  | { type: 'coded'; code: number; message: string }
  | { type: 'execution'; kind: 'revert' | 'halt'; message: string; returnData: Uint8Array }

export type JobReply<K extends JobKind = JobKind> = { ok: true; value: JobResults[K] } | { ok: false; failure: JobFailure }

/**
 * One call's answer within a group: its reply, or `fault` (the message of an error that was
 * the node's doing, which a single job would have thrown) so one member cannot fail the rest.
 */
export type GroupMemberReply = JobReply<'call'> | { ok: false; fault: string }

/** What every worker thread starts from (Piscina's `workerData`). */
export interface WorkerInit {
  /** `KeyValueStore.handle` of the node's open database: workers read the same RocksDB. */
  dbHandle: bigint
  /** The chain's genesis file, to build the same `Common`. */
  genesis: import('@busan/chain-config').GenesisFile
  /**
   * Always true: these threads are terminated mid-call at a deadline, so they use pure-JS crypto
   * (a thread terminated inside a native addon call aborts the process; see @busan/chain-config).
   */
  portableCrypto: true
}
