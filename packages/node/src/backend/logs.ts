// eth_getLogs over the chain store: candidate blocks from the address and topic indexes
// (bucket `la`/`lt` in docs/storage.md), then the matching logs of those blocks' receipts.
// Runs on an RPC worker thread: a wide query reads many blocks.
import type { ChainStore } from '@busan/chain'
import { logMatches, type LogFilter, type LogView } from '@busan/rpc'
import { blockLogs } from './receipts.ts'

/**
 * Logs on the canonical chain in [fromBlock, toBlock] matching `filter`, oldest first.
 * Stops once it holds more than `filter.limit` logs (when set): the caller refuses such a
 * result anyway, so the rest is never read.
 */
export async function collectLogs(store: ChainStore, filter: LogFilter): Promise<LogView[]> {
  const limit = filter.limit !== undefined && filter.limit > 0 ? filter.limit : Infinity
  const logs: LogView[] = []
  if (filter.blockHash !== undefined) {
    // By hash: any stored block, canonical or not, as geth.
    const block = store.blockByHash(filter.blockHash)
    if (block === undefined) return logs
    for (const receiptLogs of blockLogs({ block, hash: filter.blockHash, senders: [] }, store.receipts(filter.blockHash) ?? [])) {
      for (const log of receiptLogs) if (logMatches(log, filter.addresses, filter.topics)) logs.push(log)
    }
    return logs
  }
  for (const number of await candidateBlocks(store, filter)) {
    const hash = store.canonicalHash(number)
    const block = hash === undefined ? undefined : store.blockByHash(hash)
    if (hash === undefined || block === undefined) continue
    for (const receiptLogs of blockLogs({ block, hash, senders: [] }, store.receipts(hash) ?? [])) {
      for (const log of receiptLogs) if (logMatches(log, filter.addresses, filter.topics)) logs.push(log)
    }
    if (logs.length > limit) break
  }
  return logs
}

/** Block numbers that may hold matching logs, ascending, from the address and topic indexes. */
async function candidateBlocks(store: ChainStore, filter: LogFilter): Promise<Iterable<bigint>> {
  const { fromBlock, toBlock } = filter
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
  if (candidates === undefined) return range(fromBlock, toBlock)
  return [...candidates].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

function* range(from: bigint, to: bigint): Generator<bigint> {
  for (let n = from; n <= to; n++) yield n
}
