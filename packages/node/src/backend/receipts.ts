// Receipts and logs as clients see them, derived from what the chain stores per block
// (status, cumulative gas, raw logs): per-transaction gas, prices, contract addresses and
// the position of every log in its block.
import type { TypedTransaction } from '@ethereumjs/tx'
import { bigIntToUnpaddedBytes, generateAddress } from '@ethereumjs/util'
import { Bloom } from '@ethereumjs/vm'
import type { StoredReceipt } from '@busan/chain'
import type { BlockView, LogView, ReceiptView } from '@busan/rpc'

/** What deriving needs of a block: the block, its hash and its senders in block order. */
export type StoredBlock = Pick<BlockView, 'block' | 'hash' | 'senders'>

/** The price per gas a transaction paid in a block with `baseFee` (EIP-1559: base fee + capped tip). */
function effectiveGasPrice(tx: TypedTransaction, baseFee: bigint): bigint {
  if ('maxFeePerGas' in tx) {
    const tip = tx.maxPriorityFeePerGas < tx.maxFeePerGas - baseFee ? tx.maxPriorityFeePerGas : tx.maxFeePerGas - baseFee
    return baseFee + tip
  }
  return (tx as { gasPrice: bigint }).gasPrice
}

/** The logs of a block's receipts, each with its block, transaction and position in the block. */
export function blockLogs(view: StoredBlock, stored: StoredReceipt[], removed = false): LogView[][] {
  const { block, hash } = view
  let logIndex = 0
  return stored.map((receipt, index) => {
    const transactionHash = block.transactions[index].hash()
    return receipt.logs.map(([address, topics, data]) => ({
      address,
      topics,
      data,
      blockNumber: block.header.number,
      blockHash: hash,
      blockTimestamp: block.header.timestamp,
      transactionHash,
      transactionIndex: index,
      logIndex: logIndex++,
      removed,
    }))
  })
}

/** Receipts as clients see them: per-transaction gas, prices, contract address, positioned logs. */
export function deriveReceipts(view: StoredBlock, stored: StoredReceipt[], removed = false): ReceiptView[] {
  const { block, hash, senders } = view
  const baseFee = block.header.baseFeePerGas ?? 0n
  const logs = blockLogs(view, stored, removed)
  let previousCumulative = 0n
  return stored.map((receipt, index) => {
    const tx = block.transactions[index]
    const sender = senders[index]
    const bloom = new Bloom(undefined, block.common)
    for (const log of logs[index]) {
      bloom.add(log.address)
      for (const topic of log.topics) bloom.add(topic)
    }
    const gasUsed = receipt.cumulativeGasUsed - previousCumulative
    previousCumulative = receipt.cumulativeGasUsed
    return {
      transactionHash: tx.hash(),
      transactionIndex: index,
      blockHash: hash,
      blockNumber: block.header.number,
      from: sender,
      to: tx.to?.bytes,
      contractAddress: tx.to === undefined ? generateAddress(sender, bigIntToUnpaddedBytes(tx.nonce)) : undefined,
      cumulativeGasUsed: receipt.cumulativeGasUsed,
      gasUsed,
      effectiveGasPrice: effectiveGasPrice(tx, baseFee),
      status: receipt.status,
      type: tx.type,
      logsBloom: bloom.bitvector,
      logs: logs[index],
    }
  })
}
