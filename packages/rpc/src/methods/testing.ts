// The `testing` namespace (execution-apis `src/testing/`): testing_buildBlockV1 builds a block on
// a stored parent from payload attributes and signed transactions and answers it as
// engine_getPayload would, without importing it. Off unless `--http.api` names `testing`: it
// runs whatever transactions it is given, so it is for test networks only.
import type { BuildBlockRequest, BuiltPayload, PayloadAttributes } from '../backend-testing.ts'
import { method, type HandlerContext, type MethodTable } from '../context.ts'
import { invalidParams } from '../errors.ts'
import { formatWithdrawals, hex, quantity, type JsonObject } from '../format.ts'
import { withdrawal } from '../overrides.ts'
import { asObject, member } from '../param-objects.ts'
import { ParamError, address, arrayOf, bytes, hash, optional, required, uint64, type Decoder } from '../params.ts'
import { withEvmTimeout } from './eth/call.ts'

/** engine API `PayloadAttributesV3`: every member required, as engine_forkchoiceUpdatedV3 takes it. */
const payloadAttributes: Decoder<PayloadAttributes> = {
  goType: 'engine.PayloadAttributes',
  decode(value, field) {
    const obj = asObject(value, this.goType, field)
    const need = <T>(key: keyof PayloadAttributes, decoder: Decoder<T>): T => {
      const decoded = member(obj, key, decoder, 'PayloadAttributes')
      if (decoded === undefined) throw new ParamError(`missing required field '${key}' for PayloadAttributes`)
      return decoded
    }
    return {
      timestamp: need('timestamp', uint64),
      prevRandao: need('prevRandao', hash),
      suggestedFeeRecipient: need('suggestedFeeRecipient', address),
      withdrawals: need('withdrawals', arrayOf(withdrawal)),
      parentBeaconBlockRoot: need('parentBeaconBlockRoot', hash),
    }
  },
}

/** The pool's pending transactions, each sender's in nonce order (the builder leaves out what does not apply), with blob transactions' network forms. */
function pooledTransactions(ctx: HandlerContext): Pick<BuildBlockRequest, 'transactions' | 'networkForms'> {
  const transactions: Uint8Array[] = []
  const networkForms: (Uint8Array | undefined)[] = []
  for (const bySender of ctx.backend.pool.content().pending.values()) {
    for (const nonce of [...bySender.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const pooled = bySender.get(nonce)!
      transactions.push(pooled.tx.serialize())
      networkForms.push(pooled.networkRaw)
    }
  }
  return { transactions, networkForms }
}

function formatPayload(built: BuiltPayload): JsonObject {
  const p = built.executionPayload
  return {
    executionPayload: {
      parentHash: hex(p.parentHash),
      feeRecipient: hex(p.feeRecipient),
      stateRoot: hex(p.stateRoot),
      receiptsRoot: hex(p.receiptsRoot),
      logsBloom: hex(p.logsBloom),
      prevRandao: hex(p.prevRandao),
      blockNumber: quantity(p.blockNumber),
      gasLimit: quantity(p.gasLimit),
      gasUsed: quantity(p.gasUsed),
      timestamp: quantity(p.timestamp),
      extraData: hex(p.extraData),
      baseFeePerGas: quantity(p.baseFeePerGas),
      blockHash: hex(p.blockHash),
      transactions: p.transactions.map(hex),
      withdrawals: formatWithdrawals(p.withdrawals),
      blobGasUsed: quantity(p.blobGasUsed),
      excessBlobGas: quantity(p.excessBlobGas),
    },
    blockValue: quantity(built.blockValue),
    blobsBundle: { commitments: built.blobsBundle.commitments.map(hex), proofs: built.blobsBundle.proofs.map(hex), blobs: built.blobsBundle.blobs.map(hex) },
    executionRequests: built.executionRequests.map(hex),
    shouldOverrideBuilder: false,
  }
}

/** geth's bound on extraData (params.MaximumExtraDataSize). */
const MAX_EXTRA_DATA = 32

export const testingMethods: MethodTable = {
  testing_buildBlockV1: method(
    [required('parentHash', hash), required('payloadAttributes', payloadAttributes), optional('transactions', arrayOf(bytes)), optional('extraData', bytes)],
    // `transactions` null (or left out) means the pool's, as the specification allows.
    async (ctx, parentHash, attributes, transactions, extraData) => {
      const parent = await ctx.backend.chain.blockByHash(parentHash)
      if (parent === undefined) throw invalidParams(`unknown parent block ${hex(parentHash)}`)
      if (attributes.timestamp <= parent.block.header.timestamp) {
        throw invalidParams(`invalid timestamp: ${attributes.timestamp} is not after the parent's ${parent.block.header.timestamp}`)
      }
      if (extraData !== undefined && extraData.length > MAX_EXTRA_DATA) throw invalidParams(`extraData of ${extraData.length} bytes exceeds ${MAX_EXTRA_DATA}`)
      const request: BuildBlockRequest = {
        attributes,
        ...(transactions === undefined ? pooledTransactions(ctx) : { transactions, networkForms: [] }),
        fromPool: transactions === undefined,
        extraData: extraData ?? new Uint8Array(0),
      }
      const built = await withEvmTimeout(ctx, (signal) => ctx.backend.chain.buildBlock(request, parent, { signal }))
      return formatPayload(built)
    },
  ),
}
