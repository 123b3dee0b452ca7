// The block-level steps around a block's transactions, EthereumJS's own (runBlock's, exported by
// patches/@ethereumjs+vm+*.patch) in its order, for every place that runs a whole block: the
// block executor, eth_simulateV1, testing_buildBlockV1 and the tracers' replays.
import { genRequestsRoot, type Block, type BlockHeader } from '@ethereumjs/block'
import { Hardfork } from '@ethereumjs/common'
import type { TypedTransaction } from '@ethereumjs/tx'
import {
  accumulateParentBeaconBlockRoot,
  accumulateParentBlockHash,
  accumulateRequests,
  applyDAOHardfork,
  assignBlockRewards,
  assignWithdrawals,
  type RunTxResult,
  type VM,
} from '@ethereumjs/vm'
import { sha256 } from '@noble/hashes/sha2.js'
import type { RawLog } from './receipts.ts'

/**
 * The steps before a block's transactions, in `vm` (whose Common is at the block's fork), in
 * EthereumJS's runBlock order and with its functions: at the DAO fork block of a chain that
 * supports it, the DAO accounts' ether moved to the refund contract; the system calls for the
 * parent beacon root (EIP-4788, from Cancun) and the parent hash (EIP-2935, from Prague), each a
 * no-op while its contract has no code (a chain without the predeploys).
 */
export async function applyStepsBeforeTransactions(vm: VM, header: BlockHeader): Promise<void> {
  // The Common names the DAO fork only for a chain that takes it (createChainCommon).
  if (vm.common.hardforkBlock(Hardfork.Dao) === header.number) {
    await vm.evm.journal.checkpoint()
    await applyDAOHardfork(vm.evm)
    await vm.evm.journal.commit()
  }
  if (vm.common.isActivatedEIP(4788)) await accumulateParentBeaconBlockRoot(vm, header.parentBeaconBlockRoot!, header.timestamp)
  if (vm.common.isActivatedEIP(2935)) await accumulateParentBlockHash(vm, header.number, header.parentHash)
}

/**
 * The steps after a block's transactions, in `vm` (whose Common is at the block's fork), in
 * EthereumJS's runBlock order and with its functions: withdrawals (EIP-4895); proof-of-work
 * miner and ommer rewards, on a block of an ethash chain with a difficulty (geth's beacon
 * engine leaves a difficulty-0 block to the beacon chain); the EIP-7685 requests (deposits from
 * `logs`, one list per transaction, and the EIP-7002 and EIP-7251 system calls), whose
 * commitment it returns (undefined before Prague).
 */
export async function applyStepsAfterTransactions(vm: VM, block: Block, logs: RawLog[][]): Promise<BlockRequests | undefined> {
  const common = vm.common
  if (block.withdrawals !== undefined && common.isActivatedEIP(4895)) {
    await assignWithdrawals(vm, block)
    await vm.evm.journal.cleanup()
  }
  if (common.consensusAlgorithm() === 'ethash' && block.header.difficulty > 0n) await assignBlockRewards(vm, block)
  if (!common.isActivatedEIP(7685)) return undefined
  // accumulateRequests reads only each result's receipt logs.
  const results = logs.map((txLogs) => ({ receipt: { logs: txLogs } })) as unknown as RunTxResult[]
  const requests = await accumulateRequests(vm, results, block.header.gasLimit)
  // The engine API lists only requests with data (engine_getPayloadV4), as the hash counts them.
  return { hash: genRequestsRoot(requests, common.customCrypto.sha256 ?? sha256), requests: requests.filter((r) => r.bytes.length > 1).map((r) => r.bytes) }
}

/** A block's EIP-7685 requests: their commitment (the header's requestsHash) and the non-empty ones, each its type byte and data. */
export interface BlockRequests {
  hash: Uint8Array
  requests: Uint8Array[]
}

/** The blob gas a transaction uses (EIP-4844: blobGasPerBlob for each of its blobs), 0 for other types. */
export function blobGasOf(tx: TypedTransaction): bigint {
  const hashes = (tx as TypedTransaction & { blobVersionedHashes?: Uint8Array[] }).blobVersionedHashes
  return hashes === undefined ? 0n : BigInt(hashes.length) * tx.common.param('blobGasPerBlob')
}
