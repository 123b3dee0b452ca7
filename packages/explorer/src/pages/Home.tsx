// Home: the chain at a glance, live over WebSocket: chain id, latest and finalized blocks,
// block time, the sealers and how many of the recent blocks each sealed, the latest blocks
// and transactions.
import { useContext, useEffect, useState } from 'preact/hooks'
import { AddressLink, BlockLink, EmptyRow, Fields, Show, TxLink } from '../components.tsx'
import { ether, num, when } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { LanguageContext, useText } from '../i18n.ts'
import { call, onNewHead, tryCall, type Header, type TransactionJson } from '../rpc.ts'

const RECENT = 10

interface Overview {
  chainId: number
  latest: Header[]
  finalized: Header | undefined
  authors: Map<string, string>
  sealers: string[]
}

/** Who sealed a block: Clique keeps it in its snapshot's recents, QBFT in the block's miner field. */
async function authorOf(header: Header): Promise<string> {
  const snapshot = await tryCall<{ recents: Record<string, string> }>('clique_getSnapshotAtHash', [header.hash])
  return snapshot?.recents[String(num(header.number))] ?? header.miner
}

async function overview(): Promise<Overview> {
  const head = num(await call<string>('eth_blockNumber'))
  const numbers = Array.from({ length: Math.min(RECENT, head + 1) }, (_, i) => head - i)
  const [chainId, latest, finalized, clique, qbft] = await Promise.all([
    call<string>('eth_chainId'),
    Promise.all(numbers.map((n) => call<Header>('eth_getBlockByNumber', [`0x${n.toString(16)}`, true]))),
    tryCall<Header>('eth_getBlockByNumber', ['finalized', false]),
    tryCall<string[]>('clique_getSigners', []),
    tryCall<string[]>('qbft_getValidatorsByBlockNumber', ['latest']),
  ])
  const authors = new Map<string, string>()
  await Promise.all(latest.map(async (header) => authors.set(header.hash, (await authorOf(header)).toLowerCase())))
  return { chainId: num(chainId), latest, finalized: finalized ?? undefined, authors, sealers: (clique ?? qbft ?? []).map((a) => a.toLowerCase()) }
}

export function Home() {
  const t = useText()
  const language = useContext(LanguageContext)
  const [tick, setTick] = useState(0)
  useEffect(() => onNewHead(() => setTick((n) => n + 1)), [])
  const loaded = useLoad(overview, [tick])
  return (
    <Show
      loaded={loaded}
      ready={({ chainId, latest, finalized, authors, sealers }) => {
        const head = latest[0]
        // The genesis has no real time (timestamp 0 on the dev chain): sealed blocks only.
        const sealed = latest.filter((header) => num(header.number) > 0)
        const span = sealed.length > 1 ? (num(sealed[0].timestamp) - num(sealed[sealed.length - 1].timestamp)) / (sealed.length - 1) : 0
        const transactions = latest.flatMap((header) => (header.transactions ?? []) as TransactionJson[]).slice(0, RECENT)
        return (
          <>
            <section>
              <Fields
                rows={[
                  [t('chainId'), <span id="chain-id">{chainId}</span>],
                  [t('latestBlock'), <BlockLink number={num(head.number)} />],
                  [t('finalized'), finalized === undefined ? '—' : <BlockLink number={num(finalized.number)} />],
                  [t('blockTime'), `${span.toFixed(1)} ${t('seconds')}`],
                ]}
              />
            </section>
            <section>
              <h2>{t('sealers')}</h2>
              <ul class="sealers">
                {sealers.map((sealer) => (
                  <li key={sealer}>
                    <AddressLink address={sealer} /> — {sealed.filter((header) => authors.get(header.hash) === sealer).length} / {sealed.length} {t('recentBlocks')}
                  </li>
                ))}
              </ul>
            </section>
            <div class="columns">
              <section>
                <h2>{t('latestBlocks')}</h2>
                <table class="list" id="latest-blocks">
                  <tbody>
                    {latest.map((header) => (
                      <tr key={header.hash}>
                        <td>
                          <BlockLink number={num(header.number)} />
                        </td>
                        <td>{when(header.timestamp, language)}</td>
                        <td>
                          {(header.transactions ?? []).length} {t('transactions')}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section>
                <h2>{t('latestTransactions')}</h2>
                <table class="list" id="latest-transactions">
                  <tbody>
                    {transactions.map((tx) => (
                      <tr key={tx.hash}>
                        <td>
                          <TxLink hash={tx.hash} />
                        </td>
                        <td>
                          <AddressLink address={tx.from} /> → <AddressLink address={tx.to} />
                        </td>
                        <td>{ether(tx.value)}</td>
                      </tr>
                    ))}
                    <EmptyRow when={transactions.length === 0} />
                  </tbody>
                </table>
              </section>
            </div>
          </>
        )
      }}
    />
  )
}
