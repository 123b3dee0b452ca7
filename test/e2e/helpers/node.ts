// One real dev node per test file: started in `before`, stopped and its data directory
// removed in `after`. Gives ethers providers and wallets for the 10 dev accounts, and a raw
// JSON-RPC helper for asserting exact wire results and error objects.
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { startDevNode, type DevNode, type DevNodeOptions } from '@busan/testkit'

export const CHAIN_ID = 31337n

export interface RpcErrorObject {
  code: number
  message: string
  data?: unknown
}

export interface RpcResponse<T = unknown> {
  jsonrpc: string
  id: unknown
  result?: T
  error?: RpcErrorObject
}

/** A JSON-RPC error answer, thrown by `rpc()`. */
export class RpcCallError extends Error {
  readonly code: number
  readonly data: unknown
  constructor(error: RpcErrorObject) {
    super(error.message)
    this.code = error.code
    this.data = error.data
  }
}

export interface E2ENode {
  node: DevNode
  provider: ethers.JsonRpcProvider
  /** Wallets for dev accounts #0..#9 (#0 is the sealer), connected to `provider`. */
  wallets: ethers.Wallet[]
  /** One JSON-RPC call over HTTP; throws RpcCallError for an error answer. */
  rpc<T = any>(method: string, params?: unknown[]): Promise<T>
  /** The whole response object of one call. */
  rpcResponse<T = any>(method: string, params?: unknown[]): Promise<RpcResponse<T>>
  /** POSTs `body` as is; returns the HTTP status and the parsed (or raw) body. */
  post(body: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string }>
  stop(): Promise<void>
}

let nextId = 1

export async function startE2ENode(options: DevNodeOptions = {}): Promise<E2ENode> {
  const node = await startDevNode({ period: 0, logLevel: 'info', ...options })
  // Short polling so tx.wait() notices an automined block at once.
  const provider = new ethers.JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 })
  const wallets = devAccounts().map((account) => new ethers.Wallet(account.privateKey, provider))

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as any, text }
  }
  const rpcResponse = async <T>(method: string, params: unknown[] = []): Promise<RpcResponse<T>> => {
    const { status, body } = await post(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }))
    if (typeof body !== 'object' || body === null) throw new Error(`${method}: HTTP ${status}, not a JSON-RPC answer: ${String(body)}`)
    return body as RpcResponse<T>
  }
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await rpcResponse<T>(method, params)
    if (response.error !== undefined) throw new RpcCallError(response.error)
    return response.result as T
  }
  return {
    node,
    provider,
    wallets,
    rpc,
    rpcResponse,
    post,
    async stop() {
      provider.destroy()
      // A node that does not shut down within 15 s is killed, and that is reported.
      let timer: NodeJS.Timeout | undefined
      const stopped = await Promise.race([
        node.stop().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), 15_000)
        }),
      ])
      clearTimeout(timer)
      if (!stopped) {
        process.stderr.write(`node did not stop within 15 s after SIGTERM; killing it. Last logs:\n${logTail(node)}\n`)
        await node.kill()
      }
      node.cleanup()
    },
  }
}

/** The node's last log lines, for failure messages. */
export function logTail(node: DevNode, lines = 30): string {
  return node.logs
    .slice(-lines)
    .map((entry) => JSON.stringify(entry))
    .join('\n')
}

/** Waits for `tx` to be mined (15 s at most, then fails with the node's last logs). */
export async function mined(e: E2ENode, tx: ethers.TransactionResponse | Promise<ethers.TransactionResponse>): Promise<ethers.TransactionReceipt> {
  const response = await tx
  try {
    const receipt = await response.wait(1, 15_000)
    if (receipt === null) throw new Error('no receipt')
    return receipt
  } catch (err) {
    // A reverted transaction's receipt is still a receipt.
    const receipt = (err as { receipt?: ethers.TransactionReceipt }).receipt
    if ((err as { code?: string }).code === 'CALL_EXCEPTION' && receipt !== undefined && receipt !== null) return receipt
    throw new Error(`transaction ${response.hash} not mined: ${(err as Error).message}\nnode logs:\n${logTail(e.node)}`)
  }
}

/** Calls `fn` and returns the RpcCallError it throws; fails when it does not throw one. */
export async function rpcError(fn: () => Promise<unknown>): Promise<RpcCallError> {
  try {
    const result = await fn()
    throw new Error(`expected a JSON-RPC error, got ${JSON.stringify(result)}`)
  } catch (err) {
    if (err instanceof RpcCallError) return err
    throw err
  }
}

/**
 * Signs transactions with explicit nonces and sends them raw: for nonce gaps (a queued
 * transaction) and for putting several transactions of one sender into one block (send
 * nonce n+1 first, it waits; nonce n then releases both together).
 */
export async function signed(wallet: ethers.BaseWallet, tx: ethers.TransactionRequest): Promise<{ raw: string; hash: string }> {
  const populated = await wallet.populateTransaction(tx)
  const raw = await wallet.signTransaction(populated)
  return { raw, hash: ethers.keccak256(raw) }
}

/** The value of metric `name` (one without labels) in the /metrics of the node at `rpcUrl`; undefined when it is not exported. */
export async function metricValue(rpcUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${rpcUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

/** Waits until the node's /metrics shows `name` (a gauge without labels) at `value`. */
export async function waitForGauge(e: E2ENode, name: string, value: number): Promise<void> {
  await waitFor(async () => (await metricValue(e.node.rpcUrl, name)) === value, 10_000, `${name} = ${value}`)
}

/** `promise`, or a rejection after `ms` (the timer is cleared, so it never holds the process open). */
export async function withTimeout<T>(promise: Promise<T>, ms = 10_000, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls until `check` returns a value other than undefined/null/false, or fails after `ms`. */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false>, ms = 10_000, what = 'condition', node?: DevNode): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== null && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${node === undefined ? '' : `\nnode logs:\n${logTail(node)}`}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Sends `raws` in order and waits for every receipt; returns the receipts. */
export async function sendRawAndWait(e: E2ENode, raws: string[]): Promise<ethers.TransactionReceipt[]> {
  const hashes: string[] = []
  for (const raw of raws) hashes.push(await e.rpc<string>('eth_sendRawTransaction', [raw]))
  return Promise.all(hashes.map((hash) => waitFor(() => e.provider.getTransactionReceipt(hash), 15_000, `receipt of ${hash}`, e.node)))
}
