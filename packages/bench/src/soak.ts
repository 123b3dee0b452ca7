// Memory under sustained load (issue 11): a dev node (period 0, a real RocksDB directory) seals
// `transactions` ERC-20 transfers, each to an address never used before, so the token's storage
// and the state trie grow with every block as a city chain's would. The load keeps the pool
// busy without overflowing it (at most WINDOW transactions unmined), and the node's resident
// memory (VmRSS) is sampled from /proc as the chain grows: it must level off, not follow the chain.
import { readFileSync } from 'node:fs'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256 } from '@busan/chain-config'
import { startDevNode } from '@busan/testkit'
import { RpcClient } from './rpc-client.ts'
import { benchToken, deployToken } from './token.ts'
import { fundSenders, sendAll, senderKeys, sign, type Shape } from './workload.ts'

/**
 * Unmined transactions allowed in flight. Blocks must stay under EIP-1559's gas target (half of
 * the dev chain's 60,000,000): a transfer to a fresh address costs about 52,000 gas, so 30,000,000
 * is about 570 of them, and a window above that fills every block past the target, where the base
 * fee climbs 12.5% a block without bound (a sustained overload) until it passes the fee cap.
 */
const WINDOW = 400
const SENDERS = 200
const SHAPE: Shape = { batch: 200, concurrency: 1 }

export interface SoakSample {
  /** Transactions in sealed blocks so far. */
  sealed: number
  blocks: number
  rssMiB: number
  /** The node's memory by part, from its /metrics (memoryOf). */
  parts: MemoryParts
  seconds: number
}

export interface SoakFigures {
  samples: SoakSample[]
  transactionsPerSecond: number
  peakRssMiB: number
}

/** The process's resident memory in MiB (Linux /proc). */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024
}

/** What the node's own metrics account for of its resident memory, in MiB. */
export interface MemoryParts {
  /** The main thread's V8 heap: in use, and reserved. */
  heapUsedMiB: number
  heapSizeMiB: number
  /** The worker threads' V8 heaps (RPC workers, sender recovery), summed: in use, and reserved. */
  threadHeapUsedMiB: number
  threadHeapSizeMiB: number
  /** The main thread's external (Buffer, native) memory. */
  externalMiB: number
  /** RocksDB: memtables, table readers (index and filter blocks), block cache. */
  memtablesMiB: number
  tableReadersMiB: number
  blockCacheMiB: number
}

