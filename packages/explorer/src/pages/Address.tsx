// An address: balance, whether it is a contract (named when it is a city system contract),
// its city voucher balance and B-Pass verification (never any personal data), and its
// transactions newest first, paged through the node's address index (ots_searchTransactionsBefore).
import { formatUnits } from 'ethers'
import { useContext, useState } from 'preact/hooks'
import { AddressLink, BlockLink, Fields, NotFound, Show, TxLink } from '../components.tsx'
import { decodeResult, encodeCall, systemContract } from '../contracts.ts'
import { ether, num, when } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { LanguageContext, useText } from '../i18n.ts'
import { call, tryCall, type ReceiptJson, type TransactionJson } from '../rpc.ts'

const PAGE_SIZE = 25

interface Summary {
  balance: string
  isContract: boolean
  /** The voucher balance, formatted with the token's own decimals and symbol. */
  voucher: string | undefined
  verified: boolean | undefined
}

/** A view call into a system contract; undefined when the node or the contract refuses it. */
async function cityView(contract: string, fn: string, args: unknown[]): Promise<unknown | undefined> {
  const result = await tryCall<string>('eth_call', [encodeCall(contract, fn, args), 'latest'])
  return result === undefined ? undefined : decodeResult(contract, fn, result)[0]
}

async function summary(address: string): Promise<Summary> {
  const [balance, isContract, voucher, decimals, symbol, verified] = await Promise.all([
    call<string>('eth_getBalance', [address, 'latest']),
    tryCall<boolean>('ots_hasCode', [address, 'latest']),
    cityView('CityVoucher', 'balanceOf', [address]),
    cityView('CityVoucher', 'decimals', []),
    cityView('CityVoucher', 'symbol', []),
    cityView('BPassRegistry', 'isVerified', [address]),
  ])
  const formatted = voucher === undefined ? undefined : `${formatUnits(voucher as bigint, Number(decimals ?? 18))} ${String(symbol ?? '')}`.trim()
  return { balance, isContract: isContract === true, voucher: formatted, verified: verified as boolean | undefined }
}

export function AddressPage({ address }: { address: string }) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return <NotFound />
  return <AddressDetails address={address} />
}

function AddressDetails({ address }: { address: string }) {
  const t = useText()
  const loaded = useLoad(() => summary(address), [address])
  const named = systemContract(address)
  return (
    <>
      <h1>
        {named !== undefined ? named.name : t('address')} <span class="mono small" id="address">{address}</span>
      </h1>
      <Show
        loaded={loaded}
        ready={({ balance, isContract, voucher, verified }) => (
          <Fields
            rows={[
              [t('balance'), <span id="balance">{ether(balance)}</span>],
              [t('account'), named !== undefined ? t('systemContract') : isContract ? t('contract') : t('account')],
              [t('voucherBalance'), voucher === undefined ? '—' : <span id="voucher-balance">{voucher}</span>],
              ['B-Pass', verified === undefined ? '—' : <span id="bpass">{verified ? '✔' : '✘'}</span>],
            ]}
          />
        )}
      />
      <History address={address} />
    </>
  )
}

function History({ address }: { address: string }) {
  const t = useText()
  const language = useContext(LanguageContext)
  // The block the page searches before; 0 = from the newest block.
  const [before, setBefore] = useState(0)
  const page = useLoad(
    () => tryCall<{ txs: TransactionJson[]; receipts: ReceiptJson[]; lastPage: boolean }>('ots_searchTransactionsBefore', [address, before, PAGE_SIZE]).then((p) => p ?? undefined),
    [address, before],
  )
  return (
    <section>
      <h2>{t('history')}</h2>
      <Show
        loaded={page}
        ready={({ txs, receipts, lastPage }) => (
          <>
            <table class="list" id="history">
              <tbody>
                {txs.map((tx, i) => (
                  <tr key={tx.hash}>
                    <td>
                      <TxLink hash={tx.hash} />
                    </td>
                    <td>
                      <BlockLink number={num(tx.blockNumber)} />
                    </td>
                    <td>{receipts[i]?.timestamp === undefined ? '' : when(receipts[i].timestamp!, language)}</td>
                    <td>
                      <AddressLink address={tx.from} /> → <AddressLink address={tx.to ?? receipts[i]?.contractAddress ?? null} />
                    </td>
                    <td>{ether(tx.value)}</td>
                  </tr>
                ))}
                {txs.length === 0 && (
                  <tr>
                    <td>{t('none')}</td>
                  </tr>
                )}
              </tbody>
            </table>
            <p class="pager">
              <button disabled={before === 0} onClick={() => setBefore(0)}>
                {t('newest')}
              </button>
              <button id="older" disabled={lastPage || txs.length === 0} onClick={() => setBefore(num(txs[txs.length - 1].blockNumber))}>
                {t('older')}
              </button>
            </p>
          </>
        )}
      />
    </section>
  )
}
