// Watching a node's chain from the benchmark: block arrivals over a newHeads subscription
// (WebSocket), timed on this process's clock, and polling until a condition holds.

export interface HeadWatch {
  /** Block hash -> local arrival time (`performance.now()`), in arrival order. */
  arrivals: Map<string, number>
  /** Resolves once the node confirmed the subscription: blocks after this are all seen. */
  ready: Promise<void>
  close(): void
}

/** Block hashes as they arrive over a newHeads subscription, with the local arrival time. */
export function watchHeads(wsUrl: string): HeadWatch {
  const arrivals = new Map<string, number>()
  const socket = new WebSocket(wsUrl)
  let confirmed: () => void = () => {}
  const ready = new Promise<void>((resolve, reject) => {
    confirmed = resolve
    socket.addEventListener('error', () => reject(new Error(`newHeads subscription to ${wsUrl} failed`)))
  })
  socket.addEventListener('open', () => socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] })))
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; params?: { result?: { hash: string } } }
    if (message.id === 1) confirmed()
    const hash = message.params?.result?.hash
    if (hash !== undefined) arrivals.set(hash, performance.now())
  })
  return { arrivals, ready, close: () => socket.close() }
}

/** Polls `check` every 20 ms until it holds; throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
