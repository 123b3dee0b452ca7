// What eth_simulateV1 hands the node and gets back (execution-apis `src/eth/execute.yaml`,
// schemas `BlockStateCall`, `SimulatePayload`, `SimulateResults`): blocks of calls on top of a
// stored block, each with header and state overrides, run as if they were mined in order.
import type { AccountOverride, BlockOverrides, CallRequest, LogView } from './backend.ts'
import type { AnyTx, HeaderFields } from './format.ts'

/** A withdrawal (EIP-4895) of a simulated block; `amount` in gwei, as in a block. */
export interface WithdrawalData {
  index: bigint
  validatorIndex: bigint
  address: Uint8Array
  amount: bigint
}

/** geth's BlockOverrides as eth_simulateV1 takes them: eth_call's fields and those only a simulated block has. */
export interface SimulateBlockOverrides extends BlockOverrides {
  /** BLOBBASEFEE and the blob fee of the block's blob calls (the header keeps its excess blob gas). */
  blobBaseFee?: bigint
  /** The header's parentBeaconBlockRoot (EIP-4788), from Cancun; zero when not given. */
  beaconRoot?: Uint8Array
  /** Paid after the calls, from Shanghai; none when not given. */
  withdrawals?: WithdrawalData[]
}

/** One call of a simulated block: eth_call's request with its chain id and the EIP-4844 fields. */
export interface SimulateCall extends CallRequest {
  chainId?: bigint
  blobVersionedHashes?: Uint8Array[]
  maxFeePerBlobGas?: bigint
}

/**
 * One block to simulate, its number and timestamp already settled by the RPC layer (geth's
 * sanitizeChain: +1 and +12 s from the block before unless overridden, a gap in numbers filled
 * with empty blocks).
 */
export interface SimulateBlock {
  number: bigint
  time: bigint
  /** The other header overrides (number and time are above). */
  overrides: Omit<SimulateBlockOverrides, 'number' | 'time'>
  /** Applied before the block's system calls; kept for the blocks after it. */
  state: AccountOverride[]
  calls: SimulateCall[]
}

/** eth_simulateV1's options (execution-apis `SimulatePayload`), decoded. */
export interface SimulateRequest {
  blocks: SimulateBlock[]
  /** Nonce, fee and base-fee rules of a real block; off: geth's NoBaseFee and no nonce check. */
  validation: boolean
  /** ERC-7528 logs (address 0xeeee…eeee) for every transfer of ether. */
  traceTransfers: boolean
}

/** execution-apis `CallResult`: what one call did. */
export interface SimulatedCallResult {
  returnData: Uint8Array
  logs: LogView[]
  gasUsed: bigint
  /** Gas before refunds (geth's peak use: the least gas limit that lets the call run as it did). */
  maxUsedGas: bigint
  status: 0 | 1
  /** Failed calls: 3 with the revert data, or -32015 for what stopped the EVM. */
  error?: { code: number; message: string; data?: Uint8Array }
}

/** A simulated transaction's fields as they are formatted (EthereumJS's names), unsigned, with its hash and sender. */
export type SimulatedTransaction = AnyTx & { hash: Uint8Array; sender: Uint8Array }

/** One simulated block: its header, body and the results of its calls. */
export interface SimulatedBlock {
  header: HeaderFields
  hash: Uint8Array
  /** RLP size of the whole block. */
  size: number
  transactions: SimulatedTransaction[]
  /** From Shanghai. */
  withdrawals?: WithdrawalData[]
  calls: SimulatedCallResult[]
}
