// The address index as the RPC sees it (Otterscan's search API), over the chain store's
// `h`, `q` and `k` buckets. Index scans are RocksDB iterators (off the main thread); each
// page is bounded by the caller's page size.
import type { Chain } from '@busan/chain'
import type { AddressIndexBackend, ReceiptView, TransactionView } from '@busan/rpc'
import type { NodeChainBackend } from './chain-backend.ts'
import { deriveReceipt } from './receipts.ts'

export function addressIndexBackend(chain: Chain, views: NodeChainBackend): AddressIndexBackend {
  const store = chain.store
  return {
    async history(address, direction, block, pageSize) {
      const { positions, exhausted } = await store.addressHistory(address, direction, block, pageSize)
      const transactions: TransactionView[] = []
      const receipts: ReceiptView[] = []
      for (const { number, index } of positions) {
        const found = store.blockByNumber(number)
        if (found === undefined) continue
        const view = views.view(found)
        const tx = found.transactions[index]
        const receipt = deriveReceipt(view, store.receipts(view.hash) ?? [], index)
        if (tx === undefined || receipt === undefined) continue
        transactions.push({ tx, hash: tx.hash(), sender: view.senders[index], blockHash: view.hash, blockNumber: number, blockTimestamp: found.header.timestamp, index, blockBaseFee: found.header.baseFeePerGas })
        receipts.push(receipt)
      }
      return { transactions, receipts, exhausted }
    },
    async bySenderAndNonce(sender, nonce) {
      return store.transactionBySenderAndNonce(sender, nonce)
    },
    async creator(address) {
      return store.contractCreator(address)
    },
  }
}
