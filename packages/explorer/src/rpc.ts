// JSON-RPC to the node that served the page: calls over HTTP (POST /), new heads over a
// WebSocket subscription (eth_subscribe "newHeads"), reconnecting when the socket drops.

/** A JSON-RPC error answer (code and message as the node sent them). */
export class RpcError extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

const endpoint = new URL('/', location.href).toString()
let nextId = 1

interface Reply {
  id: number
  result?: unknown
  error?: { code: number; message: string }
}

interface Queued {
  request: { jsonrpc: '2.0'; id: number; method: string; params: unknown[] }
  resolve: (reply: Reply) => void
  reject: (error: unknown) => void
}

/**
 * Cheap reads the node answers on its main thread: those a page asks for at once travel as one
 * JSON-RPC batch, one HTTP request instead of a dozen queued behind the browser's six
 * connections. Calls that run on the node's worker threads (eth_call, logs, traces, receipts)
 * go alone: a batch runs its calls one after another, separate requests run in parallel.
 */
const BATCHED = new Set([
  'eth_blockNumber', 'eth_chainId', 'eth_getBalance', 'eth_getBlockByNumber', 'eth_getTransactionByHash', 'eth_getTransactionReceipt',
  'clique_getSigners', 'clique_getSnapshotAtHash', 'qbft_getValidatorsByBlockNumber', 'ots_hasCode', 'ots_getBlockDetails', 'ots_getBlockDetailsByHash',
])
let queue: Queued[] = []

async function post(body: unknown): Promise<unknown> {
  const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return response.json()
}

/** Sends what was queued during this task: one call alone, several as a batch. */
async function flush(): Promise<void> {
  const sending = queue
  queue = []
  try {
    const replies = sending.length === 1 ? [(await post(sending[0].request)) as Reply] : ((await post(sending.map((item) => item.request))) as Reply[])
    const byId = new Map(replies.map((reply) => [reply.id, reply]))
    for (const item of sending) {
      const reply = byId.get(item.request.id)
      if (reply === undefined) item.reject(new RpcError(-32603, `no answer to ${item.request.method}`))
      else item.resolve(reply)
    }
  } catch (error) {
    for (const item of sending) item.reject(error)
  }
}

function send(method: string, params: unknown[]): Promise<Reply> {
  const request = { jsonrpc: '2.0' as const, id: nextId++, method, params }
  if (!BATCHED.has(method)) return post(request) as Promise<Reply>
  return new Promise((resolve, reject) => {
    if (queue.length === 0) setTimeout(() => void flush(), 0)
    queue.push({ request, resolve, reject })
  })
}

/** One call; rejects with RpcError for an error answer. */
export async function call<T>(method: string, params: unknown[] = []): Promise<T> {
  const reply = await send(method, params)
  if (reply.error !== undefined) throw new RpcError(reply.error.code, reply.error.message)
  return reply.result as T
}

/** The call's result, or undefined when the node does not serve the method or refuses it. */
export async function tryCall<T>(method: string, params: unknown[] = []): Promise<T | undefined> {
  try {
    return await call<T>(method, params)
  } catch {
    return undefined
  }
}

/** A block header as newHeads and eth_getBlockBy* give it (the fields the explorer reads). */
export interface Header {
  number: string
  hash: string
  parentHash: string
  timestamp: string
  miner: string
  gasUsed: string
  gasLimit: string
  baseFeePerGas?: string
  extraData: string
  transactions?: string[] | TransactionJson[]
}

export interface TransactionJson {
  hash: string
  from: string
  to: string | null
  value: string
  input: string
  nonce: string
  gas: string
  gasPrice: string
  blockNumber: string | null
  blockHash: string | null
  transactionIndex: string | null
  type: string
}

export interface LogJson {
  address: string
  topics: string[]
  data: string
  logIndex: string
}

export interface ReceiptJson {
  transactionHash: string
  status: string
  gasUsed: string
  effectiveGasPrice: string
  contractAddress: string | null
  logs: LogJson[] | null
  blockNumber: string
  timestamp?: string
  from: string
  to: string | null
}

/** Calls `listener` with every new head until the returned function is called. */
export function onNewHead(listener: (head: Header) => void): () => void {
  let socket: WebSocket | undefined
  let stopped = false
  const open = () => {
    socket = new WebSocket(endpoint.replace(/^http/, 'ws'))
    socket.onopen = () => socket?.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }))
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as { method?: string; params?: { result: Header } }
      if (message.method === 'eth_subscription' && message.params !== undefined) listener(message.params.result)
    }
    // A node restart or a network blip: subscribe again shortly.
    socket.onclose = () => {
      if (!stopped) setTimeout(open, 2000)
    }
  }
  open()
  return () => {
    stopped = true
    socket?.close()
  }
}
