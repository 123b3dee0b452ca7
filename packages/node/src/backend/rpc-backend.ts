import { EventEmitter } from 'node:events'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import type { Chain, CliqueEngine, HeadChange } from '@busan/chain'
import type { BlockView, ChainEvents, CliqueSnapshotView, ConsensusBackend, LogView, NetworkBackend, PoolBackend, PoolContent, RpcBackend, TransactionView } from '@busan/rpc'
import type { PooledTransaction, TxPool } from '@busan/txpool'
import type { RpcWorkerPool } from '../rpc-workers/index.ts'
import { NodeChainBackend } from './chain-backend.ts'
import { blockLogs } from './receipts.ts'

function pooledView(pooled: PooledTransaction): TransactionView {
  return { tx: pooled.tx, hash: pooled.hash, sender: pooled.sender }
}

function poolBackend(pool: TxPool, chain: NodeChainBackend): PoolBackend {
  const viewMap = (source: Map<string, Map<bigint, PooledTransaction>>) =>
    new Map([...source].map(([sender, byNonce]) => [sender, new Map([...byNonce].map(([nonce, pooled]) => [nonce, pooledView(pooled)]))]))
  return {
    // Submitted through this node: journaled and rebroadcast until mined.
    addRaw: async (raw) => (await pool.addRaw(raw, { local: true })).hash,
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

function consensusBackend(engine: CliqueEngine): ConsensusBackend {
  return {
    async snapshot(view: BlockView): Promise<CliqueSnapshotView> {
      const snapshot = engine.snapshot(view.hash)
      const bytes = (hex: string) => hexToBytes(hex as `0x${string}`)
      return {
        number: snapshot.number,
        hash: bytes(snapshot.hash),
        signers: snapshot.signers.map(bytes),
        recents: new Map([...snapshot.recents].map(([n, signer]) => [n, bytes(signer)])),
        votes: snapshot.votes.map((vote) => ({ signer: bytes(vote.signer), block: vote.block, address: bytes(vote.address), authorize: vote.authorize })),
        tally: snapshot.tally,
      }
    },
    author: (view) => engine.author(view.block.header),
    propose: (address, authorize) => engine.proposals.set(bytesToHex(address), authorize),
    discard: (address) => engine.proposals.delete(bytesToHex(address)),
    proposals: () => new Map(engine.proposals),
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
  engine: CliqueEngine
  pool: TxPool
  accounts: Uint8Array[]
  clientVersion: string
  network: NetworkBackend
  /** Runs the heavy methods (calls, proofs, log queries) off the main thread. */
  workers: RpcWorkerPool
}): RpcBackend {
  const chainBackend = new NodeChainBackend(args.chain, args.engine, args.pool, args.workers)
  return {
    chain: chainBackend,
    pool: poolBackend(args.pool, chainBackend),
    consensus: consensusBackend(args.engine),
    events: chainEvents(args.chain, args.pool, chainBackend),
    network: args.network,
    accounts: () => args.accounts,
    clientVersion: args.clientVersion,
  }
}
