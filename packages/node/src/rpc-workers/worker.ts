// An RPC worker thread: runs eth_call/eth_estimateGas/eth_createAccessList, eth_getProof and
// eth_getLogs over the node's own RocksDB (shared by handle, so every committed block is
// visible at once), away from the thread that seals, imports and answers cheap reads.
// Piscina loads this module once per thread and calls the default export per job; the pool
// terminates the thread when a job outlives its deadline, which stops any EVM loop.
import { workerData } from 'node:worker_threads'
import { createBlockHeaderFromRLP, type BlockHeader } from '@ethereumjs/block'
import { createBlob4844TxFromSerializedNetworkWrapper } from '@ethereumjs/tx'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { CallCollector, ChainStore, createCodeAnalysisCache, decodeBlock, headerHashRule, type TxCalls } from '@busan/chain'
import { commonAt, createChainCommon } from '@busan/chain-config'
import { KeyValueStore, TrieNodeStore } from '@busan/db'
import { ExecutionError } from '@busan/rpc'
import { buildBlock } from '../backend/build-block.ts'
import { cleanMessage } from '../backend/call-errors.ts'
import { CallExecutor } from '../backend/calls.ts'
import { collectLogs } from '../backend/logs.ts'
import { deriveReceipts } from '../backend/receipts.ts'
import { TrieStateView } from '../backend/state-view.ts'
import { simulate } from '../backend/simulate.ts'
import { replayBlock, traceBlock } from '../backend/tracing.ts'
import type { CallJob, GroupMemberReply, Job, JobFailure, JobKind, JobReply, JobResults, TraceBlockJob, WorkerInit } from './jobs.ts'

const init = workerData as WorkerInit
const kv = await KeyValueStore.attach(init.dbHandle)
const common = createChainCommon(init.genesis)
const hashRule = headerHashRule(init.genesis)
const store = new ChainStore(kv, common, hashRule)
// Nothing is ever staged here: calls write into their own throw-away layer over this store.
const trieStore = new TrieNodeStore(kv)
// One context, so calls and simulations share the thread's code analyses.
const context = { common, trieStore, blockHash: (number: bigint) => store.canonicalHash(number), codeAnalysisCache: createCodeAnalysisCache() }
const calls = new CallExecutor(context)

async function execute(job: Job): Promise<JobResults[JobKind]> {
  switch (job.kind) {
    case 'call':
    case 'estimateGas':
    case 'traceCall': {
      const on = { header: headerOf(job.header), author: job.author }
      if (job.kind === 'estimateGas') return calls.estimateGas(job.request, on, { gasCap: job.gasCap, overrides: job.overrides })
      if (job.kind === 'traceCall') return calls.trace(job.request, on, { gasCap: job.gasCap, trace: job.trace, overrides: job.overrides })
      return calls.call(job.request, on, { gasCap: job.gasCap, withAccessList: job.withAccessList, overrides: job.overrides })
    }
    case 'calls':
      return runGroup(job.calls)
    case 'proof':
      return new TrieStateView(trieStore, common, job.stateRoot).getProof(job.address, job.slots)
    case 'logs':
      return collectLogs(store, job.filter)
    case 'receipts': {
      const block = store.blockByHash(job.blockHash)
      if (block === undefined) return []
      return deriveReceipts({ block, hash: job.blockHash, senders: store.senders(job.blockHash) }, store.receipts(job.blockHash) ?? [])
    }
    case 'traceBlock':
      return traceStoredOrGiven(job)
    case 'blockCalls':
      return blockCalls(job.blockHash, job.author)
    case 'simulate': {
      const header = headerOf(job.header)
      return simulate(context, job.request, { header, hash: job.hash }, job.gasCap)
    }
    case 'verifyBlobTx':
      return verifyBlobTx(job.networkRaw, job.number, job.timestamp)
    case 'buildBlock':
      return buildBlock(context, { header: headerOf(job.header), hash: job.hash }, job.request)
    case 'warmUp':
      return warmUp(job.arrived, job.threads)
  }
}

let lastHeader: { rlp: Uint8Array; header: BlockHeader } | undefined

/**
 * The header of a call's block, decoded once while calls keep reading the same block (most
 * read the head): the same object for the same RLP, so the call executor's per-header work
 * is kept too (CallExecutor.executionHeader).
 */
function headerOf(rlp: Uint8Array): BlockHeader {
  if (lastHeader === undefined || !equalsBytes(lastHeader.rlp, rlp)) {
    lastHeader = { rlp, header: createBlockHeaderFromRLP(rlp, { common, params: {}, setHardfork: true }) }
  }
  return lastHeader.header
}

/** How long a warm-up job waits for the other threads to arrive. */
const WARM_UP_WAIT_MS = 30_000

