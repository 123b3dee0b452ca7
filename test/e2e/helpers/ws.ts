// A bare JSON-RPC WebSocket client (Node's global WebSocket) that keeps every notification,
// for asserting exact subscription payloads; ethers' WebSocketProvider hides them.
import type { RpcErrorObject } from './node.ts'

export interface Notification {
  subscription: string
  result: any
}

export class WsClient {
  readonly #socket: WebSocket
  readonly #pending = new Map<number, { resolve: (value: { result?: any; error?: RpcErrorObject }) => void }>()
  readonly notifications: Notification[] = []
  readonly #waiters = new Set<() => void>()
  #nextId = 1
  closed = false

  private constructor(socket: WebSocket) {
    this.#socket = socket
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data))
      if (message.method === 'eth_subscription') {
        this.notifications.push(message.params as Notification)
        for (const wake of this.#waiters) wake()
        return
      }
      this.#pending.get(message.id)?.resolve(message)
      this.#pending.delete(message.id)
    })
    socket.addEventListener('close', () => {
      this.closed = true
      for (const wake of this.#waiters) wake()
    })
  }

  static async connect(url: string): Promise<WsClient> {
    const socket = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true })
      socket.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true })
    })
    return new WsClient(socket)
  }

  /** Sends one call; resolves with the whole answer (result or error). */
  request(method: string, params: unknown[] = []): Promise<{ result?: any; error?: RpcErrorObject }> {
    const id = this.#nextId++
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve })
      this.#socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    })
  }

  async call(method: string, params: unknown[] = []): Promise<any> {
    const answer = await this.request(method, params)
    if (answer.error !== undefined) throw Object.assign(new Error(answer.error.message), answer.error)
    return answer.result
  }

  of(subscription: string): any[] {
    return this.notifications.filter((n) => n.subscription === subscription).map((n) => n.result)
  }

  /** Waits until subscription `id` has at least `count` notifications (and returns them). */
  async waitFor(id: string, count: number, ms = 10_000): Promise<any[]> {
    const deadline = Date.now() + ms
    while (this.of(id).length < count) {
      if (this.closed) throw new Error('socket closed')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`subscription ${id}: ${this.of(id).length} of ${count} notifications after ${ms} ms`)
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.#waiters.delete(done)
          resolve()
        }
        const timer = setTimeout(done, left)
        this.#waiters.add(done)
      })
    }
    return this.of(id)
  }

  close(): void {
    this.#socket.close()
  }
}
