// What the node's throw-away block builders (eth_simulateV1, testing_buildBlockV1) share to
// assemble a block's header: the fields the parent decides, and the header once the body ran.
import { createBlockHeader, type BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { Withdrawal } from '@ethereumjs/util'
import type { Bloom } from '@ethereumjs/vm'
import { orderedTrieRoot } from '@busan/chain'
import { INITIAL_BASE_FEE } from '@busan/chain-config'

/** geth's eip1559.CalcBaseFee: the parent's next base fee, the initial one after a pre-London parent. */
export function nextBaseFee(parent: BlockHeader): bigint {
  if (!parent.common.isActivatedEIP(1559)) return INITIAL_BASE_FEE
  return parent.calcNextBaseFee()
}

/** EIP-4844's excess blob gas of the block after `parent` under `common` (0 after a pre-Cancun parent). */
export function nextExcessBlobGas(parent: BlockHeader, common: Common): bigint {
  return parent.common.isActivatedEIP(4844) ? parent.calcNextExcessBlobGas(common) : 0n
}

/** A block's body as it ran: what its header commits to. */
export interface ExecutedBody {
  transactions: TypedTransaction[]
  /** Encoded receipts, in block order. */
  receipts: Uint8Array[]
  bloom: Bloom
  gasUsed: bigint
  blobGasUsed: bigint
  /** EIP-7685's commitment, from Prague. */
  requestsHash?: Uint8Array
}

/** `header` with what running `body` on it gave: the state root, the transactions, receipts and withdrawals roots, bloom and gas. */
export function executedHeader(header: BlockHeader, common: Common, stateRoot: Uint8Array, body: ExecutedBody, withdrawals: Withdrawal[] | undefined): BlockHeader {
  return createBlockHeader(
    {
      ...header.toJSON(),
      stateRoot,
      transactionsTrie: orderedTrieRoot(body.transactions.map((tx) => tx.serialize())),
      receiptTrie: orderedTrieRoot(body.receipts),
      logsBloom: body.bloom.bitvector,
      gasUsed: body.gasUsed,
      blobGasUsed: common.isActivatedEIP(4844) ? body.blobGasUsed : undefined,
      withdrawalsRoot: withdrawals === undefined ? undefined : orderedTrieRoot(withdrawals.map((w) => RLP.encode(w.raw()))),
      requestsHash: body.requestsHash,
    },
    { common, params: {}, skipConsensusFormatValidation: true },
  )
}
