// Browses a dev node with Otterscan (a real, unmodified build) in headless Chromium: the
// home, block, transaction, trace and address pages must show the chain's real values, with
// no JSON-RPC error, no uncaught exception and no failed request. See docs/explorer.md.
//   OTTERSCAN_DIST=/tmp/otterscan/dist node scripts/otterscan-check.ts
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import { ethers } from 'ethers'
import { chromium, type Page } from 'playwright-core'
import { startDevNode } from '@busan/testkit'

const dist = process.env.OTTERSCAN_DIST
if (dist === undefined || !existsSync(join(dist, 'index.html'))) {
  console.log(`otterscan-check: skipped: OTTERSCAN_DIST ${dist === undefined ? 'is not set' : `(${dist}) has no index.html`} (see docs/explorer.md)`)
  process.exit(0)
}
const root = resolve(dist)
const shots = resolve(import.meta.dirname, '../test-results/otterscan')
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const TIMEOUT = 20_000

const failures: string[] = []
function check(ok: boolean, what: string): void {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) failures.push(what)
}

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.woff': 'font/woff', '.woff2': 'font/woff2', '.wasm': 'application/wasm', '.txt': 'text/plain',
}

/** Serves the Otterscan build as its nginx image does: files, index.html for app routes, our config.json. */
function serve(config: object): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config))
      return
    }
    const file = resolve(root, `.${path}`)
    if (file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file))
    } else if (extname(path) === '' && !path.startsWith('/sourcify/')) {
      // A client-side route (/block/3, /tx/0x...): the single-page app handles it.
      res.writeHead(200, { 'content-type': 'text/html' }).end(readFileSync(join(root, 'index.html')))
    } else {
      res.writeHead(404).end()
    }
  })
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)))
}

