// An address: balance, whether it is a contract (named when it is a city system contract),
// its city voucher balance and B-Pass verification (never any personal data), and its
// transactions newest first, paged through the node's address index (ots_searchTransactionsBefore).
import { formatUnits, type Interface } from 'ethers'
import { useContext, useState } from 'preact/hooks'
import { AddressLink, BlockLink, EmptyRow, Fields, NotFound, Show, TxLink } from '../components.tsx'
import { decodeResult, encodeCall, systemContract } from '../contracts.ts'
import { ether, num, when } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { LanguageContext, useText, type TextKey } from '../i18n.ts'
import { call, tryCall, type ReceiptJson, type TransactionJson } from '../rpc.ts'

const PAGE_SIZE = 25

/** B-Pass roles by bit (IBPassRegistry.sol): what the holder may do, never who they are. */
const ROLES: [number, TextKey][] = [
  [1, 'resident'],
  [2, 'merchant'],
  [4, 'business'],
  [8, 'custodian'],
  [16, 'exchangeOperator'],
]
const STATUS: TextKey[] = ['none', 'statusActive', 'statusSuspended', 'statusRevoked']

interface BPass {
  verified: boolean
  roles: number
  status: number
  validUntil: bigint
}

interface Summary {
  balance: string
  isContract: boolean
  /** The voucher balance, formatted with the token's own decimals and symbol. */
  voucher: string | undefined
  bpass: BPass | undefined
  /** Commodity token id -> units held (only those held). */
  holdings: [bigint, bigint][]
}

/** The holder's B-Pass: verification, roles, status and validity (the registry keeps no personal data on chain). */
async function bpassOf(address: string): Promise<BPass | undefined> {
  const [verified, identityId] = await Promise.all([cityView('BPassRegistry', 'isVerified', [address]), cityView('BPassRegistry', 'identityIdOf', [address])])
  if (verified === undefined) return undefined
  if (identityId === undefined || identityId === 0n) return { verified: verified as boolean, roles: 0, status: 0, validUntil: 0n }
  const identity = (await cityView('BPassRegistry', 'identity', [identityId])) as { roles: bigint; status: bigint; validUntil: bigint } | undefined
  return { verified: verified as boolean, roles: Number(identity?.roles ?? 0), status: Number(identity?.status ?? 0), validUntil: identity?.validUntil ?? 0n }
}

async function holdingsOf(address: string): Promise<[bigint, bigint][]> {
  const ids = (await cityView('CityCommodities', 'assetIds', [])) as bigint[] | undefined
  if (ids === undefined || ids.length === 0) return []
  const balances = (await cityView('CityCommodities', 'balanceOfBatch', [ids.map(() => address), ids])) as bigint[] | undefined
  return ids.map((id, i) => [id, balances?.[i] ?? 0n] as [bigint, bigint]).filter(([, held]) => held > 0n)
}

/** A view call into a system contract; undefined when the node or the contract refuses it. */
async function cityView(contract: string, fn: string, args: unknown[]): Promise<unknown | undefined> {
  const result = await tryCall<string>('eth_call', [encodeCall(contract, fn, args), 'latest'])
  return result === undefined ? undefined : decodeResult(contract, fn, result)[0]
}

async function summary(address: string): Promise<Summary> {
  const [balance, isContract, voucher, decimals, symbol, bpass, holdings] = await Promise.all([
    call<string>('eth_getBalance', [address, 'latest']),
    tryCall<boolean>('ots_hasCode', [address, 'latest']),
    cityView('CityVoucher', 'balanceOf', [address]),
    cityView('CityVoucher', 'decimals', []),
    cityView('CityVoucher', 'symbol', []),
    bpassOf(address),
    holdingsOf(address),
  ])
  const formatted = voucher === undefined ? undefined : `${formatUnits(voucher as bigint, Number(decimals ?? 18))} ${String(symbol ?? '')}`.trim()
  return { balance, isContract: isContract === true, voucher: formatted, bpass, holdings }
}

export function AddressPage({ address }: { address: string }) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return <NotFound />
  return <AddressDetails address={address} />
}

function AddressDetails({ address }: { address: string }) {
  const t = useText()
  const language = useContext(LanguageContext)
  const loaded = useLoad(() => summary(address), [address])
  const named = systemContract(address)
  return (
    <>
      <h1>
        {named !== undefined ? named.name : t('address')} <span class="mono small" id="address">{address}</span>
      </h1>
      <Show
        loaded={loaded}
        ready={({ balance, isContract, voucher, bpass, holdings }) => (
          <Fields
            rows={[
              [t('balance'), <span id="balance">{ether(balance)}</span>],
              [t('account'), named !== undefined ? t('systemContract') : isContract ? t('contract') : t('account')],
              [t('voucherBalance'), voucher === undefined ? '—' : <span id="voucher-balance">{voucher}</span>],
              [t('holdings'), <span id="holdings">{holdings.length === 0 ? t('none') : holdings.map(([id, held]) => `#${id}: ${held}`).join(', ')}</span>],
              [t('bpassStatus'), bpass === undefined ? '—' : <span id="bpass">{bpass.verified ? t('verified') : t('notVerified')} ({t(STATUS[bpass.status] ?? 'none')})</span>],
              [t('bpassRoles'), <span id="bpass-roles">{bpass === undefined || bpass.roles === 0 ? t('none') : ROLES.filter(([bit]) => (bpass.roles & bit) !== 0).map(([, key]) => t(key)).join(', ')}</span>],
              [t('validUntil'), bpass === undefined || bpass.validUntil === 0n ? '—' : when(`0x${bpass.validUntil.toString(16)}`, language)],
            ]}
          />
        )}
      />
      {named !== undefined && <VerifiedAbi contract={named.contract} />}
      <History address={address} />
    </>
  )
}

/** A system contract's verified interface: every function and event, as Solidity declares them. */
function VerifiedAbi({ contract }: { contract: Interface }) {
  const t = useText()
  const list = (kind: 'function' | 'event') =>
    contract.fragments
      .filter((fragment) => fragment.type === kind)
      .map((fragment) => fragment.format('full'))
      .sort()
  return (
    <section>
      <h2>{t('verifiedAbi')}</h2>
      <h3>{t('functions')}</h3>
      <ul class="abi mono" id="abi-functions">
        {list('function').map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <h3>{t('events')}</h3>
      <ul class="abi mono" id="abi-events">
        {list('event').map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </section>
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
                      <AddressLink address={tx.from} /> → <AddressLink address={tx.to ?? (receipts[i]?.status === '0x1' ? receipts[i].contractAddress : null)} />
                    </td>
                    <td>{ether(tx.value)}</td>
                  </tr>
                ))}
                <EmptyRow when={txs.length === 0} />
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
