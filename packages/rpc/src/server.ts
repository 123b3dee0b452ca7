// The fastify app: POST / for JSON-RPC over HTTP, GET / upgraded to WebSocket on the same
// port, CORS, GET /metrics. Built, not listening: the node calls `listen`.
import cors from '@fastify/cors'
import websocket from '@fastify/websocket'
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { BlockView, LogView, RpcBackend } from './backend.ts'
import type { HandlerContext } from './context.ts'
import { deadlineAfter } from './deadline.ts'
import { Dispatcher, type CallObserver } from './dispatcher.ts'
import { JsonDepthGuard, MAX_JSON_DEPTH, withinJsonDepth } from './json-guard.ts'
import { serveExplorer } from './explorer-route.ts'
import { ErrorCode } from './errors.ts'
import { FilterManager } from './filter-manager.ts'
import { liveness, readiness, type HealthAnswer } from './health.ts'
import { GasPriceOracle } from './methods/eth/fee.ts'
import { rpcMethods } from './methods/rpc.ts'
import { allMethods } from './methods/index.ts'
import { resolveOptions, type RpcOptions } from './options.ts'
import { SubscriptionHub, type SocketLike } from './subscriptions.ts'

export interface RpcServerDeps {
  logger: Logger
  /** Registry for rpc_* metrics and for GET /metrics; null = no metrics, no /metrics route. */
  metrics: Registry | null
  /** The built city explorer to serve at /explorer/ (absent: not served). */
  explorerDir?: string
}

/** How long closing waits for requests in flight before dropping their connections. */
const SHUTDOWN_GRACE_MS = 5000

/** The body of an HTTP request refused while it was read because it nests too deeply. */
const TOO_DEEP = Symbol('too deep')
const tooDeep = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: ErrorCode.ParseError, message: `parse error: nested deeper than ${MAX_JSON_DEPTH} levels` } })

function tooLarge(): Error {
  return Object.assign(new Error('request body too large'), { statusCode: 413 })
}

/**
 * Reads a request body as text, whatever its content type (curl's default form type included,
 * and a syntax error answers -32700 rather than fastify's 400), enforcing the size limit and
 * refusing a body that nests too deeply as soon as that shows, without reading the rest.
 */
function readBody(payload: NodeJS.ReadableStream, announcedBytes: number, maxBytes: number, done: (err: Error | null, body?: unknown) => void): void {
  // A Content-Length over the limit is refused before a byte of the body is read.
  if (announcedBytes > maxBytes) return done(tooLarge())
  const guard = new JsonDepthGuard()
  const chunks: Buffer[] = []
  let size = 0
  let finished = false
  const finish = (err: Error | null, body?: unknown) => {
    if (finished) return
    finished = true
    payload.removeListener('data', onData)
    // A refused body is not read further: the connection closes once the answer is out.
    if (err !== null || body === TOO_DEEP) payload.pause()
    done(err, body)
  }
  const onData = (chunk: Buffer) => {
    size += chunk.length
    if (size > maxBytes) return finish(tooLarge())
    if (!guard.feed(chunk)) return finish(null, TOO_DEEP)
    chunks.push(chunk)
  }
  payload.on('data', onData)
  payload.on('end', () => finish(null, Buffer.concat(chunks, size).toString('utf8')))
  payload.on('error', (err: Error) => finish(err))
}

/**
 * Answers a refused body and closes the connection once the answer is out, so the client cannot
 * keep streaming megabytes through the thread that seals.
 */
function refuseAndClose(reply: FastifyReply, status: number, body: string): FastifyReply {
  reply.raw.once('finish', () => reply.request.raw.socket.destroy())
  return reply.code(status).header('content-type', 'application/json').header('connection', 'close').send(body)
}

/** Aborts when the HTTP client closes its connection before `reply` is sent. */
function clientGone(reply: FastifyReply): AbortSignal {
  const gone = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort()
  })
  return gone.signal
}

function errorBody(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } })
}

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create()
}

function instrument(registry: Registry, hub: SubscriptionHub, filters: FilterManager): CallObserver {
  const requests = getOrCreate(
    registry,
    'rpc_requests_total',
    () => new Counter({ name: 'rpc_requests_total', help: 'JSON-RPC calls by method and outcome', labelNames: ['method', 'outcome'], registers: [registry] }),
  )
  const duration = getOrCreate(
    registry,
    'rpc_request_duration_seconds',
    () =>
      new Histogram({
        name: 'rpc_request_duration_seconds',
        help: 'JSON-RPC call duration by method',
        labelNames: ['method'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
  )
  // Gauges read this server's state; a rebuilt server replaces them.
  const gauge = (name: string, help: string, read: () => number): void => {
    registry.removeSingleMetric(name)
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()) } })
  }
  gauge('rpc_ws_connections', 'Open WebSocket connections', () => hub.connectionCount)
  gauge('rpc_subscriptions', 'Live eth_subscribe subscriptions', () => hub.subscriptionCount)
  gauge('rpc_filters', 'Installed polling filters', () => filters.size)
  return (method, outcome, seconds) => {
    requests.inc({ method, outcome })
    duration.observe({ method }, seconds)
  }
}

