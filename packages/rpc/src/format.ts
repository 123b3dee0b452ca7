// JSON shapes of blocks, headers, transactions, receipts and logs, as geth writes them:
// quantities as minimal 0x hex, byte strings as 0x hex, addresses lowercase, null for absent.
import type { BlockHeader } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { BlockView, LogView, ReceiptView, TransactionView } from './backend.ts'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined }
export type JsonObject = { [key: string]: Json | undefined }

export function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

export function quantity(n: bigint | number): string {
  return `0x${n.toString(16)}`
}

/** A byte string read as a big-endian unsigned integer, as a quantity. */
export function bytesQuantity(bytes: Uint8Array): string {
  if (bytes.length === 0) return '0x0'
  const digits = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').replace(/^0+/, '')
  return digits === '' ? '0x0' : `0x${digits}`
}

/** 0x hex of a 32-byte word given as bigint. */
export function word(n: bigint): string {
  return `0x${n.toString(16).padStart(64, '0')}`
}

// --- headers and blocks ------------------------------------------------------------------------

/** What formatHeader reads of a header (an EthereumJS BlockHeader has it all). */
export type HeaderFields = Pick<
  BlockHeader,
  | 'number'
  | 'parentHash'
  | 'nonce'
  | 'mixHash'
  | 'uncleHash'
  | 'logsBloom'
  | 'stateRoot'
  | 'difficulty'
  | 'extraData'
  | 'gasLimit'
  | 'gasUsed'
  | 'timestamp'
  | 'transactionsTrie'
  | 'receiptTrie'
  | 'baseFeePerGas'
  | 'withdrawalsRoot'
  | 'blobGasUsed'
  | 'excessBlobGas'
  | 'parentBeaconBlockRoot'
  | 'requestsHash'
> & { coinbase: { bytes: Uint8Array } }

export function formatHeader(header: HeaderFields, hash: Uint8Array): JsonObject {
  const out: JsonObject = {
    number: quantity(header.number),
    hash: hex(hash),
    parentHash: hex(header.parentHash),
    nonce: hex(header.nonce),
    mixHash: hex(header.mixHash),
    sha3Uncles: hex(header.uncleHash),
    logsBloom: hex(header.logsBloom),
    stateRoot: hex(header.stateRoot),
    miner: hex(header.coinbase.bytes),
    difficulty: quantity(header.difficulty),
    extraData: hex(header.extraData),
    gasLimit: quantity(header.gasLimit),
    gasUsed: quantity(header.gasUsed),
    timestamp: quantity(header.timestamp),
    transactionsRoot: hex(header.transactionsTrie),
    receiptsRoot: hex(header.receiptTrie),
  }
  if (header.baseFeePerGas !== undefined) out.baseFeePerGas = quantity(header.baseFeePerGas)
  if (header.withdrawalsRoot !== undefined) out.withdrawalsRoot = hex(header.withdrawalsRoot)
  if (header.blobGasUsed !== undefined) out.blobGasUsed = quantity(header.blobGasUsed)
  if (header.excessBlobGas !== undefined) out.excessBlobGas = quantity(header.excessBlobGas)
  if (header.parentBeaconBlockRoot !== undefined) out.parentBeaconBlockRoot = hex(header.parentBeaconBlockRoot)
  if (header.requestsHash !== undefined) out.requestsHash = hex(header.requestsHash)
  return out
}

/**
 * eth_getBlockBy*: header fields plus size, transactions (hashes or objects), uncles,
 * withdrawals. No totalDifficulty: the execution-apis block schema has none and geth dropped it.
 */
export function formatBlock(view: BlockView, fullTransactions: boolean): JsonObject {
  const { block } = view
  const out = formatHeader(block.header, view.hash)
  out.size = quantity(view.size)
  out.transactions = block.transactions.map((tx, i) => (fullTransactions ? formatTransaction(tx, placementInBlock(view, i)) : hex(tx.hash())))
  out.uncles = block.uncleHeaders.map((u) => hex(u.hash()))
  if (block.withdrawals !== undefined) out.withdrawals = formatWithdrawals(block.withdrawals.map((w) => ({ ...w, address: w.address.bytes })))
  return out
}

/** A block's withdrawals (EIP-4895), `amount` in gwei. */
export function formatWithdrawals(withdrawals: { index: bigint; validatorIndex: bigint; address: Uint8Array; amount: bigint }[]): JsonObject[] {
  return withdrawals.map((w) => ({ index: quantity(w.index), validatorIndex: quantity(w.validatorIndex), address: hex(w.address), amount: quantity(w.amount) }))
}

// --- transactions ------------------------------------------------------------------------------

/** The fields of every transaction type, read loosely (EthereumJS's names). */
export interface AnyTx {
  type: number
  nonce: bigint
  gasLimit: bigint
  value: bigint
  data: Uint8Array
  to?: { bytes: Uint8Array }
  v?: bigint
  r?: bigint
  s?: bigint
  gasPrice?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
  maxFeePerBlobGas?: bigint
  chainId?: bigint
  accessList?: [Uint8Array, Uint8Array[]][]
  authorizationList?: Uint8Array[][]
  /** EthereumJS keeps them as 0x strings. */
  blobVersionedHashes?: string[]
}

/** Where a transaction sits: a TransactionView without the transaction itself. */
export type TxPlacement = Omit<TransactionView, 'tx'>

