// txpool_* : geth's pool introspection. Accounts are keyed by their checksummed address and
// transactions by decimal nonce, as geth.
import { bytesToHex, toChecksumAddress } from '@ethereumjs/util'
import type { TransactionView } from '../backend.ts'
import { method, type MethodTable } from '../context.ts'
import { formatTransactionView, quantity, type JsonObject } from '../format.ts'
import { address, required } from '../params.ts'

type Section = Map<string, Map<bigint, TransactionView>>

function byAccount<T>(section: Section, render: (view: TransactionView) => T): Record<string, Record<string, T>> {
  const out: Record<string, Record<string, T>> = {}
  const accounts = [...section.keys()].sort()
  for (const account of accounts) {
    const txs = section.get(account) as Map<bigint, TransactionView>
    const entry: Record<string, T> = {}
    for (const nonce of [...txs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      entry[nonce.toString(10)] = render(txs.get(nonce) as TransactionView)
    }
    out[toChecksumAddress(account)] = entry
  }
  return out
}

/** geth's one-line summary: "<to>: <value> wei + <gas> gas × <gasPrice> wei" (gasPrice = fee cap). */
function summary(view: TransactionView): string {
  const tx = view.tx as unknown as { to?: { bytes: Uint8Array }; value: bigint; gasLimit: bigint; gasPrice?: bigint; maxFeePerGas?: bigint }
  const price = tx.maxFeePerGas ?? tx.gasPrice ?? 0n
  const to = tx.to === undefined ? 'contract creation' : toChecksumAddress(bytesToHex(tx.to.bytes))
  return `${to}: ${tx.value} wei + ${tx.gasLimit} gas × ${price} wei`
}

export const txpoolMethods: MethodTable = {
  txpool_status: method([], (ctx) => {
    const { pending, queued } = ctx.backend.pool.status()
    return { pending: quantity(pending), queued: quantity(queued) }
  }),

  txpool_content: method([], (ctx) => {
    const { pending, queued } = ctx.backend.pool.content()
    return { pending: byAccount(pending, formatTransactionView), queued: byAccount(queued, formatTransactionView) }
  }),

  txpool_contentFrom: method([required('address', address)], (ctx, addr) => {
    const { pending, queued } = ctx.backend.pool.content()
    const key = `0x${Buffer.from(addr).toString('hex')}`
    const pick = (section: Section): Record<string, JsonObject> => {
      const out: Record<string, JsonObject> = {}
      const txs = section.get(key)
      if (txs !== undefined) for (const [nonce, view] of [...txs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[nonce.toString(10)] = formatTransactionView(view)
      return out
    }
    return { pending: pick(pending), queued: pick(queued) }
  }),

  txpool_inspect: method([], (ctx) => {
    const { pending, queued } = ctx.backend.pool.content()
    return { pending: byAccount(pending, summary), queued: byAccount(queued, summary) }
  }),
}