function originAllowed(origins: string[], origin: string | undefined): boolean {
  // Clients that are not browsers send no Origin; geth lets them in too.
  return origin === undefined || origins.includes('*') || origins.includes(origin)
}

function hostAllowed(vhosts: string[], host: string | undefined): boolean {
  if (vhosts.includes('*')) return true
  if (host === undefined) return true
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]
  return vhosts.includes(name.toLowerCase())
}

/**
 * Builds the JSON-RPC server over `backend`. Returns a fastify instance that is not listening;
 * closing it stops filters and subscriptions and detaches from the backend's events.
 */
export function buildRpcServer(backend: RpcBackend, options: RpcOptions = {}, deps: RpcServerDeps): FastifyInstance {
  const opts = resolveOptions(options)
  // The node may already hand over a child bound to module 'rpc'; do not bind it twice.
  const log = deps.logger.bindings().module === 'rpc' ? deps.logger : deps.logger.child({ module: 'rpc' })
  const filters = new FilterManager({ timeoutMs: opts.filterTimeoutMs, maxBuffered: opts.filterMaxBuffered, maxFilters: opts.maxFilters })
  const hub = new SubscriptionHub(backend, log, {
    maxPerConnection: opts.maxSubscriptionsPerConnection,
    maxBufferedBytes: opts.wsMaxBufferedBytes,
    maxConnections: opts.maxWsConnections,
    maxSubscriptions: opts.maxSubscriptions,
  })
  const observe = deps.metrics === null ? undefined : instrument(deps.metrics, hub, filters)
  // A consensus namespace is served only when the node runs that engine (clique_* on Clique, qbft_* on QBFT).
  const hasBackend = (namespace: string) => (namespace === 'clique' ? backend.clique !== undefined : namespace === 'qbft' ? backend.qbft !== undefined : true)
  const served = Object.fromEntries(
    Object.entries(allMethods).filter(([name]) => {
      const namespace = name.slice(0, name.indexOf('_'))
      return opts.namespaces.includes(namespace) && hasBackend(namespace)
    }),
  )
  const namespaces = [...new Set(Object.keys(served).map((name) => name.slice(0, name.indexOf('_'))))]
  const dispatcher = new Dispatcher({ ...served, ...rpcMethods(namespaces) }, { maxBatchSize: opts.maxBatchSize, maxBatchResponseBytes: opts.maxBatchResponseBytes }, log, observe)
  const services: HandlerContext = { backend, options: opts, filters, gasOracle: new GasPriceOracle(backend, opts.gasPriceOracle), logger: log }

  const app = Fastify({
    loggerInstance: log,
    // Per-request access logs would drown the node's log; calls are logged at debug by the dispatcher.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.maxBodyBytes,
    // Slow-loris guard: a request must arrive whole within 30 s (geth's HTTP read timeout).
    requestTimeout: 30_000,
    return503OnClosing: true,
  }) as unknown as FastifyInstance

  // Chain events feed filters and subscriptions; a failure there must never reach the chain.
  const onNewHead = (head: BlockView, logs: LogView[], removedLogs: LogView[]): void => {
    try {
      filters.onNewHead(head.hash, removedLogs)
      hub.onNewHead(head, logs, removedLogs)
    } catch (err) {
      log.error({ err }, 'delivering a new head to filters and subscriptions failed')
    }
  }
  const onPendingTransaction = (hash: Uint8Array): void => {
    try {
      filters.onPendingTransaction(hash)
      hub.onPendingTransaction(hash)
    } catch (err) {
      log.error({ err }, 'delivering a pending transaction to filters and subscriptions failed')
    }
  }
  backend.events.on('newHead', onNewHead)
  backend.events.on('pendingTransaction', onPendingTransaction)
  app.addHook('onClose', async () => {
    backend.events.off('newHead', onNewHead)
    backend.events.off('pendingTransaction', onPendingTransaction)
    filters.close()
    hub.closeAll()
  })

  // Closing waits for requests in flight, but a client that never finishes sending its body
  // must not hold the node open: past a grace period the remaining connections are dropped
  // (geth's HTTP server gives shutdown 5 s the same way).
  app.addHook('preClose', (done) => {
    const force = setTimeout(() => {
      log.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'HTTP server graceful shutdown timed out; closing the remaining connections')
      app.server.closeAllConnections()
    }, SHUTDOWN_GRACE_MS)
    force.unref()
    app.server.once('close', () => clearTimeout(force))
    done()
  })

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!hostAllowed(opts.vhosts, request.headers.host)) {
      return reply.code(403).header('content-type', 'application/json').send(errorBody(ErrorCode.InvalidRequest, 'invalid host specified'))
    }
  })

  app.register(cors, {
    origin: opts.corsOrigins.includes('*') ? '*' : opts.corsOrigins,
    methods: ['POST', 'GET', 'OPTIONS'],
    maxAge: 600,
  })
  app.register(websocket, {
    options: { maxPayload: opts.wsMaxMessageBytes },
    // A client's protocol error (ws is closing the socket already) is not the node's fault: one
    // line, no stack, and only the oversized message at warn. A handler's own failure is.
    errorHandler: (error: Error & { code?: string }, socket: { terminate(): void }, request: FastifyRequest) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        log.warn({ remoteAddress: request.socket.remoteAddress, limitBytes: opts.wsMaxMessageBytes }, 'websocket message over the size limit; connection closed (1009)')
      } else if (error.code?.startsWith('WS_ERR_') === true || error.code === 'ECONNRESET') {
        log.debug({ remoteAddress: request.socket.remoteAddress, code: error.code, reason: error.message }, 'websocket protocol error; connection closed')
      } else log.error({ err: error }, 'websocket handler failed')
      // ws has sent its close frame for a protocol error (1009 for an oversized message) and
      // drops the socket once the client answers or after its close timeout: terminating now
      // could reset the connection before the client reads why (it would see 1006).
      if (error.code?.startsWith('WS_ERR_') !== true) socket.terminate()
    },
  })

  if (deps.explorerDir !== undefined) serveExplorer(app, deps.explorerDir)

  app.register(async (api) => {
    // Every body is read as text whatever its content type: curl's default form type is
    // accepted, and a JSON syntax error answers -32700 rather than fastify's 400.
    api.removeAllContentTypeParsers()
    api.addContentTypeParser('*', (request, payload, done) => readBody(payload, Number(request.headers['content-length'] ?? 0), opts.maxBodyBytes, done))

    api.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
      reply.header('content-type', 'application/json')
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
        return refuseAndClose(reply, 413, errorBody(ErrorCode.InvalidRequest, `request body too large (limit ${opts.maxBodyBytes} bytes)`))
      }
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return reply.code(err.statusCode).send(errorBody(ErrorCode.InvalidRequest, err.message))
      }
      request.log.error({ err }, 'rpc transport error')
      return reply.code(500).send(errorBody(ErrorCode.Internal, 'internal error'))
    })

    api.setNotFoundHandler((_request, reply) =>
      reply.code(404).header('content-type', 'application/json').send(errorBody(ErrorCode.InvalidRequest, 'not found: JSON-RPC is served at /')),
    )

    api.post('/', async (request, reply) => {
      const body = typeof request.body === 'string' ? request.body : ''
      if (request.body === TOO_DEEP) return refuseAndClose(reply, 200, tooDeep)
      const response = await dispatcher.handle(body, { ...services, deadline: deadlineAfter(opts.callTimeoutMs), cancelled: clientGone(reply) })
      reply.header('content-type', 'application/json')
      return reply.send(response ?? '')
    })

    api.route({
      method: 'GET',
      url: '/',
      // Browsers' WebSocket upgrades carry an Origin; refuse the ones not allowed.
      preValidation: async (request, reply) => {
        if (request.ws && !originAllowed(opts.corsOrigins, request.headers.origin)) {
          return reply.code(403).header('content-type', 'application/json').send(errorBody(ErrorCode.InvalidRequest, 'origin not allowed'))
        }
      },
      // A plain GET (health checks) gets an empty 200, as geth.
      handler: async (_request, reply) => reply.code(200).send(''),
      wsHandler: (socket: SocketLike & { on(event: string, listener: (...args: any[]) => void): void }) => {
        const connection = hub.connect(socket)
        if (connection === undefined) return
        const closed = new AbortController()
        socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
          const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)
          if (!withinJsonDepth(bytes)) return connection.send(tooDeep)
          const text = bytes.toString('utf8')
          // Messages run concurrently; each one's new subscriptions start after its own answer.
          const scope = connection.scope()
          const ctx: HandlerContext = { ...services, connection: scope, deadline: deadlineAfter(opts.callTimeoutMs), cancelled: closed.signal }
          dispatcher.handle(text, ctx).then(
            (response) => {
              if (response !== undefined) connection.send(response)
              scope.activate()
            },
            (err: unknown) => log.error({ err }, 'websocket message handling failed'),
          )
        })
        socket.on('close', () => {
          closed.abort()
          connection.close()
        })
      },
    })

    // Besu's health endpoints (health.ts).
    const health = (reply: FastifyReply, answer: HealthAnswer) => reply.code(answer.statusCode).header('content-type', 'application/json').send(JSON.stringify(answer.body))
    api.get('/liveness', async (_request, reply) => health(reply, liveness()))
    api.get('/readiness', async (request, reply) => health(reply, readiness(backend.network, request.query as Record<string, unknown>, opts.minPeers)))

    const registry = deps.metrics
    if (registry !== null) {
      api.get('/metrics', async (_request, reply) => {
        reply.header('content-type', registry.contentType)
        return reply.send(await registry.metrics())
      })
    }
  })

  return app
}
