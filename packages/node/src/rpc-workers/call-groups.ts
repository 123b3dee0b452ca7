// The eth_calls of one JSON-RPC batch (which the dispatcher starts together) go to the worker
// threads as groups: a thread hand-off (a message each way, a thread woken on each side) is
// paid per group instead of per call. On a 2-core machine a hand-off costs more CPU than a
// token's `balanceOf` itself (docs/benchmarks.md, seventh session). Calls of different
// messages are never grouped: a call must not wait behind another client's (possibly
// endless) call, and the calls of one batch share its deadline anyway.
import type { CallJob, GroupMemberReply, Job, JobReply } from './jobs.ts'

/**
 * The most calls in one group. A group is one job against the pool's bound, so a client's
 * batch of 100 calls takes one queue slot as a single call does; a batch of 1,000 (geth's
 * batch limit) is eight groups, which the threads share.
 */
export const MAX_GROUP = 128

/** Hands one job to a thread within the pool's bound (RpcWorkerPool.submit). */
export type SubmitJob = (job: Job, signal: AbortSignal | undefined) => Promise<JobReply>

interface Member {
  job: CallJob
  signal: AbortSignal | undefined
  /** The message the call came in; undefined = a group of its own. */
  batch: object | undefined
  resolve: (reply: GroupMemberReply) => void
  reject: (error: unknown) => void
}

/**
 * Collects calls until the event loop's check phase (setImmediate: after everything read in
 * this turn was dispatched), then splits each batch's calls over the idle threads (lanes) and
 * sends each lane's calls in groups of at most MAX_GROUP, one after another. A lone call goes
 * as a plain job.
 * A member whose signal aborts (its deadline, its client gone) is rejected with the reason and
 * its group's thread is stopped, the only way to stop an EVM loop; the group's other members
 * did nothing wrong and are sent again (a call only reads: running it again answers the same).
 */
export class CallGroups {
  private readonly submit: SubmitJob
  private readonly idleThreads: () => number
  /** Calls waiting for the flush, by batch. */
  private pending = new Map<object, Member[]>()

  /** `idleThreads`: threads free for a group now (at least 1), to split a batch's calls over. */
  constructor(submit: SubmitJob, idleThreads: () => number) {
    this.submit = submit
    this.idleThreads = idleThreads
  }

  /** Resolves with the call's reply (or a fault's message); rejects with the signal's reason when it aborts, or with the group's refusal (ServerBusyError). */
  run(job: CallJob, signal: AbortSignal | undefined, batch: object | undefined): Promise<GroupMemberReply> {
    return new Promise((resolve, reject) => this.enqueue({ job, signal, batch, resolve, reject }))
  }

  private enqueue(member: Member): void {
    if (this.pending.size === 0) setImmediate(() => this.flush())
    const key = member.batch ?? member
    const members = this.pending.get(key)
    if (members === undefined) this.pending.set(key, [member])
    else members.push(member)
  }

  private flush(): void {
    const batches = [...this.pending.values()]
    this.pending = new Map()
    for (const members of batches) {
      const live = members.filter(stillWanted)
      if (live.length === 0) continue
      const lanes = Math.min(this.idleThreads(), live.length)
      const perLane = Math.ceil(live.length / lanes)
      for (let start = 0; start < live.length; start += perLane) void this.runLane(live.slice(start, start + perLane))
    }
  }

  /**
   * Sends one lane's calls as groups of at most MAX_GROUP, each after the one before is
   * answered: a batch holds no more jobs than there were idle threads when it came, so its own
   * groups never fill the pool's bound and refuse each other (with `--rpc.workqueue 0`, or a
   * batch of 1,000 on one thread).
   */
  private async runLane(members: Member[]): Promise<void> {
    for (let start = 0; start < members.length; start += MAX_GROUP) await this.send(members.slice(start, start + MAX_GROUP))
  }

  /** Settles (never rejects) when every one of `candidates` has its answer or was sent again. */
  private async send(candidates: Member[]): Promise<void> {
    // A member may have waited for its lane's earlier groups: one whose deadline passed meanwhile is not sent.
    const group = candidates.filter(stillWanted)
    if (group.length === 0) return
    if (group.length === 1) {
      const [member] = group
      await this.submit(member.job, member.signal).then((reply) => member.resolve(reply as JobReply<'call'>), member.reject)
      return
    }
    const controller = new AbortController()
    const stopped = new Set<Member>()
    const listeners = group.map((member) => {
      const onAbort = () => {
        stopped.add(member)
        member.reject(member.signal?.reason)
        controller.abort()
      }
      member.signal?.addEventListener('abort', onAbort, { once: true })
      return () => member.signal?.removeEventListener('abort', onAbort)
    })
    await this.submit({ kind: 'calls', calls: group.map((member) => member.job) }, controller.signal)
      .then(
        (reply) => {
          // The worker answers every member (a fault is one member's answer), never the group as a whole.
          const replies = reply.ok ? (reply.value as GroupMemberReply[]) : []
          group.forEach((member, i) => member.resolve(replies[i] ?? { ok: false, fault: 'the call group was answered without this call' }))
        },
        (error: unknown) => {
          for (const member of group) {
            if (stopped.has(member)) continue
            if (controller.signal.aborted) this.enqueue(member)
            else member.reject(error)
          }
        },
      )
      .finally(() => listeners.forEach((remove) => remove()))
  }
}

/** False (and the member rejected with its signal's reason) when its call is no longer wanted. */
function stillWanted(member: Member): boolean {
  if (member.signal?.aborted !== true) return true
  member.reject(member.signal.reason)
  return false
}
