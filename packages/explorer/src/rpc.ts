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

/** One call; rejects with RpcError for an error answer. */
export async function call<T>(method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  })
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string } }
  if (body.error !== undefined) throw new RpcError(body.error.code, body.error.message)
  return body.result as T
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
