// The city's own views, read from its system contracts: the voucher's supply against what was
// issued and redeemed, each commodity token's supply against its custodian's attested reserve,
// the exchange's latest trades, and the council's proposals with their confirmations.
import { useContext } from 'preact/hooks'
import { AddressLink, BlockLink, EmptyRow, Show, TxLink } from '../components.tsx'
import { addressOf, decodeLog, decodeResult, encodeCall } from '../contracts.ts'
import { num, when } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { LanguageContext, useText } from '../i18n.ts'
import { call, RpcError, type LogJson } from '../rpc.ts'
import { formatUnits, id } from 'ethers'

const LATEST = 20

interface EventLog extends LogJson {
  blockNumber: string
  transactionHash: string
}

async function view(contract: string, fn: string, args: unknown[] = []): Promise<unknown[]> {
  return decodeResult(contract, fn, await call<string>('eth_call', [encodeCall(contract, fn, args), 'latest']))
}

/** geth's and Besu's answer when a log query is too wide: a block-range or result-count cap. */
const LIMIT_EXCEEDED = -32005

/**
 * Every log of `event` (its signature) from the system contract `contract` in blocks
 * [from, to], oldest first: one query for the whole range, split in halves (asked for at once)
 * wherever a node's range or result cap refuses it, so it works on any node.
 */
async function events(contract: string, event: string, from: number, to: number): Promise<EventLog[]> {
  try {
    return await call<EventLog[]>('eth_getLogs', [{ address: addressOf(contract), topics: [id(event)], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }])
  } catch (error) {
    if (!(error instanceof RpcError && error.code === LIMIT_EXCEEDED) || from === to) throw error
    const middle = Math.floor((from + to) / 2)
    const halves = await Promise.all([events(contract, event, from, middle), events(contract, event, middle + 1, to)])
    return halves.flat()
  }
}

const sum = (logs: EventLog[], field: string) => logs.reduce((total, log) => total + BigInt(decodeLog(log)?.args.getValue(field) as bigint), 0n)

async function city() {
  const head = num(await call<string>('eth_blockNumber'))
  const [[supply], [decimals], [symbol], issued, redeemed, [ids], trades, [proposalCount], [threshold]] = await Promise.all([
    view('CityVoucher', 'totalSupply'),
    view('CityVoucher', 'decimals'),
    view('CityVoucher', 'symbol'),
    events('CityVoucher', 'Issued(address,uint256,address)', 0, head),
    events('CityVoucher', 'Redeemed(address,uint256,bytes32)', 0, head),
    view('CityCommodities', 'assetIds'),
    events('CityExchange', 'Trade(bytes32,bytes32,address,address,bool,uint256,uint256,address,uint256,uint256,address)', 0, head),
    view('CityCouncil', 'proposalCount'),
    view('CityCouncil', 'threshold'),
  ])
  const assets = await Promise.all(
    (ids as bigint[]).map(async (assetId) => {
      const [[asset], [minted]] = await Promise.all([view('CityCommodities', 'asset', [assetId]), view('CityCommodities', 'totalSupply(uint256)', [assetId])])
      const { custodian, attestedAt, reserve, uri } = asset as { custodian: string; attestedAt: bigint; reserve: bigint; uri: string }
      return { id: assetId, custodian, attestedAt, reserve, uri, supply: minted as bigint }
    }),
  )
  const count = Number(proposalCount as bigint)
  const proposals = await Promise.all(
    Array.from({ length: Math.min(count, LATEST) }, (_, i) => BigInt(count - 1 - i)).map(async (proposalId) => {
      const [[proposal], [weight]] = await Promise.all([view('CityCouncil', 'proposal', [proposalId]), view('CityCouncil', 'confirmedWeight', [proposalId])])
      // An ethers Result names its fields through getters, which spreading would lose.
      const { target, executed } = proposal as { target: string; executed: boolean }
      return { id: proposalId, target, executed, weight: weight as bigint }
    }),
  )
  const unit = (amount: bigint) => `${formatUnits(amount, Number(decimals))} ${String(symbol)}`
  return { voucher: { supply: unit(supply as bigint), issued: unit(sum(issued, 'amount')), redeemed: unit(sum(redeemed, 'amount')) }, assets, trades: trades.slice(-LATEST).reverse(), proposals, threshold: threshold as bigint }
}

export function CityPage() {
  const t = useText()
  const language = useContext(LanguageContext)
  const loaded = useLoad(city, [])
  return (
    <>
      <h1>{t('city')}</h1>
      <Show
        loaded={loaded}
        ready={({ voucher, assets, trades, proposals, threshold }) => (
          <>
            <section>
              <h2>{t('voucher')}</h2>
              <table class="fields" id="voucher">
                <tbody>
                  <tr><th>{t('supply')}</th><td id="voucher-supply">{voucher.supply}</td></tr>
                  <tr><th>{t('issued')}</th><td id="voucher-issued">{voucher.issued}</td></tr>
                  <tr><th>{t('redeemed')}</th><td id="voucher-redeemed">{voucher.redeemed}</td></tr>
                </tbody>
              </table>
            </section>
            <section>
              <h2>{t('commodities')}</h2>
              <table class="list" id="commodities">
                <thead>
                  <tr><th>{t('asset')}</th><th>{t('supply')}</th><th>{t('reserve')}</th><th>{t('attestedAt')}</th><th>{t('backed')}</th></tr>
                </thead>
                <tbody>
                  {assets.map((asset) => (
                    <tr key={String(asset.id)}>
                      <td>#{String(asset.id)} {asset.uri}</td>
                      <td>{asset.supply.toString()}</td>
                      <td>{asset.reserve.toString()}</td>
                      <td>{asset.attestedAt === 0n ? '—' : when(`0x${asset.attestedAt.toString(16)}`, language)}</td>
                      <td class={asset.supply <= asset.reserve ? 'ok' : 'bad'}>{asset.supply <= asset.reserve ? '✔' : '✘'}</td>
                    </tr>
                  ))}
                  <EmptyRow when={assets.length === 0} />
                </tbody>
              </table>
            </section>
            <section>
              <h2>{t('trades')}</h2>
              <table class="list" id="trades">
                <tbody>
                  {trades.map((log) => {
                    const trade = decodeLog(log)?.args
                    return (
                      <tr key={log.transactionHash + log.logIndex}>
                        <td><TxLink hash={log.transactionHash} /></td>
                        <td><BlockLink number={num(log.blockNumber)} /></td>
                        <td>#{String(trade?.getValue('assetId'))}</td>
                        <td>{t('amount')} {String(trade?.getValue('amount'))}</td>
                        <td>{t('price')} {String(trade?.getValue('price'))}</td>
                        <td><AddressLink address={String(trade?.getValue('seller'))} /> → <AddressLink address={String(trade?.getValue('buyer'))} /></td>
                      </tr>
                    )
                  })}
                  <EmptyRow when={trades.length === 0} />
                </tbody>
              </table>
            </section>
            <section>
              <h2>{t('council')}</h2>
              <table class="list" id="proposals">
                <tbody>
                  {proposals.map((proposal) => (
                    <tr key={String(proposal.id)}>
                      <td>{t('proposal')} #{String(proposal.id)}</td>
                      <td>{t('target')} <AddressLink address={proposal.target} /></td>
                      <td>{t('confirmations')} {String(proposal.weight)} / {String(threshold)}</td>
                      <td>{proposal.executed ? t('executed') : t('open')}</td>
                    </tr>
                  ))}
                  <EmptyRow when={proposals.length === 0} />
                </tbody>
              </table>
            </section>
          </>
        )}
      />
    </>
  )
}