/**
 * Counts this thread in and blocks it until `threads` have arrived (or the wait ends): a thread
 * that holds a job takes no other, so the pool's `threads` warm-up jobs land on distinct threads.
 */
function warmUp(arrived: Int32Array, threads: number): boolean {
  Atomics.add(arrived, 0, 1)
  Atomics.notify(arrived, 0)
  const deadline = performance.now() + WARM_UP_WAIT_MS
  for (let seen = Atomics.load(arrived, 0); seen < threads; seen = Atomics.load(arrived, 0)) {
    const left = deadline - performance.now()
    if (left <= 0) return false
    Atomics.wait(arrived, 0, seen, left)
  }
  return true
}

/** A stored block re-executed to learn what each transaction's frames touched (the address index's rebuild). */
async function blockCalls(blockHash: Uint8Array, author: Uint8Array): Promise<TxCalls[]> {
  const block = store.blockByHash(blockHash)
  const parent = block === undefined ? undefined : store.blockByHash(block.header.parentHash)
  if (block === undefined || parent === undefined) throw coded(`block ${bytesToHex(blockHash)} or its parent not found`)
  const target = { block, senders: store.senders(blockHash), parentStateRoot: parent.header.stateRoot, author, blockHash: store.ancestorHashes(parent) }
  const traced = await replayBlock(common, trieStore, target, () => new CallCollector())
  return traced.map(({ tracer, index }) => tracer.take(target.senders[index]))
}

/** A block's transactions traced on its parent's state; a coded failure when the block or its parent is missing. */
async function traceStoredOrGiven(job: TraceBlockJob): Promise<string> {
  const block = 'hash' in job.block ? store.blockByHash(job.block.hash) : decodeBlock(job.block.rlp, common, hashRule)
  if (block === undefined) throw coded(`block ${bytesToHex((job.block as { hash: Uint8Array }).hash)} not found`)
  if (block.header.number === 0n) throw coded('genesis is not traceable')
  const parent = store.blockByHash(block.header.parentHash)
  if (parent === undefined) throw coded(`parent ${bytesToHex(block.header.parentHash)} not found`)
  const stored = 'hash' in job.block ? store.senders(job.block.hash) : []
  // A stored block has its senders recorded; a given one is recovered here (pure-JS crypto).
  const senders = stored.length === block.transactions.length ? stored : block.transactions.map((tx) => tx.getSenderAddress().bytes)
  const target = { block, senders, parentStateRoot: parent.header.stateRoot, author: job.author, blockHash: store.ancestorHashes(parent) }
  const txIndex = job.txIndex
  const traces = await traceBlock(common, trieStore, target, job.trace, (index) => txIndex === undefined || index === txIndex)
  if (txIndex !== undefined) return traces[0]?.result ?? 'null'
  return `[${traces.map((trace) => `{"txHash":"${trace.txHash}","result":${trace.result}}`).join(',')}]`
}

/**
 * EthereumJS's own check of a blob transaction's network form, KZG included (micro-eth-signer,
 * pure JavaScript, over 100 ms a blob: why it runs here): blob, commitment and proof counts,
 * versioned hashes, the proofs, and the wrapper version the fork requires (EIP-7594 from Osaka).
 */
function verifyBlobTx(networkRaw: Uint8Array, number: bigint, timestamp: bigint): boolean {
  try {
    createBlob4844TxFromSerializedNetworkWrapper(networkRaw, { common: commonAt(common, number, timestamp) })
  } catch (error) {
    throw coded(cleanMessage((error as Error).message))
  }
  return true
}

function coded(message: string, code = -32000): Error {
  return Object.assign(new Error(message), { code })
}

/** A client-facing failure, or undefined for a fault (rethrown: the pool logs it, the client gets -32603). */
function failureOf(error: unknown): JobFailure | undefined {
  if (error instanceof ExecutionError) return { type: 'execution', kind: error.kind, message: error.message, returnData: error.returnData }
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  if (typeof code === 'number' && Number.isInteger(code) && typeof message === 'string') return { type: 'coded', code, message }
  return undefined
}

/** Each call of a group answered in turn; a fault is one member's answer, not the group's. */
async function runGroup(group: CallJob[]): Promise<GroupMemberReply[]> {
  const replies: GroupMemberReply[] = []
  for (const job of group) {
    try {
      replies.push((await run(job)) as JobReply<'call'>)
    } catch (error) {
      replies.push({ ok: false, fault: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    }
  }
  return replies
}

export default async function run(job: Job): Promise<JobReply> {
  try {
    return { ok: true, value: await execute(job) }
  } catch (error) {
    const failure = failureOf(error)
    if (failure === undefined) throw error
    return { ok: false, failure }
  }
}
