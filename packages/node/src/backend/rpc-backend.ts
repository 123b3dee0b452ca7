import { EventEmitter } from 'node:events'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import type { Chain, ChainConsensus, HeadChange, QbftValidatorService } from '@busan/chain'
import { privateKeyToAddress, signDigest } from '@busan/chain-config'
import type { ChainEvents, LogView, NetworkBackend, PoolBackend, PoolContent, RpcBackend, TransactionView } from '@busan/rpc'
import type { PooledTransaction, TxPool } from '@busan/txpool'
import type { RpcWorkerPool } from '../rpc-workers/index.ts'
import { addressIndexBackend } from './address-index.ts'
import { NodeChainBackend } from './chain-backend.ts'
import { cliqueBackend, qbftBackend } from './consensus-backends.ts'
import { blockLogs } from './receipts.ts'

function pooledView(pooled: PooledTransaction): TransactionView {
  return { tx: pooled.tx, hash: pooled.hash, sender: pooled.sender, networkRaw: pooled.networkRaw }
}

function poolBackend(pool: TxPool, chain: NodeChainBackend): PoolBackend {
  const viewMap = (source: Map<string, Map<bigint, PooledTransaction>>) =>
    new Map([...source].map(([sender, byNonce]) => [sender, new Map([...byNonce].map(([nonce, pooled]) => [nonce, pooledView(pooled)]))]))
  return {
    // Submitted through this node: journaled and rebroadcast until mined.
    addRaw: async (raw) => (await pool.addRaw(raw, { local: true })).hash,
    cacheSenders: (raws) => pool.cacheSenders(raws),
    // The pool catches up with a new head asynchronously; a client that saw the block may
    // ask before it has, so the head state's nonce is a floor.
    pendingNonce: async (address) => {
      const [pooled, mined] = await Promise.all([pool.pendingNonce(address), chain.state(chain.latest()).getNonce(address)])
      return pooled > mined ? pooled : mined
    },
    status: () => pool.status(),
    content: (): PoolContent => {
      const content = pool.content()
      return { pending: viewMap(content.pending), queued: viewMap(content.queued) }
    },
  }
}

/** Turns chain head changes and pool arrivals into the events filters and subscriptions use. */
function chainEvents(chain: Chain, pool: TxPool, backend: NodeChainBackend): ChainEvents {
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  const logsOf = (blocks: HeadChange['added'], removed: boolean): LogView[] =>
    blocks.flatMap(({ block, senders, receipts }) => blockLogs({ ...backend.view(block), senders }, receipts, removed).flat())
  chain.on('head', (change) => {
    if (emitter.listenerCount('newHead') === 0) return
    const head = backend.view(change.head.block)
    emitter.emit('newHead', head, logsOf(change.added, false), logsOf(change.removed, true))
  })
  pool.events.on('pending', (pooled: PooledTransaction) => emitter.emit('pendingTransaction', pooled.hash))
  return emitter as unknown as ChainEvents
}

export function createRpcBackend(args: {
  chain: Chain
  consensus: ChainConsensus
  /** This node's QBFT validator, when it is one (its header votes). */
  qbftValidator?: QbftValidatorService
  pool: TxPool
  /** Private keys the node signs with for eth_sendTransaction and the eth_sign family (the dev accounts in dev mode). */
  accountKeys: Uint8Array[]
  clientVersion: string
  network: NetworkBackend
  /** Runs the heavy methods (calls, proofs, log queries) off the main thread. */
  workers: RpcWorkerPool
}): RpcBackend {
  const chainBackend = new NodeChainBackend(args.chain, args.pool, args.workers)
  const keys = new Map(args.accountKeys.map((key) => [bytesToHex(privateKeyToAddress(key)), key]))
  const accounts = [...keys.keys()].map((address) => hexToBytes(address as `0x${string}`))
  return {
    chain: chainBackend,
    addresses: addressIndexBackend(args.chain, chainBackend),
    pool: poolBackend(args.pool, chainBackend),
    clique: args.consensus.clique === undefined ? undefined : cliqueBackend(args.consensus.clique),
    qbft: args.consensus.qbft === undefined ? undefined : qbftBackend(args.chain, args.consensus.qbft, args.qbftValidator),
    events: chainEvents(args.chain, args.pool, chainBackend),
    network: args.network,
    accounts: () => accounts,
    sign: (address, digest) => {
      const key = keys.get(bytesToHex(address))
      if (key === undefined) return undefined
      const { r, s, recovery } = signDigest(digest, key)
      return { r, s, yParity: recovery }
    },
    clientVersion: args.clientVersion,
  }
}
