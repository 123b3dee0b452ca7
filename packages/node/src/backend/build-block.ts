// testing_buildBlockV1 (execution-apis `src/testing/testing_buildBlockV1.yaml`): a post-merge
// block built on a stored parent, as geth's miner builds a payload for engine_getPayload, on a
// throw-away layer over the parent's state. Runs on an RPC worker thread; nothing is imported
// or persisted, so the node's head never moves.
import { Block, createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { createWithdrawal } from '@ethereumjs/util'
import { Bloom, createVM, encodeReceipt, runTx } from '@ethereumjs/vm'
import { applyStepsAfterTransactions, applyStepsBeforeTransactions, blobGasOf, createStateTrie, evmBlockchain, type RawLog } from '@busan/chain'
import { commonAt } from '@busan/chain-config'
import { EphemeralTrieStore } from '@busan/db'
import type { BuildBlockRequest, BuiltPayload } from '@busan/rpc'
import { blobSidecar } from '@busan/txpool'
import { executedHeader, nextBaseFee, nextExcessBlobGas } from './block-assembly.ts'
import { CallError, callError } from './call-errors.ts'
import type { CallContext } from './calls.ts'

/**
 * The gas limit a built block aims for: geth's default miner gas ceiling (`--miner.gaslimit`,
 * 60,000,000 since geth 1.16). A parent above it steps down by at most parent/1024 per block.
 */
const BUILDER_GAS_CEIL = 60_000_000n
const GAS_LIMIT_BOUND_DIVISOR = 1024n
const MIN_GAS_LIMIT = 5000n
const ZERO_NONCE = new Uint8Array(8)

/** geth's core.CalcGasLimit: the parent's limit moved toward `desired` by less than parent/1024. */
function nextGasLimit(parentGasLimit: bigint, desired: bigint): bigint {
  const delta = parentGasLimit / GAS_LIMIT_BOUND_DIVISOR - 1n
  const target = desired < MIN_GAS_LIMIT ? MIN_GAS_LIMIT : desired
  if (parentGasLimit < target) {
    const raised = parentGasLimit + delta
    return raised > target ? target : raised
  }
  if (parentGasLimit > target) {
    const lowered = parentGasLimit - delta
    return lowered < target ? target : lowered
  }
  return parentGasLimit
}

/** The stored block to build on: its header and hash. */
export interface BuildParent {
  header: BlockHeader
  hash: Uint8Array
}

/**
 * Builds the block after `parent` from `request` (its attributes, transactions and extraData)
 * and returns it as engine_getPayload does. Throws CallError: -32602 when the block would not
 * be post-merge or a given transaction does not decode, -32000 with geth's words when a given
 * transaction does not apply (pool transactions that do not apply are left out instead).
 */
export async function buildBlock(context: CallContext, parent: BuildParent, request: BuildBlockRequest): Promise<BuiltPayload> {
  const { attributes } = request
  const number = parent.header.number + 1n
  const notPostMerge = new CallError(`block ${number} is not post-merge: testing_buildBlockV1 builds execution payloads only`, -32602)
  let common
  try {
    common = commonAt(context.common, number, attributes.timestamp)
  } catch {
    // EthereumJS refuses a time past forks that follow the merge for a number before it.
    throw notPostMerge
  }
  if (common.consensusType() !== 'pos') throw notPostMerge
  const cancun = common.isActivatedEIP(4844)
  const header = createBlockHeader(
    {
      parentHash: parent.hash,
      coinbase: attributes.suggestedFeeRecipient,
      difficulty: 0n,
      number,
      gasLimit: nextGasLimit(parent.header.gasLimit, BUILDER_GAS_CEIL),
      timestamp: attributes.timestamp,
      mixHash: attributes.prevRandao,
      nonce: ZERO_NONCE,
      extraData: request.extraData,
      baseFeePerGas: nextBaseFee(parent.header),
      excessBlobGas: cancun ? nextExcessBlobGas(parent.header, common) : undefined,
      blobGasUsed: cancun ? 0n : undefined,
      parentBeaconBlockRoot: cancun ? attributes.parentBeaconBlockRoot : undefined,
    },
    { common, params: {}, skipConsensusFormatValidation: true },
  )
  const withdrawals = common.isActivatedEIP(4895) ? attributes.withdrawals.map((w) => createWithdrawal(w)) : undefined
  const executionBlock = new Block(header, [], [], withdrawals, { common, params: {} })
  const trie = createStateTrie(new EphemeralTrieStore(context.trieStore), common, parent.header.stateRoot)
  const stateManager = new MerkleStateManager({ trie, common, caches: new Caches() })
  const blockchain = evmBlockchain((n) => (n === parent.header.number ? parent.hash : context.blockHash(n)))
  const vm = await createVM({ common, stateManager, blockchain, params: {}, evmOpts: { params: {}, codeAnalysisCache: context.codeAnalysisCache } })

  await applyStepsBeforeTransactions(vm, header)
  const baseFee = header.baseFeePerGas!
  const included: TypedTransaction[] = []
  const receipts: Uint8Array[] = []
  const txLogs: RawLog[][] = []
  const bloom = new Bloom(undefined, common)
  const skippedSenders = new Set<string>()
  const blobsBundle: BuiltPayload['blobsBundle'] = { commitments: [], proofs: [], blobs: [] }
  const maxBlobGas = cancun ? common.getBlobGasSchedule().maxBlobGasPerBlock : 0n
  let gasUsed = 0n
  let blobGasUsed = 0n
  let blockValue = 0n
  for (const [index, raw] of request.transactions.entries()) {
    let tx: TypedTransaction
    try {
      tx = createTxFromRLP(raw, { common, params: {} })
    } catch (error) {
      if (request.fromPool) continue
      throw new CallError(`invalid transaction ${index}: ${(error as Error).message}`, -32602)
    }
    const sender = tx.getSenderAddress()
    if (skippedSenders.has(sender.toString())) continue
    try {
      // geth's miner: a transaction past the block's remaining gas does not fit (core.ErrGasLimitReached).
      if (gasUsed + tx.gasLimit > header.gasLimit) throw new CallError('gas limit reached')
      const txBlobGas = blobGasOf(tx)
      if (txBlobGas > 0n && blobGasUsed + txBlobGas > maxBlobGas) throw new CallError(`blob gas limit reached: ${blobGasUsed + txBlobGas} above ${maxBlobGas}`)
      const result = await runTx(vm, { tx, block: executionBlock, blockGasUsed: gasUsed, skipHardForkValidation: true })
      gasUsed += result.totalGasSpent
      blobGasUsed += result.blobGasUsed ?? 0n
      blockValue += result.totalGasSpent * tx.getEffectivePriorityFee(baseFee)
      receipts.push(encodeReceipt(result.receipt, tx.type))
      bloom.or(new Bloom(result.receipt.bitvector, common))
      txLogs.push(result.receipt.logs as RawLog[])
      included.push(tx)
      const networkForm = request.networkForms[index]
      if (networkForm !== undefined) {
        const { blobs, commitments, proofs } = blobSidecar(networkForm)
        blobsBundle.blobs.push(...blobs)
        blobsBundle.commitments.push(...commitments)
        blobsBundle.proofs.push(...proofs)
      }
    } catch (error) {
      // A pool transaction that does not apply is left out, with its sender's later ones.
      if (request.fromPool) {
        skippedSenders.add(sender.toString())
        continue
      }
      throw error instanceof CallError ? error : callError(error, sender.bytes)
    }
  }
  const requests = await applyStepsAfterTransactions(vm, executionBlock, txLogs)
  const body = { transactions: included, receipts, bloom, gasUsed, blobGasUsed, requestsHash: requests?.hash }
  const sealed = executedHeader(header, common, await stateManager.getStateRoot(), body, withdrawals)
  return {
    executionPayload: {
      parentHash: parent.hash,
      feeRecipient: attributes.suggestedFeeRecipient,
      stateRoot: sealed.stateRoot,
      receiptsRoot: sealed.receiptTrie,
      logsBloom: sealed.logsBloom,
      prevRandao: sealed.mixHash,
      blockNumber: number,
      gasLimit: sealed.gasLimit,
      gasUsed,
      timestamp: sealed.timestamp,
      extraData: sealed.extraData,
      baseFeePerGas: baseFee,
      blockHash: sealed.hash(),
      transactions: included.map((tx) => tx.serialize()),
      withdrawals: withdrawals === undefined ? [] : attributes.withdrawals,
      blobGasUsed,
      excessBlobGas: sealed.excessBlobGas ?? 0n,
    },
    blockValue,
    executionRequests: requests?.requests ?? [],
    blobsBundle,
  }
}
