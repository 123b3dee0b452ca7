// eth_simulateV1's execution (execution-apis `src/eth/execute.yaml`; geth's
// internal/ethapi/simulate.go): the settled blocks run one after another on a throw-away layer
// over a stored block's state, each under its own fork, and are assembled as geth assembles
// them (header fields, roots, hash, size). Runs on an RPC worker thread, never persisted.
import { Block, createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import type { TypedTransaction } from '@ethereumjs/tx'
import { createWithdrawal, type DB, type Withdrawal } from '@ethereumjs/util'
import { Bloom, createVM, encodeReceipt, type VM } from '@ethereumjs/vm'
import { applyStepsAfterTransactions, applyStepsBeforeTransactions, createStateTrie, evmBlockchain, type RawLog } from '@busan/chain'
import { commonAt } from '@busan/chain-config'
import { EphemeralTrieStore } from '@busan/db'
import type { HeaderFields, SimulateBlock, SimulatedBlock, SimulatedCallResult, SimulatedTransaction, SimulateRequest } from '@busan/rpc'
import { executedHeader, nextBaseFee, nextExcessBlobGas, type ExecutedBody } from './block-assembly.ts'
import { applyStateOverrides } from './call-overrides.ts'
import type { CallContext } from './calls.ts'
import { GasBudget, runSimulatedCall, type BlockRun } from './simulate-call.ts'
import { SimulationLogs } from './simulate-logs.ts'

const ZERO_HASH = new Uint8Array(32)
const ZERO_NONCE = new Uint8Array(8)

/** The stored block a simulation starts from: its header and hash (by the chain's hashing rule). */
export interface SimulationBase {
  header: BlockHeader
  hash: Uint8Array
}

/**
 * eth_simulateV1 (execution-apis `eth_simulateV1`): runs `request`'s blocks on top of `base`,
 * every call's gas counted against `gasCap` (geth's RPC gas cap, 0 = none), and returns each
 * block with its calls' results. Throws CallError (geth's code and words) for what the
 * simulation refuses: an override that cannot be applied, a call its block cannot take.
 */
export async function simulate(context: CallContext, request: SimulateRequest, base: SimulationBase, gasCap: bigint): Promise<SimulatedBlock[]> {
  const simulation = new Simulation(context, request, base, gasCap)
  const blocks: SimulatedBlock[] = []
  for (const block of request.blocks) blocks.push(await simulation.next(block))
  return blocks
}

/** One block as it ran, before its header is sealed: with each call's sender and outcome. */
interface BlockBody extends ExecutedBody {
  senders: Uint8Array[]
  calls: SimulatedCallResult[]
}

class Simulation {
  private readonly context: CallContext
  private readonly request: SimulateRequest
  private readonly stateManager: MerkleStateManager
  private readonly budget: GasBudget
  /** One VM per fork, over the one state. */
  private readonly vms = new Map<string, VM>()
  /** Hashes of the base and of the blocks simulated so far, for BLOCKHASH. */
  private readonly hashes = new Map<bigint, Uint8Array>()
  private readonly baseNumber: bigint
  private parent: BlockHeader

  constructor(context: CallContext, request: SimulateRequest, base: SimulationBase, gasCap: bigint) {
    this.context = context
    this.request = request
    this.budget = new GasBudget(gasCap)
    this.parent = base.header
    this.baseNumber = base.header.number
    this.hashes.set(base.header.number, base.hash)
    const common = commonAt(context.common, base.header.number, base.header.timestamp)
    const trie = createStateTrie(new EphemeralTrieStore(context.trieStore), common, base.header.stateRoot)
    this.stateManager = new MerkleStateManager({ trie, common, caches: new Caches() })
  }

  /** Runs the next block and assembles it. */
  async next(block: SimulateBlock): Promise<SimulatedBlock> {
    const common = forkAt(this.context.common, block.number, block.time)
    const vm = await this.vmFor(common)
    const header = this.executionHeader(block, common)
    const withdrawals = common.isActivatedEIP(4895) ? (block.overrides.withdrawals ?? []).map((w) => createWithdrawal(w)) : undefined
    const executionBlock = new Block(header, [], [], withdrawals, { common, params: {} })
    const logs = new SimulationLogs({ traceTransfers: this.request.traceTransfers, blockNumber: block.number, blockTimestamp: block.time })
    const precompiles = new Set(vm.evm.precompiles.keys())
    const restorePrecompiles = await applyStateOverrides(vm, block.state)
    let body: BlockBody
    try {
      body = await this.execute(vm, executionBlock, block, logs, warmthOf(precompiles, vm))
    } finally {
      restorePrecompiles()
    }
    const sealed = await this.seal(header, common, body, withdrawals)
    logs.setBlockHash(sealed.hash)
    this.hashes.set(block.number, sealed.hash)
    this.parent = sealed.header
    return {
      header: headerFields(sealed.header),
      hash: sealed.hash,
      size: sealed.size,
      transactions: body.transactions.map((tx, i) => transactionFields(tx, body.senders[i])),
      withdrawals: withdrawals === undefined ? undefined : (block.overrides.withdrawals ?? []),
      calls: body.calls,
    }
  }

  /**
   * geth's makeHeaders and processBlock: the fee recipient, gas limit and (before the merge)
   * difficulty of the block before unless overridden; the base fee from the parent with
   * validation, else 0 (geth's NoBaseFee), unless overridden; excess blob gas from the parent.
   */
  private executionHeader(block: SimulateBlock, common: Common): BlockHeader {
    const o = block.overrides
    const parent = this.parent
    const cancun = common.isActivatedEIP(4844)
    const postMerge = common.consensusType() === 'pos'
    let baseFeePerGas: bigint | undefined
    if (common.isActivatedEIP(1559)) baseFeePerGas = o.baseFeePerGas ?? (this.request.validation ? nextBaseFee(parent) : 0n)
    const header = createBlockHeader(
      {
        parentHash: this.hashes.get(parent.number),
        coinbase: o.feeRecipient ?? parent.coinbase,
        difficulty: o.difficulty ?? (postMerge ? 0n : parent.difficulty),
        number: block.number,
        gasLimit: o.gasLimit ?? parent.gasLimit,
        timestamp: block.time,
        mixHash: o.prevRandao ?? ZERO_HASH,
        nonce: ZERO_NONCE,
        extraData: new Uint8Array(0),
        baseFeePerGas,
        excessBlobGas: cancun ? nextExcessBlobGas(parent, common) : undefined,
        blobGasUsed: cancun ? 0n : undefined,
        parentBeaconBlockRoot: cancun ? (o.beaconRoot ?? ZERO_HASH) : undefined,
      },
      { common, params: {}, skipConsensusFormatValidation: true, freeze: false },
    )
    // BLOBBASEFEE and the blob fee answer the override (the header keeps its excess blob gas).
    if (o.blobBaseFee !== undefined) Object.defineProperty(header, 'getBlobGasPrice', { value: () => o.blobBaseFee })
    return header
  }

  /** The block's system calls, calls and post-call steps (withdrawals, proof-of-work rewards, EIP-7685 requests), as a block's execution runs them. */
  private async execute(vm: VM, executionBlock: Block, block: SimulateBlock, logs: SimulationLogs, precompileWarmth: BlockRun['precompileWarmth']): Promise<BlockBody> {
    const header = executionBlock.header
    const common = vm.common
    await applyStepsBeforeTransactions(vm, header)
    const run: BlockRun = {
      vm,
      common,
      block: executionBlock,
      validation: this.request.validation,
      chainId: this.context.common.chainId(),
      blobBaseFee: common.isActivatedEIP(4844) ? header.getBlobGasPrice() : undefined,
      gasUsed: 0n,
      precompileWarmth,
    }
    const body: BlockBody = { transactions: [], senders: [], calls: [], receipts: [], bloom: new Bloom(undefined, common), gasUsed: 0n, blobGasUsed: 0n }
    const txLogs: RawLog[][] = []
    for (const [index, call] of block.calls.entries()) {
      const { tx, sender, result, outcome } = await runSimulatedCall(run, call, index, this.budget, logs)
      run.gasUsed += result.totalGasSpent
      body.transactions.push(tx)
      body.senders.push(sender)
      body.calls.push(outcome)
      body.receipts.push(encodeReceipt(result.receipt, tx.type))
      body.bloom.or(new Bloom(result.receipt.bitvector, common))
      body.blobGasUsed += result.blobGasUsed ?? 0n
      txLogs.push(result.receipt.logs as RawLog[])
    }
    body.gasUsed = run.gasUsed
    body.requestsHash = (await applyStepsAfterTransactions(vm, executionBlock, txLogs))?.hash
    return body
  }

  /** The block's final header (state, transactions, receipts and withdrawals roots, bloom, gas), its hash and RLP size. */
  private async seal(header: BlockHeader, common: Common, body: BlockBody, withdrawals: Withdrawal[] | undefined) {
    const sealed = executedHeader(header, common, await this.stateManager.getStateRoot(), body, withdrawals)
    const size = new Block(sealed, body.transactions, [], withdrawals, { common, params: {} }).serialize().length
    return { header: sealed, hash: sealed.hash(), size }
  }

  /** A VM at `common`'s fork over the simulation's state, made once per fork. */
  private async vmFor(common: Common): Promise<VM> {
    let vm = this.vms.get(common.hardfork())
    if (vm === undefined) {
      // BLOCKHASH: the simulated blocks and the base by their hashes, the chain's canonical ones below.
      const blockchain = evmBlockchain((number) => this.hashes.get(number) ?? (number < this.baseNumber ? this.context.blockHash(number) : undefined))
      vm = await createVM({ common, stateManager: this.stateManager, blockchain, params: {}, evmOpts: { params: {}, codeAnalysisCache: this.context.codeAnalysisCache } })
      this.vms.set(common.hardfork(), vm)
    }
    return vm
  }
}

/**
 * The chain's Common at the fork of a block with this number and time. A time past forks the
 * number has not reached (a time override far ahead of an early block) leaves the block at its
 * number's fork: geth's time-based forks all need London first, and EthereumJS refuses the mix.
 */
function forkAt(common: Common, number: bigint, time: bigint): Common {
  try {
    return commonAt(common, number, time)
  } catch {
    return commonAt(common, number, 0n)
  }
}

/** How the precompile table differs from the fork's own (`original`) after the overrides, if it does. */
function warmthOf(original: Set<string>, vm: VM): BlockRun['precompileWarmth'] {
  const current = vm.evm.precompiles
  const warm = [...original].filter((address) => !current.has(address))
  const cold = [...current.keys()].filter((address) => !original.has(address))
  return warm.length === 0 && cold.length === 0 ? undefined : { warm, cold }
}

/** What the RPC formats of a simulated header (plain data: it crosses to the main thread). */
function headerFields(h: BlockHeader): HeaderFields {
  const { number, parentHash, nonce, mixHash, uncleHash, logsBloom, stateRoot, difficulty, extraData, gasLimit, gasUsed, timestamp, transactionsTrie, receiptTrie } = h
  const { baseFeePerGas, withdrawalsRoot, blobGasUsed, excessBlobGas, parentBeaconBlockRoot, requestsHash } = h
  const optional = Object.entries({ baseFeePerGas, withdrawalsRoot, blobGasUsed, excessBlobGas, parentBeaconBlockRoot, requestsHash }).filter(([, value]) => value !== undefined)
  const fields = { number, parentHash, nonce, mixHash, uncleHash, logsBloom, stateRoot, difficulty, extraData, gasLimit, gasUsed, timestamp, transactionsTrie, receiptTrie }
  return { ...fields, ...Object.fromEntries(optional), coinbase: { bytes: h.coinbase.bytes } }
}

/** What the RPC formats of a simulated transaction. */
function transactionFields(transaction: TypedTransaction, sender: Uint8Array): SimulatedTransaction {
  const tx = transaction as TypedTransaction & Partial<Omit<SimulatedTransaction, 'hash' | 'sender' | 'to'>>
  const fields: SimulatedTransaction = { type: tx.type, nonce: tx.nonce, gasLimit: tx.gasLimit, value: tx.value, data: tx.data, hash: tx.hash(), sender }
  if (tx.to !== undefined) fields.to = { bytes: tx.to.bytes }
  for (const key of ['gasPrice', 'maxFeePerGas', 'maxPriorityFeePerGas', 'maxFeePerBlobGas', 'chainId', 'accessList', 'authorizationList', 'blobVersionedHashes'] as const) {
    if (tx[key] !== undefined) Object.assign(fields, { [key]: tx[key] })
  }
  return fields
}
