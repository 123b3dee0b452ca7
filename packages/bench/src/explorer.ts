/// <reference lib="dom" />
// The explorer at scale: a dev chain of `blocks` blocks with `perBlock` transfers each (one
// JSON-RPC batch per block, so the instant sealer seals each batch as one block), where every
// block also pays one "hot" address, which so ends with one transaction per block in its
// history. Then each explorer page is opened in Chromium and timed until its data is on the
// page, and the address-index queries behind the address page are timed over JSON-RPC.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { percentile } from '@busan/testkit'
import { RpcClient } from './rpc-client.ts'
import { startBusan } from './targets.ts'
import { fundSenders, senderKeys, sign, type Sender } from './workload.ts'

export interface ExplorerOptions {
  blocks: number
  perBlock: number
  /**
   * Where the chain is kept (`--explorer-datadir`): a directory a previous run built (it holds
   * BUILT_MARKER) is measured again without rebuilding; otherwise the chain is built there and kept.
   * Unset: a temporary directory, removed afterwards.
   */
  dataDir?: string
}

/** Written into a kept data directory once its chain is complete: the build's shape and time. */
const BUILT_MARKER = 'explorer-chain.json'

export interface ExplorerFigures {
  blocks: number
  transactions: number
  buildSeconds: number
  /** Page -> median ms until its data is shown (3 loads). */
  pages: [string, number][]
  /** ots_searchTransactionsBefore on the hot address, first page and a page deep in its history (median ms). */
  searchFirstMs: number
  searchDeepMs: number
}

const SENDERS = 1000
const HOT = '0x000000000000000000000000000000000000b0b0'

async function buildChain(client: RpcClient, options: ExplorerOptions): Promise<{ senders: Sender[]; seconds: number }> {
  const senders = senderKeys(SENDERS, 'explorer')
  // One batch at a time: 1,000 senders funded by nine accounts would otherwise open nonce gaps.
  // 10 ETH covers a thousand transfers at the workload's 200 gwei fee cap.
  await fundSenders(client, senders, { batch: 200, concurrency: 1 }, 10n * 10n ** 18n)
  const started = performance.now()
  let cursor = 0
  let head = Number(BigInt(await client.call<string>('eth_blockNumber')))
  for (let block = 0; block < options.blocks; block++) {
    const raws: string[] = []
    for (let k = 0; k < options.perBlock; k++) {
      const sender = senders[cursor++ % senders.length]
      const to = k === 0 ? HOT : senders[(cursor * 7) % senders.length].address
      raws.push(sign(sender.key, sender.nonce++, to, 1n, new Uint8Array(), 21_000n))
    }
    await client.batch(raws.map((raw) => ({ method: 'eth_sendRawTransaction', params: [raw] })))
    // One batch, one block: wait for it before the next batch.
    while (Number(BigInt(await client.call<string>('eth_blockNumber'))) <= head) await new Promise((resolve) => setTimeout(resolve, 1))
    head++
    if (block % 10_000 === 9_999) console.error(`explorer chain: ${block + 1} of ${options.blocks} blocks`)
  }
  return { senders, seconds: (performance.now() - started) / 1000 }
}

/** Opens `url` and returns ms until the page shows data (no loading marker left). */
async function timeLoad(page: Page, url: string): Promise<number> {
  const started = performance.now()
  await page.goto(url)
  await page.waitForFunction(() => document.querySelector('.loading') === null && document.querySelector('main :is(section, table, h1)') !== null, undefined, { timeout: 60_000 })
  return performance.now() - started
}

async function median3(run: () => Promise<number>): Promise<number> {
  const samples = [await run(), await run(), await run()]
  return percentile(samples, 50)
}

export async function measureExplorer(options: ExplorerOptions): Promise<ExplorerFigures> {
  const marker = options.dataDir === undefined ? undefined : join(options.dataDir, BUILT_MARKER)
  const built = marker !== undefined && existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as ExplorerOptions & { seconds: number }) : undefined
  const target = await startBusan(0, options.dataDir)
  const client = new RpcClient(target.rpcUrl)
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] })
  try {
    const shape = built ?? options
    const { senders, seconds } = built !== undefined ? { senders: senderKeys(SENDERS, 'explorer'), seconds: built.seconds } : await buildChain(client, options)
    if (built === undefined && marker !== undefined) writeFileSync(marker, JSON.stringify({ blocks: options.blocks, perBlock: options.perBlock, seconds }))
    const head = Number(BigInt(await client.call<string>('eth_blockNumber')))
    const middle = Math.floor(head / 2)
    const middleBlock = await client.call<{ transactions: string[] }>('eth_getBlockByNumber', [`0x${middle.toString(16)}`, false])
    const page = await browser.newPage()
    const base = `${target.rpcUrl}/explorer`
    const pages: [string, string][] = [
      ['home', `${base}/`],
      [`block ${middle}`, `${base}/block/${middle}`],
      ['transaction (with its trace)', `${base}/tx/${middleBlock.transactions[0]}`],
      [`address with ${shape.blocks} transactions`, `${base}/address/${HOT}`],
      [`sender with ~${Math.round((shape.blocks * shape.perBlock) / SENDERS)} transactions`, `${base}/address/${senders[0].address}`],
      ['city views', `${base}/city`],
    ]
    const timed: [string, number][] = []
    for (const [name, url] of pages) timed.push([name, await median3(() => timeLoad(page, url))])
    const search = (before: number) => async () => {
      const started = performance.now()
      await client.call('ots_searchTransactionsBefore', [HOT, before, 25])
      return performance.now() - started
    }
    return {
      blocks: head,
      transactions: shape.blocks * shape.perBlock,
      buildSeconds: seconds,
      pages: timed,
      searchFirstMs: await median3(search(0)),
      searchDeepMs: await median3(search(middle)),
    }
  } finally {
    await browser.close()
    await target.stop()
  }
}

export function explorerTable(figures: ExplorerFigures): string {
  const lines = [
    `explorer at scale: ${figures.blocks} blocks, ${figures.transactions} transactions (built in ${figures.buildSeconds.toFixed(0)} s)`,
    '',
    '| page (Chromium, until its data is shown) | median of 3 |',
    '| --- | --- |',
    ...figures.pages.map(([name, ms]) => `| ${name} | ${ms.toFixed(0)} ms |`),
    `| ots_searchTransactionsBefore(hot address, newest, 25) over JSON-RPC | ${figures.searchFirstMs.toFixed(1)} ms |`,
    `| ots_searchTransactionsBefore(hot address, before block ${Math.floor(figures.blocks / 2)}, 25) | ${figures.searchDeepMs.toFixed(1)} ms |`,
  ]
  return lines.join('\n')
}
