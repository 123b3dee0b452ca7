/// <reference lib="dom" />
// The city explorer in a real browser (Debian's Chromium through playwright-core) against a
// real dev node: the pages show the transactions this test sent, with values known from the
// fixture contract's source (frames, revert reason), in Korean and English, on a phone-sized
// screen too. Screenshots of each page go to test-results/explorer/ (not committed).
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { chromium, type Browser, type Page } from 'playwright-core'
import { mined, startE2ENode, type E2ENode } from './helpers/node.ts'
import { sendPlan, sender, treeAddress, type Sent } from './helpers/twin.ts'

const SCREENSHOTS = 'test-results/explorer'

describe('the city explorer in Chromium', { timeout: 180_000 }, () => {
  let e: E2ENode
  let browser: Browser
  let page: Page
  let sent: Record<string, Sent>

  const open = async (path: string, shot: string) => {
    await page.goto(`${e.node.rpcUrl}/explorer${path}`)
    await page.waitForSelector('main :is(h1, table, section)')
    await page.waitForFunction(() => document.querySelector('.loading') === null)
    await page.screenshot({ path: `${SCREENSHOTS}/${shot}.png`, fullPage: true })
  }
  const text = async (selector: string) => (await page.textContent(selector))?.trim()

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true })
    e = await startE2ENode()
    sent = await sendPlan(e.rpc)
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] })
    page = await browser.newPage()
  })

  after(async () => {
    await browser?.close()
    await e?.stop()
  })

  it('home: the chain id, the latest blocks and transactions, the sealer', async () => {
    const posts: string[] = []
    const onRequest = (request: { method(): string; postData(): string | null }) => {
      if (request.method() === 'POST') posts.push(request.postData() ?? '')
    }
    page.on('request', onRequest)
    await open('/', 'home')
    page.off('request', onRequest)
    // The reads the page asks for at once go as JSON-RPC batches, not one HTTP request each.
    const batched = posts.filter((body) => body.startsWith('[')).map((body) => (JSON.parse(body) as unknown[]).length)
    assert.ok(batched.some((calls) => calls >= 5), `batches of ${batched.join(', ')} calls in ${posts.length} requests`)
    assert.equal(await text('#chain-id'), '31337')
    const blocks = await page.locator('#latest-blocks tr').count()
    assert.equal(blocks, Math.min(10, Number(sent.overdraw.blockNumber) + 1))
    assert.ok((await page.locator('#latest-transactions a[href*="/tx/"]').count()) >= 5, 'the five transactions sent')
    assert.match((await text('ul.sealers')) ?? '', /0xf39fd6/i, 'dev account #0 seals')
  })

  it('hashed assets are cached for good, the page itself revalidated', async () => {
    const html = await fetch(`${e.node.rpcUrl}/explorer/`)
    assert.equal(html.headers.get('cache-control'), 'no-cache')
    const script = /src="(\/explorer\/assets\/[^"]+\.js)"/.exec(await html.text())![1]
    const asset = await fetch(`${e.node.rpcUrl}${script}`)
    assert.equal(asset.status, 200)
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable')
  })

  it('block: its number, transaction count and the transaction in it', async () => {
    const number = Number(sent.run.blockNumber)
    await open(`/block/${number}`, 'block')
    assert.equal(await text('#block-number'), String(number))
    assert.equal(await text('#transaction-count'), '1')
    assert.equal(await page.locator(`#block-transactions a[href="/explorer/tx/${sent.run.hash}"]`).count(), 1)
  })

  it("transaction: status, parties and the nine inner frames of CallTree.run", async () => {
    await open(`/tx/${sent.run.hash}`, 'transaction')
    assert.equal(await text('#tx-hash'), sent.run.hash)
    assert.equal(await text('#tx-status'), '성공')
    assert.ok((await page.textContent('main'))?.toLowerCase().includes(sender.address.toLowerCase()), 'the sender, in full')
    // run(): sha256, touch, read, fail, spin, the delegatecall, CREATE2, touch on the new leaf, CREATE.
    assert.equal(await page.locator('#internal-calls li').count(), 9)
    assert.equal(await page.locator('#logs li').count(), 4)
  })

  it('a failed transaction shows its revert reason; a failed creation created nothing', async () => {
    await open(`/tx/${sent.explode.hash}`, 'transaction-failed')
    assert.equal(await text('#tx-status'), '실패')
    assert.equal(await text('#revert-reason'), 'tree refuses')
    // Init code that reverts at once (PUSH1 0, PUSH1 0, REVERT): the receipt still names an address.
    const failed = await mined(e, e.wallets[4].sendTransaction({ data: '0x60006000fd', gasLimit: 100_000n }))
    assert.equal(failed.status, 0)
    await open(`/tx/${failed.hash}`, 'creation-failed')
    assert.equal(await text('#tx-status'), '실패')
    assert.equal(await text('#tx-created'), '—')
  })

  it("address: balance, and its history newest first from the address index", async () => {
    await open(`/address/${treeAddress}`, 'address')
    const links = await page.locator('#history a[href*="/tx/"]').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')))
    // Every plan transaction touched the tree (it was created by the first).
    assert.deepEqual(links, ['overdraw', 'kill', 'invalid', 'explode', 'run', 'deploy'].map((name) => `/explorer/tx/${sent[name].hash}`))
    assert.match((await text('#balance')) ?? '', /ETH$/)
  })

  it("a city system contract's page: its name and verified ABI", async () => {
    const voucher = '0x00000000000000000000000000000000B0500003'
    await open(`/address/${voucher}`, 'system-contract')
    assert.match((await text('h1')) ?? '', /^CityVoucher/)
    // ERC-20's own declarations (EIP-20), as Solidity writes them.
    const functions = await page.locator('#abi-functions li').allTextContents()
    assert.ok(functions.includes('function transfer(address to, uint256 value) returns (bool)'), functions.join('\n'))
    const events = await page.locator('#abi-events li').allTextContents()
    assert.ok(events.includes('event Transfer(address indexed from, address indexed to, uint256 value)'), events.join('\n'))
  })

  it('English, search, not found, and a phone-sized screen', async () => {
    await open('/', 'home-ko')
    await page.click('#language')
    await page.waitForSelector('text=Latest blocks')
    await page.fill('#search', String(Number(sent.run.blockNumber)))
    await page.press('#search', 'Enter')
    await page.waitForSelector('#block-number')
    assert.equal(await text('#block-number'), String(Number(sent.run.blockNumber)))
    await page.fill('#search', sender.address)
    await page.press('#search', 'Enter')
    await page.waitForSelector('text=Transaction history')
    // As people paste them: an upper-case 0X prefix, a hash without 0x, full-width digits.
    await page.fill('#search', `0X${sender.address.slice(2).toUpperCase()}`)
    await page.press('#search', 'Enter')
    await page.waitForSelector('#address')
    assert.equal((await text('#address'))?.toLowerCase(), sender.address.toLowerCase())
    await page.fill('#search', sent.run.hash.slice(2))
    await page.press('#search', 'Enter')
    await page.waitForSelector('#tx-hash')
    assert.equal(await text('#tx-hash'), sent.run.hash)
    const fullWidth = String(Number(sent.run.blockNumber)).replace(/[0-9]/g, (digit) => String.fromCharCode(0xff10 + Number(digit)))
    await page.fill('#search', fullWidth)
    await page.press('#search', 'Enter')
    await page.waitForSelector('#block-number')
    assert.equal(await text('#block-number'), String(Number(sent.run.blockNumber)))
    await open(`/block/${sent.run.blockNumber}`, 'block-hex')
    assert.equal(await text('#block-number'), String(Number(sent.run.blockNumber)))
    // A doubled slash (a hand-joined URL) lands on the page, not on a static-file error.
    await open(`//tx//${sent.run.hash}`, 'double-slash')
    assert.equal(await text('#tx-hash'), sent.run.hash)
    assert.equal(new URL(page.url()).pathname, `/explorer/tx/${sent.run.hash}`)
    for (const path of [`/tx/${ethers.ZeroHash}`, '/block/99999999999', '/address/0x1234', '/nonsense']) {
      await open(path, `not-found-${path.split('/')[1]}`)
      assert.equal(await text('.not-found h1'), 'Not found', path)
    }
    await page.setViewportSize({ width: 390, height: 844 })
    await open(`/tx/${sent.run.hash}`, 'transaction-phone')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`)
  })
})
