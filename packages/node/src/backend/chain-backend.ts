import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { TypedTransaction } from '@ethereumjs/tx'
import { bigIntToUnpaddedBytes, bytesToHex, equalsBytes, generateAddress } from '@ethereumjs/util'
import { Bloom } from '@ethereumjs/vm'
import type { Chain, CliqueEngine, StoredReceipt } from '@busan/chain'
import type { ChainBackend, BlockView, CallRequest, CallResult, LogFilter, LogView, ReceiptView, StateView, TransactionView } from '@busan/rpc'
import type { TxPool } from '@busan/txpool'
import { CallExecutor } from './calls.ts'
import { TrieStateView } from './state-view.ts'

/** The chain as JSON-RPC handlers see it: blocks, receipts with derived fields, logs, state, calls. */
export class NodeChainBackend implements ChainBackend {
  readonly common: Common
  readonly chainId: bigint
  private readonly chain: Chain
  private readonly engine: CliqueEngine
  private readonly pool: TxPool
  private readonly calls: CallExecutor
  private readonly views = new WeakMap<Block, BlockView>()

  constructor(chain: Chain, engine: CliqueEngine, pool: TxPool) {
    this.chain = chain
    this.engine = engine
    this.pool = pool
    this.common = chain.common
    this.chainId = chain.common.chainId()
    this.calls = new CallExecutor({
      common: chain.common,
      trieStore: chain.trieStore,
      blockHash: (n) => chain.store.canonicalHash(n),
      author: (block) => engine.author(block.header),
    })
  }

  view(block: Block): BlockView {
    let view = this.views.get(block)
    if (view === undefined) {
      const hash = block.hash()
      view = {
        block,
        hash,
        senders: this.chain.store.senders(hash),
        totalDifficulty: this.chain.store.totalDifficulty(hash) ?? 0n,
        size: block.serialize().length,
      }
      this.views.set(block, view)
    }
    return view
  }

  latest(): BlockView {
    return this.view(this.chain.head)
  }

  /**
   * Clique has no finality gadget. A block is treated as final once more than half of the
   * signers have sealed it or a block after it: undoing it would need a majority to fork.
   * With one signer every block is final at once.
   */
  async finalized(): Promise<BlockView> {
    let block = this.chain.head
    const signers = this.engine.snapshot(block.hash()).signers.length
    const needed = Math.floor(signers / 2) + 1
    const seen = new Set<string>()
    while (block.header.number > 0n) {
      seen.add(bytesToHex(this.engine.author(block.header)))
      if (seen.size >= needed) break
      const parent = this.chain.store.blockByHash(block.header.parentHash)
      if (parent === undefined) break
      block = parent
    }
    return this.view(block)
  }

  async blockByNumber(number: bigint): Promise<BlockView | undefined> {
    const block = this.chain.store.blockByNumber(number)
    return block === undefined ? undefined : this.view(block)
  }

  async blockByHash(hash: Uint8Array): Promise<BlockView | undefined> {
    const block = this.chain.store.blockByHash(hash)
    return block === undefined ? undefined : this.view(block)
  }

  async isCanonical(hash: Uint8Array): Promise<boolean> {
    const block = this.chain.store.blockByHash(hash)
    if (block === undefined) return false
    const canonical = this.chain.store.canonicalHash(block.header.number)
    return canonical !== undefined && equalsBytes(canonical, hash)
  }

  async transaction(hash: Uint8Array): Promise<TransactionView | undefined> {
    const pooled = this.pool.get(bytesToHex(hash))
    if (pooled !== undefined) return { tx: pooled.tx, hash: pooled.hash, sender: pooled.sender }
    const location = this.chain.store.txLocation(hash)
    if (location === undefined) return undefined
    const block = this.chain.store.blockByHash(location.blockHash)
    if (block === undefined) return undefined
    const view = this.view(block)
    const tx = block.transactions[location.index]
    return { tx, hash, sender: view.senders[location.index], blockHash: view.hash, blockNumber: block.header.number, index: location.index, blockBaseFee: block.header.baseFeePerGas }
  }

  async receipts(view: BlockView): Promise<ReceiptView[]> {
    const stored = this.chain.store.receipts(view.hash) ?? []
    return deriveReceipts(view, stored)
  }

