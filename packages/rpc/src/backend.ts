// What the JSON-RPC layer needs from the node. The node's composition root implements these
// narrow interfaces over the chain, the pool and the consensus engine; the RPC package
// depends on nothing else of the node, so handlers stay testable and the dependency
// direction runs one way (storage -> chain -> pool/sealer -> rpc).
import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { TraceOptions } from '@busan/tracing'
import type { SimulatedBlock, SimulateRequest } from './backend-simulate.ts'
import type { BuildBlockRequest, BuiltPayload } from './backend-testing.ts'

/** A block as stored, with what formatting needs and the block alone does not give. */
export interface BlockView {
  block: Block
  hash: Uint8Array
  /** Sender of each transaction, in block order. */
  senders: Uint8Array[]
  totalDifficulty: bigint
  /** RLP-encoded size in bytes. */
  size: number
}

export interface LogView {
  address: Uint8Array
  topics: Uint8Array[]
  data: Uint8Array
  blockNumber: bigint
  blockHash: Uint8Array
  blockTimestamp: bigint
  transactionHash: Uint8Array
  transactionIndex: number
  /** Index of the log in the block. */
  logIndex: number
  /** True when a reorg dropped the block that held this log. */
  removed: boolean
}

export interface ReceiptView {
  transactionHash: Uint8Array
  transactionIndex: number
  blockHash: Uint8Array
  blockNumber: bigint
  from: Uint8Array
  to: Uint8Array | undefined
  contractAddress: Uint8Array | undefined
  cumulativeGasUsed: bigint
  gasUsed: bigint
  effectiveGasPrice: bigint
  status: 0 | 1
  /** Before Byzantium: the post-transaction state root, given instead of a status (EIP-658). */
  root?: Uint8Array
  /** Blob transactions (EIP-4844): blob gas used and the block's blob base fee, in wei. */
  blobGasUsed?: bigint
  blobGasPrice?: bigint
  /** EIP-2718 type (0 legacy, 1 access list, 2 EIP-1559, 3 blob, 4 EIP-7702). */
  type: number
  logsBloom: Uint8Array
  logs: LogView[]
}

/** A transaction with where it sits; block fields are absent while it is in the pool. */
export interface TransactionView {
  tx: TypedTransaction
  hash: Uint8Array
  sender: Uint8Array
  /** A pooled blob transaction's network form (with its sidecar). */
  networkRaw?: Uint8Array
  blockHash?: Uint8Array
  blockNumber?: bigint
  /** Timestamp of the including block, in seconds (the transaction's `blockTimestamp`). */
  blockTimestamp?: bigint
  index?: number
  /** Base fee of the including block, for `gasPrice` of EIP-1559 transactions. */
  blockBaseFee?: bigint
}

export interface LogFilter {
  fromBlock: bigint
  toBlock: bigint
  /** Empty means any address. */
  addresses: Uint8Array[]
  /** Per position: undefined/null = wildcard, otherwise any of the listed topics. */
  topics: (Uint8Array[] | null)[]
  /** One block's logs (any stored block, canonical or not) instead of the range. */
  blockHash?: Uint8Array
  /**
   * The caller refuses more than this many logs (0 = no limit): the backend may stop
   * collecting once it has `limit + 1`, so an over-wide query costs no more than that.
   */
  limit?: number
}

export interface AccountProof {
  address: Uint8Array
  balance: bigint
  nonce: bigint
  codeHash: Uint8Array
  storageHash: Uint8Array
  accountProof: Uint8Array[]
  storageProof: { key: Uint8Array; value: bigint; proof: Uint8Array[] }[]
}

/** Read access to the world state at one block. */
export interface StateView {
  getBalance(address: Uint8Array): Promise<bigint>
  getNonce(address: Uint8Array): Promise<bigint>
  getCode(address: Uint8Array): Promise<Uint8Array>
  /** `slot` is 32 bytes; the value comes back left-padded to 32 bytes. */
  getStorageAt(address: Uint8Array, slot: Uint8Array): Promise<Uint8Array>
  /** EIP-1186 proof of the account and `slots`; `signal` aborts the work (the RPC layer has answered). */
  getProof(address: Uint8Array, slots: Uint8Array[], signal?: AbortSignal): Promise<AccountProof>
}