/** Where the block's transaction `index` sits. */
export function placementInBlock(view: BlockView, index: number): TxPlacement {
  const { header } = view.block
  const tx = view.block.transactions[index]
  return { hash: tx.hash(), sender: view.senders[index], blockHash: view.hash, blockNumber: header.number, blockTimestamp: header.timestamp, index, blockBaseFee: header.baseFeePerGas }
}

/** geth's RPCTransaction. A pending EIP-1559 transaction reports maxFeePerGas as gasPrice, as geth. */
export function formatTransaction(transaction: TypedTransaction | AnyTx, at: TxPlacement): JsonObject {
  const tx = transaction as unknown as AnyTx
  const mined = at.blockHash !== undefined
  const dynamicFee = tx.maxFeePerGas !== undefined && tx.maxPriorityFeePerGas !== undefined
  let gasPrice: bigint
  if (dynamicFee) {
    const maxFee = tx.maxFeePerGas as bigint
    const tip = tx.maxPriorityFeePerGas as bigint
    gasPrice = mined && at.blockBaseFee !== undefined ? at.blockBaseFee + min(tip, maxFee - at.blockBaseFee) : maxFee
  } else {
    gasPrice = tx.gasPrice ?? 0n
  }
  const out: JsonObject = {
    blockHash: mined ? hex(at.blockHash as Uint8Array) : null,
    blockNumber: mined && at.blockNumber !== undefined ? quantity(at.blockNumber) : null,
    // geth (and the execution-apis schema) give mined transactions their block's timestamp.
    ...(mined && at.blockTimestamp !== undefined ? { blockTimestamp: quantity(at.blockTimestamp) } : {}),
    from: hex(at.sender),
    gas: quantity(tx.gasLimit),
    gasPrice: quantity(gasPrice),
  }
  if (dynamicFee) {
    out.maxFeePerGas = quantity(tx.maxFeePerGas as bigint)
    out.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas as bigint)
  }
  if (tx.maxFeePerBlobGas !== undefined) out.maxFeePerBlobGas = quantity(tx.maxFeePerBlobGas)
  out.hash = hex(at.hash)
  out.input = hex(tx.data)
  out.nonce = quantity(tx.nonce)
  out.to = tx.to === undefined ? null : hex(tx.to.bytes)
  out.transactionIndex = mined && at.index !== undefined ? quantity(at.index) : null
  out.value = quantity(tx.value)
  out.type = quantity(tx.type)
  const v = tx.v ?? 0n
  if (tx.type === 0) {
    // Legacy: chainId only when EIP-155 protected.
    if (v >= 35n) out.chainId = quantity((v - 35n) / 2n)
  } else {
    out.accessList = (tx.accessList ?? []).map(([addr, keys]) => ({ address: hex(addr), storageKeys: keys.map(hex) }))
    out.chainId = quantity(tx.chainId ?? 0n)
  }
  if (tx.blobVersionedHashes !== undefined) out.blobVersionedHashes = tx.blobVersionedHashes.map((hash) => hash.toLowerCase())
  if (tx.authorizationList !== undefined) {
    out.authorizationList = tx.authorizationList.map(([chainId, addr, nonce, yParity, r, s]) => ({
      chainId: bytesQuantity(chainId),
      address: hex(addr),
      nonce: bytesQuantity(nonce),
      yParity: bytesQuantity(yParity),
      r: bytesQuantity(r),
      s: bytesQuantity(s),
    }))
  }
  out.v = quantity(v)
  out.r = quantity(tx.r ?? 0n)
  out.s = quantity(tx.s ?? 0n)
  if (tx.type !== 0) out.yParity = quantity(v)
  return out
}

export function formatTransactionView(view: TransactionView): JsonObject {
  return formatTransaction(view.tx, view)
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

// --- receipts and logs -------------------------------------------------------------------------

export function formatLog(log: LogView, removed = log.removed): JsonObject {
  return {
    address: hex(log.address),
    topics: log.topics.map(hex),
    data: hex(log.data),
    blockNumber: quantity(log.blockNumber),
    transactionHash: hex(log.transactionHash),
    transactionIndex: quantity(log.transactionIndex),
    blockHash: hex(log.blockHash),
    blockTimestamp: quantity(log.blockTimestamp),
    logIndex: quantity(log.logIndex),
    removed,
  }
}

/** geth's receipt fields: `root` instead of `status` before Byzantium, blob gas for blob transactions. */
export function formatReceipt(r: ReceiptView): JsonObject {
  const out: JsonObject = {
    blockHash: hex(r.blockHash),
    blockNumber: quantity(r.blockNumber),
    transactionHash: hex(r.transactionHash),
    transactionIndex: quantity(r.transactionIndex),
    from: hex(r.from),
    to: r.to === undefined ? null : hex(r.to),
    gasUsed: quantity(r.gasUsed),
    cumulativeGasUsed: quantity(r.cumulativeGasUsed),
    contractAddress: r.contractAddress === undefined ? null : hex(r.contractAddress),
    logs: r.logs.map((l) => formatLog(l)),
    logsBloom: hex(r.logsBloom),
    type: quantity(r.type),
    effectiveGasPrice: quantity(r.effectiveGasPrice),
  }
  if (r.root !== undefined) out.root = hex(r.root)
  else out.status = quantity(r.status)
  if (r.blobGasUsed !== undefined) out.blobGasUsed = quantity(r.blobGasUsed)
  if (r.blobGasPrice !== undefined) out.blobGasPrice = quantity(r.blobGasPrice)
  return out
}
