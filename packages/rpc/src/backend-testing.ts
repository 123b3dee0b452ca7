// What testing_buildBlockV1 hands the node and gets back (execution-apis
// `src/testing/testing_buildBlockV1.yaml`): a block built on a stored parent from the given
// payload attributes and signed transactions, returned as engine_getPayload returns a payload,
// never imported.
import type { WithdrawalData } from './backend-simulate.ts'

/** engine API `PayloadAttributesV3`: the context of the block to build. */
export interface PayloadAttributes {
  /** Seconds; must be past the parent's. */
  timestamp: bigint
  prevRandao: Uint8Array
  suggestedFeeRecipient: Uint8Array
  withdrawals: WithdrawalData[]
  parentBeaconBlockRoot: Uint8Array
}

/** testing_buildBlockV1's request, decoded. */
export interface BuildBlockRequest {
  attributes: PayloadAttributes
  /**
   * Signed transactions in their canonical encoding, included in this order; each must apply
   * (else the build fails with geth's refusal). With `fromPool`, the pool's pending transactions,
   * of which those that do not apply are left out, as a block producer does.
   */
  transactions: Uint8Array[]
  /** Per transaction, a blob transaction's network form when there is one (the pool's): its sidecar goes into `blobsBundle`. */
  networkForms: (Uint8Array | undefined)[]
  fromPool: boolean
  /** The header's extraData (empty when not given). */
  extraData: Uint8Array
}

/** engine API `ExecutionPayloadV3` fields of the built block. */
export interface BuiltExecutionPayload {
  parentHash: Uint8Array
  feeRecipient: Uint8Array
  stateRoot: Uint8Array
  receiptsRoot: Uint8Array
  logsBloom: Uint8Array
  prevRandao: Uint8Array
  blockNumber: bigint
  gasLimit: bigint
  gasUsed: bigint
  timestamp: bigint
  extraData: Uint8Array
  baseFeePerGas: bigint
  blockHash: Uint8Array
  /** Canonical encodings, in block order. */
  transactions: Uint8Array[]
  withdrawals: WithdrawalData[]
  blobGasUsed: bigint
  excessBlobGas: bigint
}

/** engine_getPayload's response (V4 and later), as testing_buildBlockV1 answers it. */
export interface BuiltPayload {
  executionPayload: BuiltExecutionPayload
  /** Wei the fee recipient earns: each transaction's gas used times its effective tip. */
  blockValue: bigint
  /** EIP-7685 requests, each its type byte and data, empty ones left out (engine API Prague). */
  executionRequests: Uint8Array[]
  /** The included blob transactions' sidecars, in block order (engine API BlobsBundle; cell proofs from Osaka). */
  blobsBundle: { commitments: Uint8Array[]; proofs: Uint8Array[]; blobs: Uint8Array[] }
}