/** eth_call / eth_estimateGas / eth_createAccessList input, already decoded from hex. */
export interface CallRequest {
  from?: Uint8Array
  to?: Uint8Array
  gas?: bigint
  gasPrice?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
  value?: bigint
  data?: Uint8Array
  nonce?: bigint
  accessList?: { address: Uint8Array; storageKeys: Uint8Array[] }[]
  authorizationList?: { chainId: bigint; address: Uint8Array; nonce: bigint; yParity: number; r: bigint; s: bigint }[]
}

/**
 * geth's StateOverride for one account (internal/ethapi/override): fields replace the
 * account's; `state` replaces its whole storage, `stateDiff` the slots named; a precompile
 * can be moved to another address (`movePrecompileToAddress`). Slots and values are 32 bytes.
 */
export interface AccountOverride {
  address: Uint8Array
  nonce?: bigint
  code?: Uint8Array
  balance?: bigint
  state?: [Uint8Array, Uint8Array][]
  stateDiff?: [Uint8Array, Uint8Array][]
  movePrecompileToAddress?: Uint8Array
}

/** geth's BlockOverrides, as eth_call applies them to the block context it runs in. */
export interface BlockOverrides {
  number?: bigint
  difficulty?: bigint
  time?: bigint
  gasLimit?: bigint
  feeRecipient?: Uint8Array
  prevRandao?: Uint8Array
  baseFeePerGas?: bigint
}

/** What a call runs with besides its request: eth_call's and eth_estimateGas' override parameters. */
export interface CallOverrides {
  state?: AccountOverride[]
  block?: BlockOverrides
}

export interface CallResult {
  returnData: Uint8Array
  gasUsed: bigint
  /** Set when execution failed: `revert` carries `returnData` as revert data (JSON-RPC code 3). */
  error?: { kind: 'revert' | 'halt'; message: string }
  accessList?: { address: Uint8Array; storageKeys: Uint8Array[] }[]
}

/**
 * What `estimateGas` throws when no gas limit up to the cap makes the call succeed.
 * `revert` carries the revert data (possibly empty) and becomes JSON-RPC error code 3;
 * `halt` (out of gas, invalid opcode, insufficient funds...) becomes -32000 with `message`.
 */
export class ExecutionError extends Error {
  readonly kind: 'revert' | 'halt'
  readonly returnData: Uint8Array
  constructor(kind: 'revert' | 'halt', message: string, returnData: Uint8Array = new Uint8Array(0)) {
    super(message)
    this.name = 'ExecutionError'
    this.kind = kind
    this.returnData = returnData
  }
}

