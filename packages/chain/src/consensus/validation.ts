// Engine-independent block checks (phases 3 and 4), shared by every consensus engine.
import type { Block, BlockHeader } from '@ethereumjs/block'
import { KECCAK256_RLP, KECCAK256_RLP_ARRAY, bytesToHex, equalsBytes } from '@ethereumjs/util'
import type { ExecutionOutcome } from '../executor.ts'
import { BlockError } from '../errors.ts'
import { orderedTrieRoot } from '../ordered-trie.ts'

export async function verifyBodyCommitments(block: Block): Promise<void> {
  const header = block.header
  if (!equalsBytes(header.uncleHash, KECCAK256_RLP_ARRAY) || block.uncleHeaders.length > 0) throw new BlockError('invalid uncles', 'uncles are not allowed')
  if ((block.withdrawals?.length ?? 0) > 0 || (header.withdrawalsRoot !== undefined && !equalsBytes(header.withdrawalsRoot, KECCAK256_RLP))) {
    throw new BlockError('invalid withdrawals', 'withdrawals are not allowed')
  }
  verifyTransactionsRoot(block)
  for (const tx of block.transactions) {
    if (tx.type === 3) throw new BlockError('invalid transaction', 'blob transactions are not supported')
  }
}

/** The header's transactions root is the root of the block's transactions. */
export function verifyTransactionsRoot(block: Block): void {
  const txRoot = orderedTrieRoot(block.transactions.map((tx) => tx.serialize()))
  if (!equalsBytes(txRoot, block.header.transactionsTrie)) throw new BlockError('invalid transactions root', `have ${bytesToHex(txRoot)} want ${bytesToHex(block.header.transactionsTrie)}`)
}

export function verifyExecutionOutcome(header: BlockHeader, outcome: ExecutionOutcome): void {
  if (outcome.gasUsed !== header.gasUsed) throw new BlockError('invalid gas used', `have ${outcome.gasUsed} want ${header.gasUsed}`)
  if (!equalsBytes(outcome.receiptsRoot, header.receiptTrie)) throw new BlockError('invalid receipts root', `have ${bytesToHex(outcome.receiptsRoot)} want ${bytesToHex(header.receiptTrie)}`)
  if (!equalsBytes(outcome.logsBloom, header.logsBloom)) throw new BlockError('invalid bloom', 'logs bloom mismatch')
  if (!equalsBytes(outcome.stateRoot, header.stateRoot)) throw new BlockError('invalid state root', `have ${bytesToHex(outcome.stateRoot)} want ${bytesToHex(header.stateRoot)}`)
  if (outcome.requestsHash !== undefined && header.requestsHash !== undefined && !equalsBytes(outcome.requestsHash, header.requestsHash)) {
    throw new BlockError('invalid requests hash', `have ${bytesToHex(outcome.requestsHash)} want ${bytesToHex(header.requestsHash)}`)
  }
}

/** EIP-1559 gas limit bounds: within 1/1024 of the parent's, and at least 5,000. */
export function verifyGasLimit(header: BlockHeader, parent: BlockHeader): void {
  const limit = parent.gasLimit / 1024n
  const diff = header.gasLimit > parent.gasLimit ? header.gasLimit - parent.gasLimit : parent.gasLimit - header.gasLimit
  if (diff >= limit || header.gasLimit < 5000n) throw new BlockError('invalid gas limit', `have ${header.gasLimit}, parent ${parent.gasLimit}`)
  if (header.gasUsed > header.gasLimit) throw new BlockError('invalid gas used', `gas used ${header.gasUsed} above limit ${header.gasLimit}`)
}

export function verifyBaseFee(header: BlockHeader, parent: BlockHeader): void {
  const expected = parent.calcNextBaseFee()
  if (header.baseFeePerGas !== expected) throw new BlockError('invalid base fee', `have ${header.baseFeePerGas} want ${expected}`)
}