  async receipt(txHash: Uint8Array): Promise<ReceiptView | undefined> {
    const location = this.chain.store.txLocation(txHash)
    if (location === undefined) return undefined
    const block = this.chain.store.blockByHash(location.blockHash)
    if (block === undefined) return undefined
    return (await this.receipts(this.view(block)))[location.index]
  }

  async logs(filter: LogFilter): Promise<LogView[]> {
    const candidates = await this.candidateBlocks(filter)
    const logs: LogView[] = []
    for (const number of candidates) {
      const block = this.chain.store.blockByNumber(number)
      if (block === undefined) continue
      for (const receipt of await this.receipts(this.view(block))) {
        for (const log of receipt.logs) if (matches(log, filter)) logs.push(log)
      }
    }
    return logs
  }

  /** Block numbers that may hold matching logs, from the address and topic indexes. */
  private async candidateBlocks(filter: LogFilter): Promise<bigint[]> {
    const { fromBlock, toBlock } = filter
    const store = this.chain.store
    let candidates: Set<bigint> | undefined
    const intersect = (next: Set<bigint>) => {
      candidates = candidates === undefined ? next : new Set([...candidates].filter((n) => next.has(n)))
    }
    if (filter.addresses.length > 0) {
      const union = new Set<bigint>()
      for (const address of filter.addresses) for (const n of await store.blocksWithAddress(address, fromBlock, toBlock)) union.add(n)
      intersect(union)
    }
    for (const position of filter.topics) {
      if (position === null || position === undefined || position.length === 0) continue
      const union = new Set<bigint>()
      for (const topic of position) for (const n of await store.blocksWithTopic(topic, fromBlock, toBlock)) union.add(n)
      intersect(union)
    }
    if (candidates === undefined) {
      const all: bigint[] = []
      for (let n = fromBlock; n <= toBlock; n++) all.push(n)
      return all
    }
    return [...candidates].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  }

  state(view: BlockView): StateView {
    return new TrieStateView(this.chain.trieStore, this.common, view.block.header.stateRoot)
  }

  call(request: CallRequest, view: BlockView, options: { gasCap: bigint; withAccessList?: boolean }): Promise<CallResult> {
    return this.calls.call(request, view, options)
  }

  estimateGas(request: CallRequest, view: BlockView, options: { gasCap: bigint }): Promise<bigint> {
    return this.calls.estimateGas(request, view, options)
  }
}

function matches(log: LogView, filter: LogFilter): boolean {
  if (filter.addresses.length > 0 && !filter.addresses.some((address) => equalsBytes(address, log.address))) return false
  // geth: a log with fewer topics than the filter has positions never matches, wildcards or not.
  if (filter.topics.length > log.topics.length) return false
  return filter.topics.every((position, i) => position === null || position === undefined || position.length === 0 || (log.topics[i] !== undefined && position.some((topic) => equalsBytes(topic, log.topics[i]))))
}

export function effectiveGasPrice(tx: TypedTransaction, baseFee: bigint): bigint {
  if ('maxFeePerGas' in tx) {
    const tip = tx.maxPriorityFeePerGas < tx.maxFeePerGas - baseFee ? tx.maxPriorityFeePerGas : tx.maxFeePerGas - baseFee
    return baseFee + tip
  }
  return (tx as { gasPrice: bigint }).gasPrice
}

/** Receipts as clients see them: per-transaction gas, prices, contract address, positioned logs. */
export function deriveReceipts(view: BlockView, stored: StoredReceipt[], removed = false): ReceiptView[] {
  const { block, hash, senders } = view
  const baseFee = block.header.baseFeePerGas ?? 0n
  let logIndex = 0
  let previousCumulative = 0n
  return stored.map((receipt, index) => {
    const tx = block.transactions[index]
    const sender = senders[index]
    const txHash = tx.hash()
    const bloom = new Bloom(undefined, block.common)
    const logs: LogView[] = receipt.logs.map(([address, topics, data]) => {
      bloom.add(address)
      for (const topic of topics) bloom.add(topic)
      return {
        address,
        topics,
        data,
        blockNumber: block.header.number,
        blockHash: hash,
        blockTimestamp: block.header.timestamp,
        transactionHash: txHash,
        transactionIndex: index,
        logIndex: logIndex++,
        removed,
      }
    })
    const gasUsed = receipt.cumulativeGasUsed - previousCumulative
    previousCumulative = receipt.cumulativeGasUsed
    return {
      transactionHash: txHash,
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
      logs,
    }
  })
}