export interface ChainBackend {
  readonly common: Common
  readonly chainId: bigint
  /** Current canonical head. */
  latest(): BlockView
  /**
   * Newest block that can no longer be reorganised away under Clique's rules as the node
   * sees them; answers both the `safe` and `finalized` tags.
   */
  finalized(): Promise<BlockView>
  blockByNumber(number: bigint): Promise<BlockView | undefined>
  blockByHash(hash: Uint8Array): Promise<BlockView | undefined>
  /** True if the block with this hash is on the canonical chain. */
  isCanonical(hash: Uint8Array): Promise<boolean>
  /** A mined transaction (canonical chain only) or one waiting in the pool. */
  transaction(hash: Uint8Array): Promise<TransactionView | undefined>
  /** Every receipt of the block; `signal` aborts the work when the request's budget runs out. */
  receipts(block: BlockView, signal?: AbortSignal): Promise<ReceiptView[]>
  /** Gas used by each transaction of the block (for fee history: no logs derived). */
  gasUsedPerTransaction(block: BlockView): Promise<bigint[]>
  receipt(txHash: Uint8Array): Promise<ReceiptView | undefined>
  /**
   * Logs in [fromBlock, toBlock] on the canonical chain matching the filter, oldest first.
   * `signal` aborts the work when the request's time budget runs out.
   */
  logs(filter: LogFilter, signal?: AbortSignal): Promise<LogView[]>
  state(block: BlockView): StateView
  /**
   * Runs a call on top of `block`'s state, in a block context following it. Never writes.
   * `signal` aborts when the RPC call timeout passes (the RPC layer has answered by then).
   * Throws an error with an integer `code` and a `message` for what the caller did wrong
   * (geth's -32000 messages: insufficient funds, max initcode size exceeded...) and -32005
   * when the node is too busy to take the call. `batch` is the message the call came in (its
   * HandlerContext; any object the calls of one message share): calls of one batch share a
   * deadline, so the backend may run them together.
   */
  call(request: CallRequest, block: BlockView, options: { gasCap: bigint; withAccessList?: boolean; overrides?: CallOverrides; signal?: AbortSignal; batch?: object }): Promise<CallResult>
  /** Smallest gas limit with which the call succeeds; throws ExecutionError when it cannot. */
  estimateGas(request: CallRequest, block: BlockView, options: { gasCap: bigint; overrides?: CallOverrides; signal?: AbortSignal }): Promise<bigint>
  /**
   * debug_traceTransaction / debug_traceBlockBy*: re-executes `block` on its parent's state with
   * the tracer `trace` names. JSON text: the trace of the transaction at `txIndex`, or geth's
   * `[{"txHash","result"}]` for every transaction. Throws a coded error (-32000) for the genesis
   * ("genesis is not traceable") or a missing parent; `signal` stops the work.
   */
  traceBlock(block: BlockView, trace: TraceOptions, options: { txIndex?: number; signal?: AbortSignal }): Promise<string>
  /** debug_traceBlock: the same for a block given as RLP whose parent is stored; -32000 when it does not decode. */
  traceRawBlock(rlp: Uint8Array, trace: TraceOptions, signal?: AbortSignal): Promise<string>
  /** debug_getBadBlocks: blocks this node refused after executing them, newest first (at most 10). */
  badBlocks(): BlockView[]
  /** debug_traceCall: a call on top of `block`'s state, traced; JSON text. Refusals as `call`. */
  traceCall(request: CallRequest, block: BlockView, options: { gasCap: bigint; trace: TraceOptions; overrides?: CallOverrides; signal?: AbortSignal }): Promise<string>
  /**
   * eth_simulateV1: `request`'s blocks run in order on top of `block`'s state, never persisted.
   * `gasCap` bounds the gas of all calls together (0 = none). Throws coded errors with geth's
   * codes (-38010...-38026, -32000, -32603) for what the simulation refuses; `signal` stops it.
   */
  simulate(request: SimulateRequest, block: BlockView, options: { gasCap: bigint; signal?: AbortSignal }): Promise<SimulatedBlock[]>
  /**
   * testing_buildBlockV1: a block built on `parent` (post-merge rules) from `request`, never
   * imported. Throws coded errors: -32000 with geth's words for a given transaction that does
   * not apply (nonce, funds, gas), -32602 for a parent whose next block is not post-merge.
   */
  buildBlock(request: BuildBlockRequest, parent: BlockView, options: { signal?: AbortSignal }): Promise<BuiltPayload>
}

export interface PoolContent {
  pending: Map<string, Map<bigint, TransactionView>>
  queued: Map<string, Map<bigint, TransactionView>>
}

export interface PoolBackend {
  /** Validates and adds a signed raw transaction; throws TxPoolError (geth's messages). */
  addRaw(raw: Uint8Array): Promise<Uint8Array>
  /**
   * Recovers the senders of raw transactions about to be added (a batch's) ahead, off the
   * thread that admits them; an optimisation only, never rejects.
   */
  cacheSenders(raws: Uint8Array[]): Promise<void>
  /** Nonce to use for the next transaction of `address`, counting pending transactions. */
  pendingNonce(address: Uint8Array): Promise<bigint>
  status(): { pending: number; queued: number }
  /** Keyed by lowercase 0x sender address. */
  content(): PoolContent
}

export interface CliqueSnapshotView {
  number: bigint
  hash: Uint8Array
  signers: Uint8Array[]
  /** Block number -> signer, for the "signed recently" rule. */
  recents: Map<bigint, Uint8Array>
  votes: { signer: Uint8Array; block: bigint; address: Uint8Array; authorize: boolean }[]
  tally: Map<string, { authorize: boolean; votes: number }>
}

