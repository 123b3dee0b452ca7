// The RPC worker pool: a bounded number of worker threads (Piscina) for heavy RPC work, a
// bounded queue in front of them, and a deadline per job. Past its deadline a job's thread
// is terminated (an EVM loop cannot be interrupted any other way) and replaced; past the
// queue's bound a job is refused at once with -32005, as geth's limits answer.
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { Piscina } from 'piscina'
import type { Logger } from 'pino'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { ExecutionError } from '@busan/rpc'
import { CallGroups } from './call-groups.ts'
import type { CallJob, GroupMemberReply, Job, JobKind, JobReply, JobResults, WorkerInit } from './jobs.ts'

export interface RpcWorkerOptions {
  /** Worker threads (jobs running at once). Default: the machine's cores, at most 8. */
  threads: number
  /**
   * Jobs waiting for a thread; one more is refused with -32005 "server busy". 0 = no queue:
   * a job runs when a thread is free and is refused otherwise.
   */
  maxQueue: number
  /**
   * Scheduling priority handicap of the worker threads (Linux `nice`, 0-19), so the thread
   * that seals and imports wins the CPU when both want it.
   */
  niceIncrement: number
  /** V8 old-generation heap limit per worker thread, in MiB. */
  maxHeapMb: number
}

export const defaultRpcWorkerOptions: Readonly<RpcWorkerOptions> = Object.freeze({
  threads: Math.min(8, availableParallelism()),
  maxQueue: 64,
  niceIncrement: 10,
  maxHeapMb: 512,
})

/** JSON-RPC -32005 (EIP-1474 "limit exceeded"): the node is at its bound of heavy work. */
export class ServerBusyError extends Error {
  readonly code = -32005
  constructor(threads: number, maxQueue: number) {
    super(
      maxQueue === 0
        ? `server busy: no execution thread is free (${threads} in use), try again later`
        : `server busy: ${maxQueue} requests are already waiting for an execution thread, try again later`,
    )
    this.name = 'ServerBusyError'
  }
}

/** A job that failed as the client's doing: carries its JSON-RPC code and message. */
class CodedJobError extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

type Outcome = 'ok' | 'failed' | 'aborted' | 'busy' | 'fault'

/** Jobs that replay or build whole transactions or blocks (debug_trace*, eth_simulateV1, testing_buildBlockV1, the address index's rebuild), and blob KZG checks. */
const REPLAYS: ReadonlySet<JobKind> = new Set(['traceBlock', 'traceCall', 'blockCalls', 'simulate', 'buildBlock', 'verifyBlobTx'])

export class RpcWorkerPool {
  private readonly piscina: Piscina
  private readonly options: RpcWorkerOptions
  private readonly logger: Logger
  private readonly jobs: Counter | undefined
  private readonly seconds: Histogram | undefined
  /**
   * Jobs handed to Piscina and not yet settled (running or waiting). The bound is kept here:
   * Piscina does not apply its `maxQueue` to abortable tasks.
   */
  private inFlight = 0
  /** Block replays (traces, index rebuilds) running, and those waiting for a replay slot. */
  private replaysRunning = 0
  private readonly replayWaiters: (() => void)[] = []
  private readonly calls: CallGroups

