// An in-test RpcBackend: a few real blocks built with EthereumJS, and hooks tests override.
// It satisfies the interface only as far as the tested methods need.
import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import { createBlock, type Block } from '@ethereumjs/block'
import { createFeeMarket1559Tx, createLegacyTx, type TypedTransaction } from '@ethereumjs/tx'
import { hexToBytes } from '@ethereumjs/util'
import pino, { type Logger } from 'pino'
import { createChainCommon, devAccounts, devGenesis, privateKeyToAddress } from '@busan/chain-config'
import type { FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
import { buildRpcServer, type RpcOptions } from '../src/index.ts'
import type {
  BlockView,
  CallRequest,
  CallResult,
  CliqueSnapshotView,
  LogFilter,
  LogView,
  ReceiptView,
  RpcBackend,
  StateView,
  TransactionView,
} from '../src/backend.ts'

export const common = createChainCommon(devGenesis())
export const CHAIN_ID = common.chainId()
const key = hexToBytes(devAccounts(1)[0].privateKey as `0x${string}`)
export const SENDER = privateKeyToAddress(key)
export const SIGNER = SENDER
export const TO = hexToBytes('0x1111111111111111111111111111111111111111')
export const LOG_ADDRESS = hexToBytes('0x2222222222222222222222222222222222222222')
export const TOPIC_A = new Uint8Array(32).fill(0xaa)
export const TOPIC_B = new Uint8Array(32).fill(0xbb)

export function signed1559(nonce: number, tip = 2_000_000_000n): TypedTransaction {
  return createFeeMarket1559Tx(
    { nonce, to: TO, value: 5n, gasLimit: 21_000n, maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: tip, chainId: CHAIN_ID },
    { common },
  ).sign(key)
}

export function signedLegacy(nonce: number): TypedTransaction {
  return createLegacyTx({ nonce, to: TO, value: 1n, gasLimit: 21_000n, gasPrice: 3_000_000_000n }, { common }).sign(key)
}

function makeBlock(number: bigint, parent: Uint8Array, transactions: TypedTransaction[], gasUsed: bigint): Block {
  return createBlock(
    {
      header: {
        number,
        parentHash: parent,
        gasLimit: 30_000_000n,
        gasUsed,
        timestamp: 1_000n + number * 2n,
        baseFeePerGas: 1_000_000_000n,
        difficulty: 2n,
        extraData: new Uint8Array(97),
      },
      transactions,
    },
    { common, freeze: false },
  )
}

export function view(block: Block): BlockView {
  return { block, hash: block.hash(), senders: block.transactions.map(() => SENDER), totalDifficulty: block.header.number * 2n + 1n, size: 600 }
}

export function makeLog(blockView: BlockView, overrides: Partial<LogView> = {}): LogView {
  return {
    address: LOG_ADDRESS,
    topics: [TOPIC_A],
    data: new Uint8Array([1, 2]),
    blockNumber: blockView.block.header.number,
    blockHash: blockView.hash,
    blockTimestamp: blockView.block.header.timestamp,
    transactionHash: new Uint8Array(32).fill(7),
    transactionIndex: 0,
    logIndex: 0,
    removed: false,
    ...overrides,
  }
}

export interface TestBackend extends RpcBackend {
  events: EventEmitter & RpcBackend['events']
  blocks: BlockView[]
  /** Appends a block (with optional transactions) and returns its view, without emitting. */
  addBlock(transactions?: TypedTransaction[]): BlockView
  hooks: {
    call?: (request: CallRequest, block: BlockView, options: { gasCap: bigint; withAccessList?: boolean; signal?: AbortSignal }) => Promise<CallResult>
    estimateGas?: (request: CallRequest, block: BlockView, options: { gasCap: bigint; signal?: AbortSignal }) => Promise<bigint>
    addRaw?: (raw: Uint8Array) => Promise<Uint8Array>
    logs?: (filter: LogFilter) => Promise<LogView[]>
    transaction?: (hash: Uint8Array) => Promise<TransactionView | undefined>
    balance?: (address: Uint8Array, block: BlockView) => Promise<bigint>
  }
  pendingNonces: Map<string, bigint>
  pool: RpcBackend['pool'] & { contentValue: { pending: Map<string, Map<bigint, TransactionView>>; queued: Map<string, Map<bigint, TransactionView>> } }
}

const hexKey = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export function createTestBackend(): TestBackend {
  const genesis = view(makeBlock(0n, new Uint8Array(32), [], 0n))
  const blocks: BlockView[] = [genesis]
  const events = new EventEmitter() as TestBackend['events']
  const hooks: TestBackend['hooks'] = {}
  const pendingNonces = new Map<string, bigint>()
  const byHash = (hash: Uint8Array): BlockView | undefined => blocks.find((b) => hexKey(b.hash) === hexKey(hash))
  const contentValue = { pending: new Map(), queued: new Map() }

  const proposals = new Map<string, boolean>()
  const backend: TestBackend = {
    blocks,
    events,
    hooks,
    pendingNonces,
    addBlock(transactions = []) {
      const parent = blocks[blocks.length - 1]
      const v = view(makeBlock(BigInt(blocks.length), parent.hash, transactions, 21_000n * BigInt(transactions.length)))
      blocks.push(v)
      return v
    },
    chain: {
      common,
      chainId: CHAIN_ID,
      latest: () => blocks[blocks.length - 1],
      finalized: async () => blocks[Math.max(0, blocks.length - 3)],
      blockByNumber: async (n) => blocks[Number(n)],
      blockByHash: async (hash) => byHash(hash),
      isCanonical: async (hash) => byHash(hash) !== undefined,
      transaction: async (hash) => (hooks.transaction ? hooks.transaction(hash) : undefined),
      receipts: async (v): Promise<ReceiptView[]> =>
        v.block.transactions.map((tx, i) => ({
          transactionHash: tx.hash(),
          transactionIndex: i,
          blockHash: v.hash,
          blockNumber: v.block.header.number,
          from: SENDER,
          to: TO,
          contractAddress: undefined,
          cumulativeGasUsed: 21_000n * BigInt(i + 1),
          gasUsed: 21_000n,
          effectiveGasPrice: 3_000_000_000n,
          status: 1,
          type: tx.type,
          logsBloom: new Uint8Array(256),
          logs: [makeLog(v, { transactionHash: tx.hash(), transactionIndex: i, logIndex: i })],
        })),
      receipt: async () => undefined,
      gasUsedPerTransaction: async (v) => v.block.transactions.map(() => 21_000n),
      logs: async (filter) => (hooks.logs ? hooks.logs(filter) : []),
      state: (v): StateView => ({
        getBalance: async (address) => (hooks.balance ? hooks.balance(address, v) : 1000n),
        getNonce: async () => 3n,
        getCode: async () => new Uint8Array([0x60, 0x00]),
        getStorageAt: async () => new Uint8Array(32).fill(1),
        getProof: async (address, slots) => ({
          address,
          balance: 1000n,
          nonce: 3n,
          codeHash: new Uint8Array(32),
          storageHash: new Uint8Array(32),
          accountProof: [new Uint8Array([0xc0])],
          storageProof: slots.map((k) => ({ key: k, value: 0n, proof: [] })),
        }),
      }),
      call: async (request, block, options) => (hooks.call ? hooks.call(request, block, options) : { returnData: new Uint8Array([0xab]), gasUsed: 21_000n }),
      estimateGas: async (request, block, options) => (hooks.estimateGas ? hooks.estimateGas(request, block, options) : 21_000n),
      // Tracing re-executes real blocks: it is tested over a real node (test/e2e/debug-*).
      traceBlock: async () => Promise.reject(new Error('no tracing in the RPC unit tests')),
      traceRawBlock: async () => Promise.reject(new Error('no tracing in the RPC unit tests')),
      traceCall: async () => Promise.reject(new Error('no tracing in the RPC unit tests')),
      simulate: async () => Promise.reject(new Error('no simulation in the RPC unit tests')),
      buildBlock: async () => Promise.reject(new Error('no block building in the RPC unit tests')),
      badBlocks: () => [],
    },
    // The address index is tested over a real node (test/e2e/ots-*).
    addresses: {
      history: async () => ({ transactions: [], receipts: [], exhausted: true }),
      bySenderAndNonce: async () => undefined,
      creator: async () => undefined,
    },
    pool: {
      addRaw: async (raw) => (hooks.addRaw ? hooks.addRaw(raw) : new Uint8Array(32).fill(9)),
      cacheSenders: async () => undefined,
      pendingNonce: async (address) => pendingNonces.get(hexKey(address)) ?? 0n,
      status: () => ({ pending: 2, queued: 1 }),
      content: () => contentValue,
      contentValue,
    },
    clique: {
      snapshot: async (v): Promise<CliqueSnapshotView> => ({
        number: v.block.header.number,
        hash: v.hash,
        signers: [TO, SIGNER],
        recents: new Map([[v.block.header.number, SIGNER]]),
        votes: [{ signer: SIGNER, block: 1n, address: LOG_ADDRESS, authorize: true }],
        tally: new Map([[`0x${hexKey(LOG_ADDRESS)}`, { authorize: true, votes: 1 }]]),
      }),
      author: () => SIGNER,
      propose: (target, authorize) => proposals.set(`0x${hexKey(target)}`, authorize),
      discard: (target) => proposals.delete(`0x${hexKey(target)}`),
      proposals: () => proposals,
    },
    network: {
      peerCount: () => 3,
      listening: () => true,
      syncing: () => false,
      peers: () => [{ id: 'peer-a' }],
      nodeInfo: () => ({ id: 'self' }),
      addPeer: async (address) => address.includes('/p2p/'),
    },
    accounts: () => [SENDER],
    sign: () => undefined,
    clientVersion: 'Busan/v0.1.0-test',
  }
  return backend
}

/** A pino logger writing JSON lines into `lines`. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  return { logger: pino({ level: 'debug' }, stream), lines }
}

export interface Harness {
  app: FastifyInstance
  backend: TestBackend
  registry: Registry
  lines: Record<string, unknown>[]
  /** POSTs one JSON-RPC body (object or raw string) and returns the parsed response. */
  rpc(body: unknown): Promise<any>
  call(method: string, params?: unknown[]): Promise<any>
}

export async function createHarness(options: RpcOptions = {}, backend = createTestBackend()): Promise<Harness> {
  const { logger, lines } = captureLogger()
  const registry = new Registry()
  const app = buildRpcServer(backend, options, { logger, metrics: registry })
  await app.ready()
  let nextId = 1
  const rpc = async (body: unknown): Promise<any> => {
    const res = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    })
    return res.body === '' ? undefined : JSON.parse(res.body)
  }
  return {
    app,
    backend,
    registry,
    lines,
    rpc,
    call: (method, params = []) => rpc({ jsonrpc: '2.0', id: nextId++, method, params }),
  }
}
