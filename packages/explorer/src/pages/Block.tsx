// A block: its header, fees, and its transactions a page at a time (ots_getBlockDetails,
// ots_getBlockTransactions), by number or hash.
import { useContext, useState } from 'preact/hooks'
import { AddressLink, BlockLink, Fields, NotFound, Show, TxLink } from '../components.tsx'
import { ether, gwei, num, when } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { LanguageContext, useText } from '../i18n.ts'
import { tryCall, type Header, type ReceiptJson, type TransactionJson } from '../rpc.ts'

const PAGE_SIZE = 25

interface Details {
  block: Header & { transactionCount: number }
  totalFees: string
}

/** "123", "0x7b" or a 32-byte hash; anything else is not a block id. */
function blockId(id: string): { number: number } | { hash: string } | undefined {
  if (/^\d{1,15}$/.test(id)) return { number: Number(id) }
  if (/^0x[0-9a-fA-F]{1,12}$/.test(id)) return { number: Number(BigInt(id)) }
  if (/^0x[0-9a-fA-F]{64}$/.test(id)) return { hash: id }
  return undefined
}

export function BlockPage({ id }: { id: string }) {
  const which = blockId(id)
  if (which === undefined) return <NotFound />
  return <BlockDetails which={which} />
}

function BlockDetails({ which }: { which: { number: number } | { hash: string } }) {
  const t = useText()
  const language = useContext(LanguageContext)
  const [page, setPage] = useState(0)
  const details = useLoad(
    () => ('number' in which ? tryCall<Details>('ots_getBlockDetails', [which.number]) : tryCall<Details>('ots_getBlockDetailsByHash', [which.hash])).then((d) => d ?? undefined),
    ['number' in which ? which.number : which.hash],
  )
  return (
    <Show
      loaded={details}
      ready={({ block, totalFees }) => (
        <>
          <h1>
            {t('block')} <span id="block-number">{num(block.number)}</span>
          </h1>
          <Fields
            rows={[
              [t('hash'), <span class="mono">{block.hash}</span>],
              [t('parent'), num(block.number) === 0 ? '—' : <BlockLink number={num(block.number) - 1} />],
              [t('time'), when(block.timestamp, language)],
              [t('transactions'), <span id="transaction-count">{block.transactionCount}</span>],
              [t('gasUsed'), `${num(block.gasUsed).toLocaleString()} / ${num(block.gasLimit).toLocaleString()}`],
              [t('baseFee'), block.baseFeePerGas === undefined ? '—' : gwei(block.baseFeePerGas)],
              [t('totalFees'), ether(totalFees)],
            ]}
          />
          {block.transactionCount > 0 && <BlockTransactions number={num(block.number)} count={block.transactionCount} page={page} setPage={setPage} />}
        </>
      )}
    />
  )
}

function BlockTransactions({ number, count, page, setPage }: { number: number; count: number; page: number; setPage: (page: number) => void }) {
  const t = useText()
  const loaded = useLoad(
    () => tryCall<{ fullblock: { transactions: TransactionJson[] }; receipts: ReceiptJson[] }>('ots_getBlockTransactions', [number, page, PAGE_SIZE]).then((r) => r ?? undefined),
    [number, page],
  )
  const pages = Math.ceil(count / PAGE_SIZE)
  return (
    <section>
      <h2>{t('transactions')}</h2>
      <Show
        loaded={loaded}
        ready={({ fullblock, receipts }) => (
          <table class="list" id="block-transactions">
            <tbody>
              {fullblock.transactions.map((tx, i) => (
                <tr key={tx.hash}>
                  <td>
                    <TxLink hash={tx.hash} />
                  </td>
                  <td>
                    <AddressLink address={tx.from} /> → <AddressLink address={tx.to ?? (receipts[i]?.status === '0x1' ? receipts[i].contractAddress : null)} />
                  </td>
                  <td>{ether(tx.value)}</td>
                  <td>{receipts[i]?.status === '0x1' ? t('success') : t('failed')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      />
      {pages > 1 && (
        <p class="pager">
          <button disabled={page === 0} onClick={() => setPage(page - 1)}>
            {t('previous')}
          </button>
          {t('page')} {page + 1} / {pages}
          <button disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            {t('next')}
          </button>
        </p>
      )}
    </section>
  )
}
