// eth_subscribe over WebSocket: newHeads, logs (with removed logs on reorgs) and
// newPendingTransactions (hashes, or full transactions when asked). One hub fans the chain's
// events out to every subscription; each connection owns its subscriptions and drops them
// when it closes. A subscription's notifications wait until the reply carrying its id went out.
import type { Logger } from 'pino'
import type { BlockView, LogView, RpcBackend } from './backend.ts'
import { limitExceeded } from './errors.ts'
import { newId } from './filter-manager.ts'
import { logMatches } from './filters.ts'
import { formatHeader, formatLog, formatTransactionView, hex } from './format.ts'
import type { FilterCriteria } from './param-objects.ts'

/** The part of a ws WebSocket the hub uses. */
export interface SocketLike {
  send(data: string): void
  close(code?: number, reason?: string): void
  readonly bufferedAmount: number
  readonly readyState: number
}

const OPEN = 1

export type SubscriptionKind = 'newHeads' | 'logs' | 'newPendingTransactions'

interface Subscription {
  readonly id: string
  readonly kind: SubscriptionKind
  readonly connection: Connection
  readonly criteria?: FilterCriteria
  readonly fullTransactions?: boolean
  active: boolean
  queue: string[]
}

/** A slice of subscription work stops after this long and lets the event loop run (sealing, imports, reads). */
const SLICE_MS = 4

/** Visits `items`, giving the event loop back whenever a slice of SLICE_MS has passed. */
async function sliced<T>(items: Iterable<T>, visit: (item: T) => void): Promise<void> {
  let started = performance.now()
  let count = 0
  for (const item of items) {
    visit(item)
    if (++count % 64 === 0 && performance.now() - started > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve))
      started = performance.now()
    }
  }
}

function notification(id: string, resultJson: string): string {
  return `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${id}","result":${resultJson}}}`
}

export class Connection {
  readonly #hub: SubscriptionHub
  readonly #socket: SocketLike
  readonly #subscriptions = new Map<string, Subscription>()
  #closed = false

  constructor(hub: SubscriptionHub, socket: SocketLike) {
    this.#hub = hub
    this.#socket = socket
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size
  }

  get closed(): boolean {
    return this.#closed
  }

  /** A view for one incoming message: subscriptions it creates stay silent until `activate`. */
  scope(): SubscriptionScope {
    return new SubscriptionScope(this)
  }