/** Records every JSON-RPC call the page makes to the node (ethers batches them) and every problem seen. */
function watch(page: Page, rpcUrl: string, methods: Set<string>, problems: string[]): void {
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`))
  page.on('console', (msg) => {
    // A failed fetch is logged as "Failed to load resource"; the response handler judges it.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console error: ${msg.text()}`)
  })
  // Sourcify answers 404 for a contract nobody verified (all of them, here), and Otterscan
  // drops those lookups when a page moves on: neither is a problem.
  const sourcify = (url: string) => new URL(url).pathname.startsWith('/sourcify/')
  page.on('requestfailed', (req) => {
    if (!sourcify(req.url())) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`)
  })
  page.on('response', (res) => {
    if (res.status() >= 400 && !sourcify(res.url())) problems.push(`HTTP ${res.status()} for ${res.url()}`)
  })
  page.on('requestfinished', async (req) => {
    if (!req.url().startsWith(rpcUrl) || req.method() !== 'POST') return
    const sent = JSON.parse(req.postData() ?? 'null') as unknown
    const requests = (Array.isArray(sent) ? sent : [sent]) as { id: number; method: string; params: unknown[] }[]
    const got = (await (await req.response())?.json().catch(() => null)) as unknown
    const answers = (Array.isArray(got) ? got : [got]) as ({ id: number; error?: { code: number; message: string } } | null)[]
    for (const request of requests) {
      methods.add(request.method)
      const error = answers.find((a) => a?.id === request.id)?.error
      // Otterscan calls name() etc. on every contract it shows, to spot tokens: others revert (code 3).
      const tokenProbe = request.method === 'eth_call' && error?.code === 3
      if (error !== undefined && !tokenProbe) problems.push(`${request.method}(${JSON.stringify(request.params)}) answered ${error.code} ${error.message}`)
    }
  })
}

/** Waits until the page's visible text, whitespace collapsed, contains `text` (case-insensitive); false after the timeout. */
function shows(page: Page, text: string): Promise<boolean> {
  const wanted = text.toLowerCase()
  return page.waitForFunction((t) => document.body.innerText.replace(/\s+/g, ' ').toLowerCase().includes(t), wanted, { timeout: TIMEOUT }).then(() => true, () => false)
}

/** Waits until a link to `href` (case-insensitive: Otterscan checksums addresses) is on the page. */
function links(page: Page, href: string): Promise<boolean> {
  return page.waitForSelector(`a[href="${href}" i]`, { state: 'attached', timeout: TIMEOUT }).then(() => true, () => false)
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)`)
  const node = await startDevNode({ period: 0 })
  let server: Server | undefined
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
  try {
    let id = 1
    const rpc = async <T = any>(method: string, params: unknown[] = []): Promise<T> => {
      const res = await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) })
      const body = (await res.json()) as { result?: T; error?: { message: string } }
      if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`)
      return body.result as T
    }
    // Imported here, not at the top: the plan reads the compiled contracts (npx hardhat build),
    // which a skipped run does not need.
    const { sendPlan, sender, treeAddress } = await import('../test/e2e/helpers/twin.ts')
    const { artifact } = await import('../test/e2e/helpers/artifacts.ts')
    const sent = await sendPlan(rpc)
    const run = sent.run
    const runBlock = Number(run.blockNumber)
    const head = Number(await rpc<string>('eth_blockNumber'))
    const block = await rpc<{ hash: string; gasUsed: string }>('eth_getBlockByNumber', [run.blockNumber, false])
    // What `run` makes, derived from CallTree.sol, not from the node: the constructor's leaf
    // (nonce 1), a CREATE2 leaf with salt = rounds (1), then a CREATE leaf (nonce 3).
    const leaf = ethers.getCreateAddress({ from: treeAddress, nonce: 1 })
    const salted = ethers.getCreate2Address(treeAddress, ethers.zeroPadValue('0x01', 32), ethers.keccak256(artifact('CallLeaf', 'CallTree').bytecode))
    const created = ethers.getCreateAddress({ from: treeAddress, nonce: 3 })
    console.log(`node ${node.rpcUrl}: head ${head}, CallTree ${treeAddress}, run ${run.hash} in block ${runBlock}`)

    // Otterscan's config: the node as its "Erigon" endpoint; the chain described inline (no
    // assets server to fetch it from); Sourcify pointed at this server, which knows no contract;
    // revert traces off, as they need Erigon's trace_replayTransaction, which the node lacks.
    server = await serve({
      erigonURL: node.rpcUrl,
      chainInfo: { name: 'Busan dev', faucets: [], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } },
      sourcify: { sources: { local: { url: '/sourcify', backendFormat: 'RepositoryV1' } } },
      revertTraces: { enabled: false },
    })
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // The browser calls the node from Otterscan's origin: its CORS preflight must pass.
    const preflight = await fetch(node.rpcUrl, { method: 'OPTIONS', headers: { origin: base, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    const allowed = preflight.headers.get('access-control-allow-origin')
    check(allowed === '*' || allowed === base, `node answers Otterscan's CORS preflight (access-control-allow-origin: ${allowed})`)
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    // No internet here, and none is needed: any other origin is refused and listed.
    const external = new Set<string>()
    await context.route((url) => !url.href.startsWith(base) && !url.href.startsWith(node.rpcUrl), (route) => {
      external.add(new URL(route.request().url()).origin)
      return route.abort()
    })
    mkdirSync(shots, { recursive: true })

    const visit = async (name: string, path: string, checks: (page: Page) => Promise<void>): Promise<void> => {
      console.log(`${name}: ${base}${path}`)
      const page = await context.newPage()
      const methods = new Set<string>()
      const problems: string[] = []
      watch(page, node.rpcUrl, methods, problems)
      await page.goto(base + path)
      await checks(page)
      await page.waitForLoadState('networkidle')
      const text = (await page.innerText('body')).replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '').trim()
      console.log(`  saw: ${text.length > 600 ? `${text.slice(0, 600)}...` : text}`)
      console.log(`  node methods called: ${[...methods].sort().join(', ')}`)
      for (const problem of problems) check(false, problem)
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
      await page.close()
    }

    await visit('home', '/', async (page) => {
      check(await shows(page, `Latest block: ${head}`), `home shows "Latest block: ${head}"`)
    })
    await visit('block', `/block/${runBlock}`, async (page) => {
      check(await shows(page, `Block #${runBlock}`), `block page titled "Block #${runBlock}"`)
      check(await shows(page, block.hash), `block page shows the hash ${block.hash}`)
      check(await shows(page, '1 transaction in this block'), 'block page counts 1 transaction')
      const gas = BigInt(block.gasUsed).toLocaleString('en-US')
      check(await shows(page, gas), `block page shows gas used ${gas}`)
    })
    await visit('block-txs', `/block/${runBlock}/txs`, async (page) => {
      check(await links(page, `/tx/${run.hash}`), 'block transactions page (ots_getBlockTransactions) lists the run transaction')
    })
    await visit('tx', `/tx/${run.hash}`, async (page) => {
      check(await shows(page, run.hash), `tx page shows the hash ${run.hash}`)
      check(await shows(page, 'Success'), 'tx page shows status Success')
      check(await links(page, `/address/${sender.address}`), `tx page links the sender ${sender.address}`)
      check(await links(page, `/address/${treeAddress}`), `tx page links the CallTree ${treeAddress}`)
      // Internal operations (ots_getInternalOperations): the 3 wei forwarded to the leaf, two creations.
      check(await shows(page, 'TRANSFER'), 'tx page lists an internal TRANSFER')
      check(await links(page, `/address/${leaf}`), `  ... to the leaf ${leaf}`)
      check(await links(page, `/address/${salted}`), `tx page lists the CREATE2 contract ${salted}`)
      check(await links(page, `/address/${created}`), `tx page lists the CREATE contract ${created}`)
    })
    await visit('tx-trace', `/tx/${run.hash}/trace`, async (page) => {
      for (const kind of ['delegatecall', 'staticcall', 'create2', 'create']) check(await shows(page, kind), `trace tab shows a ${kind} frame`)
      check(await links(page, `/address/0x0000000000000000000000000000000000000002`), 'trace tab shows the sha256 precompile call')
      for (const who of [leaf, salted, created]) check(await links(page, `/address/${who}`), `trace tab links ${who}`)
    })
    await visit('tx-reverted', `/tx/${sent.explode.hash}`, async (page) => {
      // ots_getTransactionError gives the revert data; Otterscan decodes Error(string).
      check(await shows(page, "Fail with revert message: 'tree refuses'"), "reverted tx shows \"Fail with revert message: 'tree refuses'\"")
    })
    await visit('address', `/address/${treeAddress}`, async (page) => {
      for (const [name, tx] of Object.entries(sent)) check(await links(page, `/tx/${tx.hash}`), `address page lists the ${name} transaction ${tx.hash}`)
      check(await shows(page, `${Object.keys(sent).length} transactions on this page`), `address page counts ${Object.keys(sent).length} transactions`)
      check(await shows(page, 'Contract creator'), 'address page shows the contract creator (ots_getContractCreator)')
    })
    if (external.size > 0) console.log(`refused requests to other origins: ${[...external].join(', ')}`)
    console.log(`screenshots: ${shots}`)
  } finally {
    await browser.close()
    server?.close()
    await node.stop()
    node.cleanup()
  }
}

await main()
if (failures.length > 0) {
  console.log(`otterscan-check: ${failures.length} check(s) failed`)
  process.exit(1)
}
console.log('otterscan-check: all checks passed')
