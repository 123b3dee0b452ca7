// The explorer's shell: header with search and language, and the pages by path under /explorer/.
import { render } from 'preact'
import { LocationProvider, Route, Router, useLocation } from 'preact-iso'
import { useState } from 'preact/hooks'
import { BASE, NotFound } from './components.tsx'
import { LanguageContext, saveLanguage, savedLanguage, useText, type Language } from './i18n.ts'
import { AddressPage } from './pages/Address.tsx'
import { BlockPage } from './pages/Block.tsx'
import { CityPage } from './pages/City.tsx'
import { Home } from './pages/Home.tsx'
import { TransactionPage } from './pages/Transaction.tsx'
import { call } from './rpc.ts'
import './style.css'

/** Where a search term leads: a block number, a transaction or block hash, an address (as people paste them). */
async function destination(term: string): Promise<string> {
  // Full-width digits and letters (a Korean keyboard's) as ASCII; "0X…" and bare hex as "0x…".
  let text = term.normalize('NFKC').trim().replace(/^0X/, '0x')
  if (/^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(text)) text = `0x${text}`
  if (/^\d{1,15}$/.test(text)) return `${BASE}/block/${text}`
  if (/^0x[0-9a-fA-F]{40}$/.test(text)) return `${BASE}/address/${text}`
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
    const tx = await call<unknown>('eth_getTransactionByHash', [text]).catch(() => null)
    return tx !== null ? `${BASE}/tx/${text}` : `${BASE}/block/${text}`
  }
  return `${BASE}/not-found`
}

function Header({ language, setLanguage }: { language: Language; setLanguage: (language: Language) => void }) {
  const t = useText()
  const { route } = useLocation()
  const [term, setTerm] = useState('')
  return (
    <header>
      <a class="brand" href={`${BASE}/`}>
        {t('title')}
      </a>
      <a class="nav" id="city-link" href={`${BASE}/city`}>
        {t('city')}
      </a>
      <form
        class="search"
        onSubmit={async (event) => {
          event.preventDefault()
          route(await destination(term))
        }}
      >
        <input id="search" value={term} placeholder={t('search')} onInput={(event) => setTerm((event.target as HTMLInputElement).value)} />
        <button type="submit">{t('go')}</button>
      </form>
      <button
        class="language"
        id="language"
        onClick={() => {
          const next = language === 'ko' ? 'en' : 'ko'
          saveLanguage(next)
          setLanguage(next)
        }}
      >
        {language === 'ko' ? 'English' : '한국어'}
      </button>
    </header>
  )
}

function App() {
  const [language, setLanguage] = useState<Language>(savedLanguage())
  document.documentElement.lang = language
  return (
    <LanguageContext.Provider value={language}>
      <LocationProvider>
        <Header language={language} setLanguage={setLanguage} />
        <main>
          <Router>
            <Route path={`${BASE}/`} component={Home} />
            <Route path={`${BASE}/block/:id`} component={BlockPage} />
            <Route path={`${BASE}/tx/:hash`} component={TransactionPage} />
            <Route path={`${BASE}/address/:address`} component={AddressPage} />
            <Route path={`${BASE}/city`} component={CityPage} />
            <Route default component={NotFound} />
          </Router>
        </main>
      </LocationProvider>
    </LanguageContext.Provider>
  )
}

render(<App />, document.getElementById('app')!)
