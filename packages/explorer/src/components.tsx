// The pieces every page shares: links to blocks, transactions and addresses, a field table,
// and the loading / not-found states.
import type { ComponentChildren } from 'preact'
import { systemContract } from './contracts.ts'
import { short } from './format.ts'
import type { Loaded } from './hooks.ts'
import { useText } from './i18n.ts'

export const BASE = '/explorer'

export function BlockLink({ number }: { number: number | string }) {
  return <a href={`${BASE}/block/${number}`}>{String(number)}</a>
}

export function TxLink({ hash }: { hash: string }) {
  return (
    <a class="mono" href={`${BASE}/tx/${hash}`} title={hash}>
      {short(hash)}
    </a>
  )
}

/** An address, named when it is a city system contract. */
export function AddressLink({ address, full = false }: { address: string | null; full?: boolean }) {
  if (address === null) return <span>—</span>
  const named = systemContract(address)
  return (
    <a class="mono" href={`${BASE}/address/${address}`} title={address}>
      {named !== undefined ? named.name : full ? address : short(address)}
    </a>
  )
}

/** A two-column table of labelled values. */
export function Fields({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <table class="fields">
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th>{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The row a list shows when it has nothing to list. */
export function EmptyRow({ when }: { when: boolean }) {
  const t = useText()
  return when ? (
    <tr>
      <td>{t('none')}</td>
    </tr>
  ) : null
}

export function NotFound() {
  const t = useText()
  return (
    <section class="not-found">
      <h1>{t('notFound')}</h1>
      <p>{t('notFoundHint')}</p>
    </section>
  )
}

/** Renders `ready` once the data is there; the loading, missing and failed states otherwise. */
export function Show<T>({ loaded, ready }: { loaded: Loaded<T>; ready: (value: T) => ComponentChildren }) {
  const t = useText()
  if (loaded.state === 'loading') return <p class="loading">{t('loading')}</p>
  if (loaded.state === 'missing') return <NotFound />
  if (loaded.state === 'failed') return <p class="error">{loaded.message}</p>
  return <>{ready(loaded.value)}</>
}