/** The node's memory by part, from its Prometheus metrics. */
async function memoryOf(rpcUrl: string): Promise<MemoryParts> {
  const lines = (await (await fetch(new URL('/metrics', rpcUrl))).text()).split('\n')
  const sum = (name: string, label = '') => lines.filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{${label}`)).reduce((total, line) => total + Number(line.split(' ').pop()), 0) / 2 ** 20
  return {
    heapUsedMiB: sum('nodejs_heap_size_used_bytes'),
    heapSizeMiB: sum('nodejs_heap_size_total_bytes'),
    threadHeapUsedMiB: sum('worker_thread_heap_used_bytes'),
    threadHeapSizeMiB: sum('worker_thread_heap_size_bytes'),
    externalMiB: sum('nodejs_external_memory_bytes'),
    memtablesMiB: sum('db_memory_bytes', 'part="memtables"'),
    tableReadersMiB: sum('db_memory_bytes', 'part="table_readers"'),
    blockCacheMiB: sum('db_memory_bytes', 'part="block_cache"'),
  }
}

/** A recipient that has never held the token: the 20 low bytes of keccak("soak", n). */
function freshRecipient(n: number): string {
  return bytesToHex(keccak256(new TextEncoder().encode(`busan-soak-${n}`)).slice(12))
}

/** Seals `transactions` transfers on a fresh dev node; samples its RSS every `sampleEvery` sealed transactions. */
export async function measureSoak(options: { transactions: number; sampleEvery: number; log?: (line: string) => void }): Promise<SoakFigures> {
  const node = await startDevNode({ period: 0, logLevel: 'warn' })
  const pid = node.process.pid!
  const client = new RpcClient(node.rpcUrl)
  try {
    const senders = senderKeys(SENDERS, 'soak')
    // One batch at a time: the deployer's 201 transactions must arrive in nonce order (the pool allows a gap of 64).
    const setup: Shape = { batch: 500, concurrency: 1 }
    const funders = await fundSenders(client, senders, setup)
    const token = benchToken()
    const address = await deployToken(client, token, funders[0], senders, setup)
    let head = BigInt(await client.call<string>('eth_blockNumber'))
    let sealed = 0
    let blocks = 0
    let sent = 0
    const samples: SoakSample[] = [{ sealed: 0, blocks: 0, rssMiB: rssMiB(pid), parts: await memoryOf(node.rpcUrl), seconds: 0 }]
    let nextSample = options.sampleEvery
    const started = performance.now()
    let progressAt = started
    // Reads the blocks sealed since the last look and counts their transactions.
    const poll = async () => {
      const number = BigInt(await client.call<string>('eth_blockNumber'))
      if (number === head) return
      const calls = []
      for (let n = head + 1n; n <= number; n++) calls.push({ method: 'eth_getBlockTransactionCountByNumber', params: [`0x${n.toString(16)}`] })
      const counts = await client.batch<string>(calls)
      sealed += counts.reduce((sum, count) => sum + Number(count), 0)
      blocks += counts.length
      head = number
      progressAt = performance.now()
    }
    // Signs the next round: every sender's next nonce, each transfer to a new recipient.
    const round = () => {
      const raws = senders.map((sender, i) => sign(sender.key, sender.nonce++, address, 0n, hexToBytes(token.abi.encodeFunctionData('transfer', [freshRecipient(sent + i), 1n]) as `0x${string}`), 80_000n))
      sent += raws.length
      return raws
    }
    // Two rounds in flight, so signing here overlaps the node's admission and sealing.
    const inFlight = new Set<Promise<void>>()
    while (sealed < options.transactions) {
      while (sent < options.transactions && sent - sealed < WINDOW && inFlight.size < 2) {
        const sending: Promise<void> = sendAll(client, round(), SHAPE).finally(() => inFlight.delete(sending))
        inFlight.add(sending)
      }
      await Promise.race([...inFlight, new Promise((resolve) => setTimeout(resolve, 50))])
      await poll()
      if (performance.now() - progressAt > 60_000) throw new Error(`soak: no block for 60 s at ${sealed} of ${sent} sent transactions sealed`)
      if (sealed >= nextSample) {
        const sample = { sealed, blocks, rssMiB: rssMiB(pid), parts: await memoryOf(node.rpcUrl), seconds: (performance.now() - started) / 1000 }
        samples.push(sample)
        options.log?.(`soak: ${sample.sealed} sealed in ${sample.blocks} blocks, ${sample.seconds.toFixed(0)} s: ${JSON.stringify({ rssMiB: sample.rssMiB, ...sample.parts }, (_, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`)
        nextSample += options.sampleEvery
      }
    }
    await Promise.all(inFlight)
    const seconds = (performance.now() - started) / 1000
    return { samples, transactionsPerSecond: sealed / seconds, peakRssMiB: Math.max(...samples.map((s) => s.rssMiB)) }
  } finally {
    await node.stop()
    node.cleanup()
  }
}

/** The RSS table: one row per sample. */
export function soakTable(figures: SoakFigures): string {
  const mib = (n: number) => n.toFixed(0)
  const rows = figures.samples.map(({ parts: p, ...s }) => {
    const heaps = `${mib(p.heapUsedMiB)} / ${mib(p.heapSizeMiB)} | ${mib(p.threadHeapUsedMiB)} / ${mib(p.threadHeapSizeMiB)} | ${mib(p.externalMiB)}`
    return `| ${s.sealed.toLocaleString('en')} | ${s.blocks.toLocaleString('en')} | ${mib(s.rssMiB)} | ${heaps} | ${mib(p.memtablesMiB)} / ${mib(p.tableReadersMiB)} / ${mib(p.blockCacheMiB)} | ${s.seconds.toFixed(0)} s |`
  })
  return [
    `| sealed ERC-20 transfers (each to a new address) | blocks | node RSS, MiB | main heap used / reserved | worker threads' heaps used / reserved | external | RocksDB memtables / table readers / block cache | elapsed |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `${figures.transactionsPerSecond.toFixed(0)} tx/s sustained; peak RSS ${figures.peakRssMiB.toFixed(0)} MiB (issue 11: under 1 GiB, not growing with the chain).`,
  ].join('\n')
}
