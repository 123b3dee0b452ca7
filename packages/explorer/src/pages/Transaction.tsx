// A transaction: status, block, parties, value and fee, the decoded call, its logs (decoded
// with the city contracts' ABIs), its internal calls (ots_traceTransaction) and, when it
// failed, its revert reason (ots_getTransactionError).
import { useContext } from 'preact/hooks'
import { AddressLink, BlockLink, Fields, NotFound, Show } from '../components.tsx'
import { decodeCall, decodeLog, decodeRevert } from '../contracts.ts'
import { ether, gwei, num, when } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { LanguageContext, useText } from '../i18n.ts'
import { call, tryCall, type Header, type ReceiptJson, type TransactionJson } from '../rpc.ts'

interface TraceEntry {
  type: string
  depth: number
  from: string
  to: string
  value: string
  input: string
}

interface Loaded {
  tx: TransactionJson
  receipt: ReceiptJson | null
  block: Header | undefined
  trace: TraceEntry[]
  revert: string | undefined
}

async function load(hash: string): Promise<Loaded | undefined> {
  const tx = await call<TransactionJson | null>('eth_getTransactionByHash', [hash])
  if (tx === null) return undefined
  const receipt = await call<ReceiptJson | null>('eth_getTransactionReceipt', [hash])
  if (receipt === null) return { tx, receipt, block: undefined, trace: [], revert: undefined }
  const [block, trace, error] = await Promise.all([
    call<Header>('eth_getBlockByNumber', [receipt.blockNumber, false]),
    tryCall<TraceEntry[]>('ots_traceTransaction', [hash]),
    receipt.status === '0x1' ? Promise.resolve(undefined) : tryCall<string>('ots_getTransactionError', [hash]),
  ])
  const revert = error === undefined ? undefined : (decodeRevert(error) ?? (error === '0x' ? undefined : error))
  return { tx, receipt, block, trace: (trace ?? []).filter((entry) => entry.depth > 0), revert }
}

export function TransactionPage({ hash }: { hash: string }) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) return <NotFound />
  return <TransactionDetails hash={hash} />
}

function TransactionDetails({ hash }: { hash: string }) {
  const t = useText()
  const language = useContext(LanguageContext)
  const loaded = useLoad(() => load(hash), [hash])
  return (
    <Show
      loaded={loaded}
      ready={({ tx, receipt, block, trace, revert }) => {
        const decoded = decodeCall(tx.to, tx.input)
        const status = receipt === null ? t('pending') : receipt.status === '0x1' ? t('success') : t('failed')
        return (
          <>
            <h1>{t('transaction')}</h1>
            <Fields
              rows={[
                [t('hash'), <span class="mono" id="tx-hash">{tx.hash}</span>],
                [t('status'), <span id="tx-status" class={receipt?.status === '0x1' ? 'ok' : 'bad'}>{status}</span>],
                ...(revert === undefined ? [] : [[t('revertReason'), <span id="revert-reason">{revert}</span>] as [string, preact.ComponentChildren]]),
                [t('block'), tx.blockNumber === null ? '—' : <BlockLink number={num(tx.blockNumber)} />],
                [t('time'), block === undefined ? '—' : when(block.timestamp, language)],
                [t('from'), <AddressLink address={tx.from} full />],
                // A failed creation created nothing, though its receipt names the address it would have had.
                tx.to === null
                  ? [t('created'), <span id="tx-created">{receipt?.status === '0x1' ? <AddressLink address={receipt.contractAddress} full /> : '—'}</span>]
                  : [t('to'), <AddressLink address={tx.to} full />],
                [t('value'), ether(tx.value)],
                [t('fee'), receipt === null ? '—' : `${ether(BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice))} (${gwei(receipt.effectiveGasPrice)})`],
                [t('gasUsed'), receipt === null ? '—' : `${num(receipt.gasUsed).toLocaleString()} / ${num(tx.gas).toLocaleString()}`],
                [t('nonce'), num(tx.nonce)],
                [t('method'), decoded === undefined ? <span class="mono">{tx.input.slice(0, 10)}</span> : `${decoded.name}(${decoded.args.map(String).join(', ')})`],
              ]}
            />
            {trace.length > 0 && (
              <section>
                <h2>{t('internalCalls')}</h2>
                <ul class="trace" id="internal-calls">
                  {trace.map((entry, i) => (
                    <li key={i} style={{ marginLeft: `${(entry.depth - 1) * 1.2}em` }}>
                      <span class="badge">{entry.type}</span> <AddressLink address={entry.from} /> → <AddressLink address={entry.to} /> {BigInt(entry.value) > 0n ? ether(entry.value) : ''}
                    </li>
                  ))}
                </ul>
              </section>
            )}
            {receipt !== null && (receipt.logs ?? []).length > 0 && (
              <section>
                <h2>{t('logs')}</h2>
                <ul class="logs" id="logs">
                  {(receipt.logs ?? []).map((log) => {
                    const event = decodeLog(log)
                    return (
                      <li key={log.logIndex}>
                        <AddressLink address={log.address} />{' '}
                        {event === undefined ? <span class="mono">{log.topics[0] ?? '(anonymous)'}</span> : `${event.name}(${event.args.map(String).join(', ')})`}
                      </li>
                    )
                  })}
                </ul>
              </section>
            )}
          </>
        )
      }}
    />
  )
}