/** clique_*: the Clique engine's voting state and this node's votes. */
export interface CliqueBackend {
  snapshot(block: BlockView): Promise<CliqueSnapshotView>
  /** The address that sealed the block (Clique: recovered from the seal). */
  author(block: BlockView): Uint8Array
  /** Votes this node's sealer puts in the blocks it seals (clique_propose / clique_discard). */
  propose(address: Uint8Array, authorize: boolean): void
  discard(address: Uint8Array): void
  /** Lowercase 0x address -> authorize. */
  proposals(): Map<string, boolean>
}

/** qbft_*: the QBFT engine's validators and this validator's header votes (Besu's QBFT API). */
export interface QbftBackend {
  /** The validators of `block` (those whose quorum committed it; for the genesis, those of block 1), sorted. */
  validators(block: BlockView): Promise<Uint8Array[]>
  /** Whether validators are voted in block headers at the head (false: a validator contract decides). */
  votingEnabled(): boolean
  /** Adds or replaces this validator's vote to add (true) or drop `address`. */
  propose(address: Uint8Array, add: boolean): void
  discard(address: Uint8Array): void
  /** Lowercase 0x address -> add. */
  pendingVotes(): Map<string, boolean>
  /** The block's proposer (its coinbase). */
  proposer(block: BlockView): Uint8Array
  /** config.qbft.requesttimeoutseconds at the head. */
  requestTimeoutSeconds(): number
}

/** Emitted to subscriptions and filters. `removedLogs` comes with reorgs. */
export interface ChainEvents {
  on(event: 'newHead', listener: (head: BlockView, logs: LogView[], removedLogs: LogView[]) => void): void
  on(event: 'pendingTransaction', listener: (hash: Uint8Array) => void): void
  off(event: 'newHead' | 'pendingTransaction', listener: (...args: never[]) => void): void
}

export interface NetworkBackend {
  peerCount(): number
  listening(): boolean
  syncing(): false | { startingBlock: bigint; currentBlock: bigint; highestBlock: bigint }
  /** admin_peers: one JSON object per connected peer. */
  peers(): unknown[]
  /** admin_nodeInfo: this node's identity, listen addresses and chain. */
  nodeInfo(): unknown
  /** admin_addPeer: dials a peer address (a libp2p multiaddr); false when it is not valid. */
  addPeer(address: string): Promise<boolean>
}

/** The address index (Otterscan's search API): every canonical transaction that touched an address. */
export interface AddressIndexBackend {
  /**
   * Transactions touching `address` in blocks before `block` (newest first) or after it (oldest
   * first): at least `pageSize` when there are that many, plus the rest of the last block
   * reached. `exhausted` when nothing further lies in that direction.
   */
  history(address: Uint8Array, direction: 'before' | 'after', block: bigint, pageSize: number): Promise<{ transactions: TransactionView[]; receipts: ReceiptView[]; exhausted: boolean }>
  /** Hash of the canonical transaction `sender` sent with `nonce`. */
  bySenderAndNonce(sender: Uint8Array, nonce: bigint): Promise<Uint8Array | undefined>
  /** The transaction that created the contract at `address`, and its creator (an account or a contract). */
  creator(address: Uint8Array): Promise<{ hash: Uint8Array; creator: Uint8Array } | undefined>
}

export interface RpcBackend {
  chain: ChainBackend
  /** The address index (ots_search*, ots_getContractCreator, ots_getTransactionBySenderAndNonce). */
  addresses: AddressIndexBackend
  pool: PoolBackend
  /** Present on a Clique chain: serves the clique namespace. */
  clique?: CliqueBackend
  /** Present on a QBFT chain: serves the qbft namespace. */
  qbft?: QbftBackend
  events: ChainEvents
  network: NetworkBackend
  /** Addresses the node can sign for (dev accounts in dev mode; empty otherwise). */
  accounts(): Uint8Array[]
  /**
   * Signs a 32-byte digest with the key of `address` (secp256k1; `yParity` 0 or 1), or
   * undefined when the node holds no key for it (a node run with `busan run` holds none).
   */
  sign(address: Uint8Array, digest: Uint8Array): { r: Uint8Array; s: Uint8Array; yParity: number } | undefined
  clientVersion: string
}
