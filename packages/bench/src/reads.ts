// Reads under concurrency (issue 11): `eth_getBalance` and `eth_call` of an ERC-20's
// `balanceOf`, from 64 concurrent HTTP keep-alive clients, one call per request and in batches
// of 100, for a few seconds each, against our dev node and anvil alternately (A B A B) on the
// same machine, each workload after an unmeasured warm-up of WARM_UP_SECONDS. Every answer is
// checked (a result, not an error) so a refusing node cannot look fast.
import { Agent, request } from 'node:http'
import { devAccounts } from '@busan/chain-config'
import { RpcClient } from './rpc-client.ts'
import { median } from './stats.ts'
import { startAnvil, startBusan } from './targets.ts'
import { benchToken, deployToken } from './token.ts'
import { senderKeys, type Sender } from './workload.ts'

const CLIENTS = 64
const BATCH = 100
/** Seconds each workload runs unmeasured before its measured run. */
const WARM_UP_SECONDS = 3

export interface ReadFigures {
  node: string
  /** Calls answered per second, by workload. */
  perSecond: Record<string, number>
}

/** POSTs `body` on a keep-alive agent; resolves with the parsed answer. */
function post(agent: Agent, url: URL, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        } catch (error) {
          reject(error)
        }
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Throws unless `answer` is a successful JSON-RPC answer (each one, for a batch). */
function checkAnswer(answer: unknown, calls: number): void {
  const answers = Array.isArray(answer) ? answer : [answer]
  if (answers.length !== calls) throw new Error(`expected ${calls} answers, got ${answers.length}`)
  for (const one of answers as { result?: unknown; error?: { message: string } }[]) {
    if (one.error !== undefined || one.result === undefined) throw new Error(`read failed: ${JSON.stringify(one.error ?? one)}`)
  }
}

/** Calls answered per second over `seconds` by CLIENTS loops each sending `make()`'s body (`calls` calls per body). */
async function load(url: string, seconds: number, calls: number, make: (i: number) => string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS })
  const target = new URL(url)
  const deadline = performance.now() + seconds * 1000
  let answered = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = client; performance.now() < deadline; i += CLIENTS) {
        checkAnswer(await post(agent, target, make(i)), calls)
        answered += calls
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  agent.destroy()
  return answered / elapsed
}

/** The read workloads against the node at `url`, whose `token` holds balances for `holders`. */
async function measureNode(node: string, url: string, token: string, holders: Sender[], seconds: number): Promise<ReadFigures> {
  const abi = benchToken().abi
  const balanceOf = holders.map((holder) => abi.encodeFunctionData('balanceOf', [holder.address]))
  const getBalance = (i: number) => ({ jsonrpc: '2.0', id: i, method: 'eth_getBalance', params: [holders[i % holders.length].address, 'latest'] })
  const call = (i: number) => ({ jsonrpc: '2.0', id: i, method: 'eth_call', params: [{ to: token, data: balanceOf[i % holders.length] }, 'latest'] })
  const batch = (one: (i: number) => object) => (i: number) => JSON.stringify(Array.from({ length: BATCH }, (_, k) => one(i * BATCH + k)))
  // One of each first: a node's first heavy call may wait for its worker threads to load.
  checkAnswer(await post(new Agent(), new URL(url), JSON.stringify(call(0))), 1)
  // A workload whose answers fail (an error, a timeout) is reported as failed, not counted.
  const attempt = async (workload: string, calls: number, make: (i: number) => string) => {
    try {
      // Unmeasured first (both nodes alike): a fresh node's threads compile the EVM's hot paths
      // over their first thousands of calls, and a node that serves reads runs for days.
      await load(url, WARM_UP_SECONDS, calls, make)
      return await load(url, seconds, calls, make)
    } catch (error) {
      console.error(`reads: ${node}, ${workload}: ${(error as Error).message}`)
      return Number.NaN
    }
  }
  return {
    node,
    perSecond: {
      'eth_getBalance': await attempt('eth_getBalance', 1, (i) => JSON.stringify(getBalance(i))),
      'eth_call balanceOf': await attempt('eth_call', 1, (i) => JSON.stringify(call(i))),
      'eth_getBalance, batches of 100': await attempt('eth_getBalance batches', BATCH, batch(getBalance)),
      'eth_call balanceOf, batches of 100': await attempt('eth_call batches', BATCH, batch(call)),
    },
  }
}

/** Our dev node and anvil, each with the bench token deployed and 100 holders, measured in turn `rounds` times. */
export async function measureReads(options: { seconds: number; rounds: number }): Promise<ReadFigures[]> {
  const holders = senderKeys(100, 'reads')
  const figures: ReadFigures[] = []
  for (let round = 0; round < options.rounds; round++) {
    // The same two nodes as the transfer workloads (targets.ts), so the tables name them alike.
    for (const start of [() => startBusan(0), startAnvil]) {
      const target = await start()
      try {
        const deployer: Sender = { key: Buffer.from(devAccounts()[1].privateKey.slice(2), 'hex'), address: devAccounts()[1].address, nonce: 0n }
        const token = await deployToken(new RpcClient(target.rpcUrl), benchToken(), deployer, holders, { batch: 100, concurrency: 1 })
        figures.push(await measureNode(target.name, target.rpcUrl, token, holders, options.seconds))
      } finally {
        await target.stop()
      }
    }
  }
  return figures
}

/** Median per node and workload, with our share of anvil's figure. */
export function readsTable(figures: ReadFigures[]): string {
  const workloads = Object.keys(figures[0].perSecond)
  const of = (node: string, workload: string) => median(figures.filter((f) => f.node === node).map((f) => f.perSecond[workload]))
  const [ours, anvil] = [figures[0].node, figures.find((f) => f.node !== figures[0].node)?.node ?? '']
  const figure = (value: number, digits = 0) => (Number.isNaN(value) ? 'failed' : value.toFixed(digits))
  const rows = workloads.map((w) => `| ${w} | ${figure(of(ours, w))} | ${figure(of(anvil, w))} | ${figure(of(ours, w) / of(anvil, w), 2)} |`)
  return [`| reads, ${CLIENTS} concurrent HTTP clients (calls/s, median of ${figures.length / 2}) | ${ours} | ${anvil} | ratio |`, '| --- | --- | --- | --- |', ...rows].join('\n')
}

if (import.meta.main) {
  console.log(readsTable(await measureReads({ seconds: Number(process.argv[2] ?? 5), rounds: Number(process.argv[3] ?? 2) })))
}