  constructor(init: WorkerInit, options: Partial<RpcWorkerOptions>, logger: Logger, registry: Registry | null) {
    const d = defaultRpcWorkerOptions
    this.options = {
      threads: options.threads ?? d.threads,
      maxQueue: options.maxQueue ?? d.maxQueue,
      niceIncrement: options.niceIncrement ?? d.niceIncrement,
      maxHeapMb: options.maxHeapMb ?? d.maxHeapMb,
    }
    const { threads, maxQueue, niceIncrement, maxHeapMb } = this.options
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`rpc worker threads must be a positive integer, got ${threads}`)
    if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) throw new RangeError(`rpc worker queue must be a non-negative integer, got ${maxQueue}`)
    this.logger = logger
    this.piscina = new Piscina({
      filename: new URL('./worker.ts', import.meta.url).href,
      workerData: init,
      minThreads: threads,
      maxThreads: threads,
      niceIncrement,
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
      // Threads stay up: a cold thread loads the EVM for ~0.3 s.
      idleTimeout: Number.MAX_SAFE_INTEGER,
    })
    this.calls = new CallGroups((job, signal) => this.submit(job, signal), () => Math.max(1, threads - this.inFlight))
    this.piscina.on('error', (err: unknown) => logger.error({ err }, 'rpc worker thread failed outside a job'))
    if (registry !== null) {
      this.jobs = new Counter({ name: 'rpc_worker_jobs_total', help: 'Heavy RPC jobs (calls, proofs, log queries) by kind and outcome', labelNames: ['kind', 'outcome'], registers: [registry] })
      this.seconds = new Histogram({
        name: 'rpc_worker_job_seconds',
        help: 'Time from queueing a heavy RPC job to its answer, by kind',
        labelNames: ['kind'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      })
      const pool = this
      new Gauge({ name: 'rpc_worker_queue', help: 'Heavy RPC jobs waiting for a worker thread', registers: [registry], collect() { this.set(pool.waiting) } })
      new Gauge({ name: 'rpc_worker_threads', help: 'RPC worker threads', registers: [registry], collect() { this.set(pool.piscina.threads.length) } })
    }
  }

  /**
   * Runs `job` on a worker thread. Resolves with its result; rejects with the client-facing
   * error (a coded error, an ExecutionError for reverts and halts, ServerBusyError when the
   * queue is full), or, when `signal` aborts, with the abort reason after the job's thread
   * was stopped. Any other rejection is a fault of the node (logged here). Calls of one
   * `batch` (the message they came in) go to the threads in groups (call-groups.ts).
   */
  async run<K extends JobKind>(job: Job & { kind: K }, signal?: AbortSignal, batch?: object): Promise<JobResults[K]> {
    if (job.kind === 'call') return this.answer(job.kind, signal, () => this.calls.run(job as CallJob, signal, batch))
    if (!REPLAYS.has(job.kind)) return this.answer(job.kind, signal, () => this.submit(job, signal))
    await this.replaySlot(signal)
    try {
      return await this.answer(job.kind, signal, () => this.submit(job, signal))
    } finally {
      this.replaysRunning--
      this.replayWaiters.shift()?.()
    }
  }

  /**
   * Waits for one of the threads replays may hold (all but one: a trace never takes the last
   * thread from eth_call). Over the queue's bound it refuses at once with -32005; an aborted
   * wait rejects with the abort reason.
   */
  private async replaySlot(signal?: AbortSignal): Promise<void> {
    const slots = Math.max(1, this.options.threads - 1)
    if (this.replaysRunning >= slots) {
      if (this.replayWaiters.length >= this.options.maxQueue) throw new ServerBusyError(this.options.threads, this.options.maxQueue)
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', abandon)
          resolve()
        }
        const abandon = () => {
          this.replayWaiters.splice(this.replayWaiters.indexOf(wake), 1)
          reject(signal?.reason)
        }
        this.replayWaiters.push(wake)
        signal?.addEventListener('abort', abandon, { once: true })
      })
    }
    this.replaysRunning++
  }

  /**
   * Hands `job` (one job, or a group of calls: one job either way) to Piscina within the bound
   * of jobs in flight; over it, rejects at once with ServerBusyError.
   */
  private async submit(job: Job, signal: AbortSignal | undefined): Promise<JobReply> {
    // Every thread busy and every queue slot taken. Counted on jobs in flight, not on
    // `waiting >= maxQueue`, which with no queue (0) refused every job, on an idle node too.
    if (this.inFlight >= this.options.threads + this.options.maxQueue) throw new ServerBusyError(this.options.threads, this.options.maxQueue)
    this.inFlight++
    try {
      return (await this.piscina.run(job, { signal })) as JobReply
    } finally {
      this.inFlight--
    }
  }

  /** Turns a job's reply into its result or the client-facing error, counting it in the metrics. */
  private async answer<K extends JobKind>(kind: K, signal: AbortSignal | undefined, work: () => Promise<JobReply | GroupMemberReply>): Promise<JobResults[K]> {
    const started = performance.now()
    let outcome: Outcome = 'fault'
    try {
      const reply = (await work()) as JobReply<K> | { ok: false; fault: string }
      if ('fault' in reply) throw new Error(reply.fault)
      if (reply.ok) {
        outcome = 'ok'
        return reply.value
      }
      outcome = 'failed'
      const { failure } = reply
      if (failure.type === 'execution') throw new ExecutionError(failure.kind, failure.message, failure.returnData)
      throw new CodedJobError(failure.code, failure.message)
    } catch (error) {
      if (outcome !== 'fault') throw error
      if (error instanceof ServerBusyError) {
        outcome = 'busy'
        throw error
      }
      if (signal?.aborted === true) {
        outcome = 'aborted'
        throw signal.reason
      }
      this.logger.error({ err: error, kind }, 'rpc worker job failed')
      throw error
    } finally {
      this.jobs?.inc({ kind, outcome })
      this.seconds?.observe({ kind }, (performance.now() - started) / 1000)
    }
  }

  /**
   * Resolves once every thread has loaded (the worker module imports the EVM, ~0.3-3 s): the
   * node awaits it before it listens, so no request's deadline pays for a cold thread. Logs a
   * warning (and resolves) when a thread did not come up in time.
   */
  async warmUp(): Promise<void> {
    const { threads } = this.options
    const arrived = new Int32Array(new SharedArrayBuffer(4))
    const replies = await Promise.all(Array.from({ length: threads }, () => this.piscina.run({ kind: 'warmUp', arrived, threads } satisfies Job) as Promise<JobReply<'warmUp'>>))
    if (replies.some((reply) => !reply.ok || !reply.value)) this.logger.warn({ threads, arrived: Atomics.load(arrived, 0) }, 'rpc worker threads not all up after warm-up')
  }

  /** The pool's threads (for their heap metrics: thread-heap-metrics.ts). */
  get threads(): readonly Worker[] {
    return this.piscina.threads
  }

  /** Jobs waiting for a thread (the `rpc_worker_queue` gauge). */
  private get waiting(): number {
    return Math.max(0, this.inFlight - this.options.threads)
  }

  /** Stops every thread; jobs still waiting or running are rejected. Call before closing the database. */
  async close(): Promise<void> {
    await this.piscina.destroy()
  }
}
