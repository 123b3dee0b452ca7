// eth_getLogs over a long chain (issue 11): one contract's events from block 0 to the head of a
// chain of `blocks` blocks, through the node's log index, with no block-range cap. The chain is
// built in process (a Clique dev chain, period 0, on a real RocksDB directory laid out as a node
// keeps it): every `eventEvery`-th block holds `transfersPerEventBlock` ERC-20 transfers (Transfer
// events of the bench token), the rest are empty, as a city chain's quiet hours are. A real
// `busan run` process then serves the data directory, and each query is timed over HTTP.
//   node packages/bench/src/logs.ts [--blocks 1000000] [--event-every 1000] [--datadir DIR]
// (a kept --datadir is reused when it already holds the chain).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { bytesToHex, generateAddress, hexToBytes } from '@ethereumjs/util'
import { startNodeProcess } from '@busan/testkit'
import { decode, genesis, openInProcessChain, seal, sealerAddress, sealerKey } from '@busan/testkit/in-process-chain'
import { RpcClient } from './rpc-client.ts'
import { benchToken } from './token.ts'
import { sign } from './workload.ts'

/** keccak256("Transfer(address,address,uint256)"): ERC-20's event topic. */
const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'

export interface LogsChain {
  blocks: number
  /** The token's address and how many Transfer events it emitted (its deployment's included). */
  token: string
  events: number
  buildSeconds: number
}

export interface LogsQuery {
  query: string
  results: number
  expected: number
  /** Median of the timed runs, ms. */
  medianMs: number
}

/** A recipient per event, never used before: its topic selects exactly one log. */
function recipient(n: number): string {
  return `0x${(0x10_0000_0000n + BigInt(n)).toString(16).padStart(40, '0')}`
}

/** Builds the chain into `dataDir` (chaindata/ and the genesis.json `busan run` reads). */
async function buildChain(dataDir: string, blocks: number, eventEvery: number, transfersPerEventBlock: number, log: (line: string) => void): Promise<LogsChain> {
  await mkdir(dataDir, { recursive: true })
  writeFileSync(join(dataDir, 'genesis.json'), `${JSON.stringify(genesis, null, 2)}\n`)
  const node = await openInProcessChain(join(dataDir, 'chaindata'))
  const started = performance.now()
  try {
    const token = benchToken()
    let nonce = 0n
    const tokenAddress = bytesToHex(generateAddress(sealerAddress, new Uint8Array()))
    const deploy = sign(sealerKey, nonce++, undefined, 0n, hexToBytes(`${token.bytecode}${token.abi.encodeDeploy([10n ** 30n]).slice(2)}` as `0x${string}`), 3_000_000n)
    let events = 0
    for (let number = 1; number <= blocks; number++) {
      let raws: string[] = []
      if (number === 1) raws = [deploy]
      else if (number % eventEvery === 0) {
        raws = Array.from({ length: transfersPerEventBlock }, () => sign(sealerKey, nonce++, tokenAddress, 0n, hexToBytes(token.abi.encodeFunctionData('transfer', [recipient(events++), 1n]) as `0x${string}`), 100_000n))
      }
      await seal(node, raws.map(decode))
      if (number % 50_000 === 0) log(`logs chain: ${number} blocks, ${events} events, ${((performance.now() - started) / 1000).toFixed(0)} s`)
    }
    // The token's constructor minted to the sealer: one Transfer event more.
    return { blocks, token: tokenAddress, events: events + 1, buildSeconds: (performance.now() - started) / 1000 }
  } finally {
    await node.kv.close()
  }
}

/** Times `params` `runs` times over HTTP; checks the result count every time. */
async function timeQuery(client: RpcClient, query: string, params: object, expected: number, runs = 5): Promise<LogsQuery> {
  const times: number[] = []
  let results = 0
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    const logs = await client.call<unknown[]>('eth_getLogs', [params])
    times.push(performance.now() - started)
    results = logs.length
    if (results !== expected) throw new Error(`${query}: ${results} logs, expected ${expected}`)
  }
  times.sort((a, b) => a - b)
  return { query, results, expected, medianMs: times[Math.floor(times.length / 2)] }
}

/** Builds (or reuses) the chain, serves it with `busan run`, and times one contract's logs from block 0 to the head. */
export async function measureLogs(options: { blocks: number; eventEvery: number; dataDir?: string; log?: (line: string) => void }): Promise<{ chain: LogsChain; queries: LogsQuery[] }> {
  const log = options.log ?? (() => {})
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'busan-logs-bench-'))
  const summaryPath = join(dataDir, 'logs-chain.json')
  const transfersPerEventBlock = 10
  try {
    const chain: LogsChain = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, 'utf8')) : await buildChain(dataDir, options.blocks, options.eventEvery, transfersPerEventBlock, log)
    writeFileSync(summaryPath, JSON.stringify(chain))
    // No result limit: the token's events from block 0 are 10,001 on the default chain, one past --rpc.logslimit's default.
    const node = await startNodeProcess(['run', '--datadir', dataDir, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1', '--rpc.logslimit', '0'], dataDir)
    try {
      const client = new RpcClient(node.rpcUrl)
      const head = BigInt(await client.call<string>('eth_blockNumber'))
      if (head !== BigInt(chain.blocks)) throw new Error(`the node's head is ${head}, the chain has ${chain.blocks} blocks`)
      const whole = { fromBlock: '0x0', toBlock: 'latest' }
      const queries = [
        await timeQuery(client, "one contract's events, block 0 to head", { ...whole, address: chain.token }, chain.events),
        await timeQuery(client, 'one event topic (Transfer), block 0 to head', { ...whole, topics: [TRANSFER_TOPIC] }, chain.events),
        await timeQuery(client, 'one recipient (topic 2), block 0 to head', { ...whole, address: chain.token, topics: [TRANSFER_TOPIC, null, `0x${recipient(7).slice(2).padStart(64, '0')}`] }, 1),
        await timeQuery(client, 'a contract with no events, block 0 to head', { ...whole, address: recipient(0) }, 0),
      ]
      return { chain, queries }
    } finally {
      await node.stop()
    }
  } finally {
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
  }
}

export function logsTable(figures: { chain: LogsChain; queries: LogsQuery[] }): string {
  const { chain } = figures
  return [
    `| eth_getLogs over ${chain.blocks.toLocaleString('en')} blocks (${chain.events.toLocaleString('en')} events of one token; chain built in ${chain.buildSeconds.toFixed(0)} s) | logs | median of 5 |`,
    '| --- | --- | --- |',
    ...figures.queries.map((q) => `| ${q.query} | ${q.results.toLocaleString('en')} | ${q.medianMs.toFixed(1)} ms |`),
  ].join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { blocks: { type: 'string', default: '1000000' }, 'event-every': { type: 'string', default: '1000' }, datadir: { type: 'string' } } })
  console.log(logsTable(await measureLogs({ blocks: Number(values.blocks), eventEvery: Number(values['event-every']), dataDir: values.datadir, log: console.log })))
}
