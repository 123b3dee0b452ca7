// debug_trace*: transactions re-executed on their parent block's state (the node keeps every
// state: an archive) with a geth tracer attached to the one(s) asked for. Runs on an RPC
// worker thread; nothing is written (a throw-away layer over the trie store).
import { Block, createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import type { TypedTransaction } from '@ethereumjs/tx'
import { Address, bytesToHex, createContractAddress, eoaCode7702RecoverAuthority, setLengthLeft, type DB, type EOACode7702AuthorizationListBytesItem } from '@ethereumjs/util'
import { createVM, runTx, type RunTxOpts, type VM } from '@ethereumjs/vm'
import { applyStepsBeforeTransactions, createStateTrie, evmBlockchain } from '@busan/chain'
import { commonAt } from '@busan/chain-config'
import { EphemeralTrieStore } from '@busan/db'
import { attachTracer, createTracer, TraceLimitError, type StateReader, type TraceContext, type TraceOptions, type Tracer } from '@busan/tracing'
import { CallError, callError } from './call-errors.ts'

/** A block to trace: its transactions with their senders, the state it starts from, its author. */
export interface BlockToTrace {
  block: Block
  senders: Uint8Array[]
  parentStateRoot: Uint8Array
  /** COINBASE and fee recipient (the Clique signer or QBFT proposer), as the block was executed. */
  author: Uint8Array
  /** BLOCKHASH over the block's own branch. */
  blockHash: (number: bigint) => Uint8Array | undefined
}

/** The state as the EVM sees it at the moment of asking. */
export function stateReader(stateManager: VM['stateManager']): StateReader {
  const account = (address: Uint8Array) => stateManager.getAccount(new Address(address))
  return {
    balance: async (address) => (await account(address))?.balance ?? 0n,
    nonce: async (address) => (await account(address))?.nonce ?? 0n,
    code: (address) => stateManager.getCode(new Address(address)),
    storage: async (address, slot) => ((await account(address)) === undefined ? new Uint8Array(32) : setLengthLeft(await stateManager.getStorage(new Address(address), slot), 32)),
    exists: async (address) => (await account(address)) !== undefined,
  }
}

/**
 * Runs `tx` in `vm` with `tracer` attached: geth's OnTxStart before it (the state before any
 * fee is taken), OnTxEnd after (fees paid). Returns runTx's result. Throws what runTx throws
 * for an invalid transaction (the tracer then has no result).
 */
export async function runTraced(vm: VM, tracer: Tracer, options: RunTxOpts & { tx: TypedTransaction; sender: Uint8Array; coinbase: Uint8Array }) {
  const { tx, sender, coinbase } = options
  const state = stateReader(vm.stateManager)
  const isCreate = tx.to === undefined
  const to = isCreate ? createdAddress(sender, await state.nonce(sender)) : tx.to!.bytes
  const authorities = 'authorizationList' in tx ? authoritiesOf(tx) : []
  await tracer.onTxStart?.({ from: sender, to, isCreate, gasLimit: tx.gasLimit, coinbase, authorities, state })
  const detach = attachTracer(vm.evm, tracer, { sender, gasLimit: tx.gasLimit })
  let result
  try {
    result = await runTx(vm, options)
  } catch (error) {
    detach() // throws the tracer's own failure, which is what stopped the transaction
    throw error
  }
  detach()
  await tracer.onTxEnd?.({ gasUsed: result.totalGasSpent, state })
  return result
}

/**
 * Replays the transactions of `target` on its parent's state, each with the tracer `tracerFor`
 * gives it (none: run untraced), up to the last one traced. Returns, in block order, each traced
 * transaction's hash and tracer; stops after transaction `last`. A transaction the state refuses
 * fails the whole replay (the block is not valid on this state).
 */
export async function replayBlock<T extends Tracer>(
  chainCommon: Common,
  trieStore: DB<string, Uint8Array>,
  target: BlockToTrace,
  tracerFor: (index: number, context: TraceContext) => T | undefined,
  last = target.block.transactions.length - 1,
) {
  const common = commonAt(chainCommon, target.block.header.number, target.block.header.timestamp)
  const stateManager = new MerkleStateManager({ trie: createStateTrie(new EphemeralTrieStore(trieStore), common, target.parentStateRoot), common, caches: new Caches() })
  const vm = await createVM({ common, stateManager, blockchain: evmBlockchain(target.blockHash), params: {}, evmOpts: { params: {} } })
  const header = executionHeader(target.block.header, target.author, common)
  const block = new Block(header, [], [], common.isActivatedEIP(4895) ? [] : undefined, { common, params: {} })
  // The block's own system calls come first, as in its execution (their state is the transactions').
  await applyStepsBeforeTransactions(vm, header)
  const isPrecompile = (address: Uint8Array) => vm.evm.getPrecompile?.(new Address(address)) !== undefined
  const traced: { index: number; txHash: string; tracer: T }[] = []
  let blockGasUsed = 0n
  let logCount = 0
  for (const [index, original] of target.block.transactions.entries()) {
    if (index > last) break
    const sender = target.senders[index]
    const tx = withSender(original, sender)
    const run: RunTxOpts & { tx: TypedTransaction } = { tx, block, blockGasUsed, skipHardForkValidation: true }
    const tracer = tracerFor(index, { firstLogIndex: logCount, isPrecompile })
    let result
    try {
      result = tracer === undefined ? await runTx(vm, run) : await runTraced(vm, tracer, { ...run, sender, coinbase: target.author })
    } catch (error) {
      if (error instanceof TraceLimitError) throw error
      // The block's state refuses the transaction (a block given as RLP may be anything).
      throw new CallError(`tracing failed: ${callError(error, sender).message}`)
    }
    if (tracer !== undefined) traced.push({ index, txHash: bytesToHex(original.hash()), tracer })
    blockGasUsed += result.totalGasSpent
    logCount += result.receipt.logs.length
  }
  return traced
}

/**
 * Traces the transactions of `target` whose index `selected` accepts, each with a fresh tracer
 * of `options`. Returns each traced transaction's hash and the tracer's JSON, in block order.
 */
export async function traceBlock(common: Common, trieStore: DB<string, Uint8Array>, target: BlockToTrace, options: TraceOptions, selected: (index: number) => boolean) {
  const last = lastSelected(target.block.transactions.length, selected)
  const traced = await replayBlock(common, trieStore, target, (index, context) => (selected(index) ? createTracer(options, context) : undefined), last)
  return traced.map(({ txHash, tracer }) => ({ txHash, result: tracer.result() }))
}

/** The header transactions execute under: the block's, with its author as COINBASE (as the executor runs it). */
export function executionHeader(header: BlockHeader, author: Uint8Array, common: Common): BlockHeader {
  return createBlockHeader({ ...header.toJSON(), coinbase: author }, { common, params: {} })
}

function lastSelected(count: number, selected: (index: number) => boolean): number {
  for (let index = count - 1; index >= 0; index--) if (selected(index)) return index
  return -1
}

/**
 * The transaction answering its stored sender: the worker threads use pure-JS crypto, and
 * recovering every sender of a block again would cost ~1.4 ms each.
 */
function withSender(tx: TypedTransaction, sender: Uint8Array): TypedTransaction {
  const from = new Address(sender)
  return Object.create(tx, { getSenderAddress: { value: () => from } }) as TypedTransaction
}

function createdAddress(sender: Uint8Array, nonce: bigint): Uint8Array {
  return createContractAddress(new Address(sender), nonce).bytes
}

/** EIP-7702 authorities of a set-code transaction; an unrecoverable authorization is skipped (geth too). */
function authoritiesOf(tx: TypedTransaction): Uint8Array[] {
  const list = (tx as unknown as { authorizationList: EOACode7702AuthorizationListBytesItem[] }).authorizationList
  const authorities: Uint8Array[] = []
  for (const item of list) {
    try {
      authorities.push(eoaCode7702RecoverAuthority(item).bytes)
    } catch {
      // geth: `if err != nil { continue }`
    }
  }
  return authorities
}
