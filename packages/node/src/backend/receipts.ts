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
  const logs = blockLogs(view, stored, removed)
  return stored.map((receipt, index) => receiptView(view, stored, index, logs[index]))
}

/**
 * One receipt of a block, without deriving the others (their logs are only counted, for the
 * log positions): a block can hold a hundred thousand logs, each costing keccak for the bloom.
 */
export function deriveReceipt(view: StoredBlock, stored: StoredReceipt[], index: number): ReceiptView | undefined {
  if (index >= stored.length) return undefined
  let logIndex = 0
  for (let i = 0; i < index; i++) logIndex += stored[i].logs.length
  const transactionHash = view.block.transactions[index].hash()
  const logs = stored[index].logs.map(([address, topics, data], i) => ({
    address, topics, data,
    blockNumber: view.block.header.number, blockHash: view.hash, blockTimestamp: view.block.header.timestamp,
    transactionHash, transactionIndex: index, logIndex: logIndex + i, removed: false,
  }))
  return receiptView(view, stored, index, logs)
}

/** Gas used by each transaction of a block, from the receipts' cumulative gas. */
export function gasUsedPerTransaction(stored: StoredReceipt[]): bigint[] {
  let previous = 0n
  return stored.map((receipt) => {
    const used = receipt.cumulativeGasUsed - previous
    previous = receipt.cumulativeGasUsed
    return used
  })
}

function receiptView(view: StoredBlock, stored: StoredReceipt[], index: number, logs: LogView[]): ReceiptView {
  const { block, hash, senders } = view
  const tx = block.transactions[index]
  const sender = senders[index]
  const receipt = stored[index]
  const bloom = new Bloom(undefined, block.common)
  for (const log of logs) {
    bloom.add(log.address)
    for (const topic of log.topics) bloom.add(topic)
  }
  const blobs = (tx as { blobVersionedHashes?: unknown[] }).blobVersionedHashes
  return {
    transactionHash: tx.hash(),
    transactionIndex: index,
    blockHash: hash,
    blockNumber: block.header.number,
    from: sender,
    to: tx.to?.bytes,
    contractAddress: tx.to === undefined ? generateAddress(sender, bigIntToUnpaddedBytes(tx.nonce)) : undefined,
    cumulativeGasUsed: receipt.cumulativeGasUsed,
    gasUsed: receipt.cumulativeGasUsed - (index === 0 ? 0n : stored[index - 1].cumulativeGasUsed),
    effectiveGasPrice: effectiveGasPrice(tx, block.header.baseFeePerGas ?? 0n),
    status: receipt.status,
    ...(receipt.root === undefined ? {} : { root: receipt.root }),
    ...(blobs === undefined ? {} : { blobGasUsed: BigInt(blobs.length) * block.header.common.param('blobGasPerBlob'), blobGasPrice: block.header.getBlobGasPrice() }),
    type: tx.type,
    logsBloom: bloom.bitvector,
    logs,
  }
}