  /** Creates a subscription, silent until activated (after the reply carrying its id went out). */
  subscribe(kind: SubscriptionKind, options: { criteria?: FilterCriteria; fullTransactions?: boolean } = {}): Subscription {
    if (this.#subscriptions.size >= this.#hub.maxPerConnection) {
      throw limitExceeded(`too many subscriptions on this connection (max ${this.#hub.maxPerConnection})`)
    }
    if (this.#hub.subscriptionCount >= this.#hub.maxSubscriptions) throw limitExceeded(`too many subscriptions on this server (max ${this.#hub.maxSubscriptions})`)
    const sub: Subscription = { id: newId(), kind, connection: this, ...options, active: false, queue: [] }
    this.#subscriptions.set(sub.id, sub)
    this.#hub.add(sub)
    return sub
  }

  unsubscribe(id: string): boolean {
    const sub = this.#subscriptions.get(id)
    if (sub === undefined) return false
    this.#subscriptions.delete(id)
    this.#hub.remove(sub)
    return true
  }

  /** Lets a subscription notify, sending what it queued meanwhile, oldest first. */
  activate(sub: Subscription): void {
    if (sub.active) return
    sub.active = true
    const queued = sub.queue
    sub.queue = []
    if (this.#subscriptions.get(sub.id) === sub) for (const text of queued) this.send(text)
  }

  notify(sub: Subscription, resultJson: string): void {
    const text = notification(sub.id, resultJson)
    if (!sub.active) sub.queue.push(text)
    else this.send(text)
  }

  send(text: string): void {
    if (this.#closed || this.#socket.readyState !== OPEN) return
    this.#socket.send(text)
    if (this.#socket.bufferedAmount > this.#hub.maxBufferedBytes) {
      this.#hub.logger.warn({ buffered: this.#socket.bufferedAmount }, 'closing websocket client that does not read its notifications')
      this.#socket.close(1008, 'client too slow')
      this.close()
    }
  }

  /** Drops every subscription (the socket closed). */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const sub of this.#subscriptions.values()) this.#hub.remove(sub)
    this.#subscriptions.clear()
    this.#hub.disconnect(this)
  }
}

/** The connection as one message's calls see it; `activate` after the message was answered. */
export class SubscriptionScope {
  readonly #connection: Connection
  readonly #created: Subscription[] = []

  constructor(connection: Connection) {
    this.#connection = connection
  }

  subscribe(kind: SubscriptionKind, options: { criteria?: FilterCriteria; fullTransactions?: boolean } = {}): string {
    const sub = this.#connection.subscribe(kind, options)
    this.#created.push(sub)
    return sub.id
  }

  unsubscribe(id: string): boolean {
    return this.#connection.unsubscribe(id)
  }

  activate(): void {
    for (const sub of this.#created) this.#connection.activate(sub)
    this.#created.length = 0
  }
}

export class SubscriptionHub {
  readonly logger: Logger
  readonly maxPerConnection: number
  readonly maxBufferedBytes: number
  readonly maxConnections: number
  readonly maxSubscriptions: number
  readonly #backend: RpcBackend
  readonly #connections = new Set<Connection>()
  readonly #byKind: Record<SubscriptionKind, Set<Subscription>> = {
    newHeads: new Set(),
    logs: new Set(),
    newPendingTransactions: new Set(),
  }
  /** Notifications go out in order, one event's after the previous one's. */
  #deliveries: Promise<void> = Promise.resolve()

  constructor(backend: RpcBackend, logger: Logger, limits: { maxPerConnection: number; maxBufferedBytes: number; maxConnections: number; maxSubscriptions: number }) {
    this.#backend = backend
    this.logger = logger
    this.maxPerConnection = limits.maxPerConnection
    this.maxBufferedBytes = limits.maxBufferedBytes
    this.maxConnections = limits.maxConnections
    this.maxSubscriptions = limits.maxSubscriptions
  }

  /** A connection for `socket`, or undefined (the socket closed with 1013, try again later) when the server holds maxConnections. */
  connect(socket: SocketLike): Connection | undefined {
    if (this.#connections.size >= this.maxConnections) {
      this.logger.warn({ connections: this.#connections.size }, 'websocket connection refused: too many connections')
      socket.close(1013, 'too many connections')
      return undefined
    }
    const connection = new Connection(this, socket)
    this.#connections.add(connection)
    return connection
  }

  get connectionCount(): number {
    return this.#connections.size
  }

  get subscriptionCount(): number {
    return this.#byKind.newHeads.size + this.#byKind.logs.size + this.#byKind.newPendingTransactions.size
  }

  add(sub: Subscription): void {
    this.#byKind[sub.kind].add(sub)
  }

  remove(sub: Subscription): void {
    this.#byKind[sub.kind].delete(sub)
  }

  disconnect(connection: Connection): void {
    this.#connections.delete(connection)
  }

  /**
   * Notifies newHeads and logs subscriptions of a new head (a reorg's removed logs first, as
   * geth). Delivery runs after earlier deliveries, in slices that give the event loop back
   * every few milliseconds: ten thousand subscriptions and a block of a hundred thousand logs
   * must not hold up the next block.
   */
  onNewHead(head: BlockView, logs: LogView[], removedLogs: LogView[]): void {
    const heads = this.#byKind.newHeads
    const logSubs = this.#byKind.logs
    if (heads.size === 0 && logSubs.size === 0) return
    this.#deliver(async () => {
      if (heads.size > 0) {
        const json = JSON.stringify(formatHeader(head.block.header, head.hash))
        await sliced(heads, (sub) => sub.connection.notify(sub, json))
      }
      if (logSubs.size === 0 || (logs.length === 0 && removedLogs.length === 0)) return
      const formatted = new Map<LogView, string>()
      const json = (log: LogView, removed: boolean): string => {
        let text = formatted.get(log)
        if (text === undefined) {
          text = JSON.stringify(formatLog(log, removed))
          formatted.set(log, text)
        }
        return text
      }
      await sliced(logSubs, (sub) => {
        const { addresses, topics } = sub.criteria as FilterCriteria
        for (const log of removedLogs) if (logMatches(log, addresses, topics)) sub.connection.notify(sub, json(log, true))
        for (const log of logs) if (logMatches(log, addresses, topics)) sub.connection.notify(sub, json(log, false))
      })
    })
  }

  onPendingTransaction(hash: Uint8Array): void {
    const subs = this.#byKind.newPendingTransactions
    if (subs.size === 0) return
    this.#deliver(async () => {
      const hashJson = `"${hex(hash)}"`
      let wantsFull = false
      await sliced(subs, (sub) => {
        if (sub.fullTransactions === true) wantsFull = true
        else sub.connection.notify(sub, hashJson)
      })
      if (!wantsFull) return
      const view = await this.#backend.chain.transaction(hash)
      if (view === undefined) return // already gone from the pool
      const json = JSON.stringify(formatTransactionView(view))
      await sliced(subs, (sub) => {
        if (sub.fullTransactions === true) sub.connection.notify(sub, json)
      })
    })
  }

  /** Runs `delivery` after the earlier ones, so notifications keep the chain's and the pool's order. */
  #deliver(delivery: () => Promise<void>): void {
    this.#deliveries = this.#deliveries.then(delivery).catch((err: unknown) => this.logger.error({ err }, 'delivering notifications to subscriptions failed'))
  }

  closeAll(): void {
    for (const connection of [...this.#connections]) connection.close()
  }
}
