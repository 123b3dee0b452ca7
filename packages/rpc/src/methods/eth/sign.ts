// Signing with the node's accounts, as anvil, Hardhat and geth --dev do for their dev accounts:
// eth_sendTransaction, eth_signTransaction, eth_sign, personal_sign, eth_signTypedData_v4. The
// node holds keys only in dev mode (the backend's `sign`); for any other address, and on a node
// run with `busan run`, these answer geth's -32000 "unknown account".
import { createTx, type TypedTransaction } from '@ethereumjs/tx'
// hashPersonalMessage is geth's accounts.TextHash (EIP-191 version 0x45).
import { concatBytes, hashPersonalMessage } from '@ethereumjs/util'
import type { CallRequest } from '../../backend.ts'
import { LATEST, method, resolveStateBlock, type HandlerContext, type MethodTable } from '../../context.ts'
import { serverError } from '../../errors.ts'
import { formatTransaction, hex } from '../../format.ts'
import { authorizationListBytes, callRequest, type DecodedCallRequest } from '../../param-objects.ts'
import { address, any, bytes, optional, required, string } from '../../params.ts'
import { gasCapOf, withEvmTimeout } from './call.ts'

/** A signature as eth_sign answers it: r, s and v = 27 + yParity (65 bytes). */
function signatureBytes(ctx: HandlerContext, from: Uint8Array, digest: Uint8Array): Uint8Array {
  const signature = ctx.backend.sign(from, digest)
  if (signature === undefined) throw serverError('unknown account')
  return concatBytes(signature.r, signature.s, Uint8Array.of(27 + signature.yParity))
}

/** Refuses, as geth, an address the node holds no key for: checked before work that would be wasted on it (an estimate, loading ethers). */
function requireKey(ctx: HandlerContext, from: Uint8Array): void {
  if (!ctx.backend.accounts().some((account) => Buffer.compare(account, from) === 0)) throw serverError('unknown account')
}

/** The request's fields a transaction needs, filled as geth's SendTransaction fills them (nonce, fees, gas), or refused as its SignTransaction refuses missing ones. */
async function completed(ctx: HandlerContext, decoded: DecodedCallRequest, fill: boolean): Promise<CallRequest & { from: Uint8Array; nonce: bigint; gas: bigint }> {
  const request = { ...decoded.request }
  const from = request.from ?? new Uint8Array(20)
  requireKey(ctx, from)
  const chainId = ctx.backend.chain.chainId
  if (decoded.chainId !== undefined && decoded.chainId !== chainId) throw serverError(`chainId does not match node's (have=${decoded.chainId}, want=${chainId})`)
  if (decoded.inputDataConflict) throw serverError('both "data" and "input" are set and not equal. Please use "input" to pass transaction call data')
  if (request.gasPrice !== undefined && (request.maxFeePerGas !== undefined || request.maxPriorityFeePerGas !== undefined)) {
    throw serverError('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
  }
  if (!fill) {
    if (request.gas === undefined) throw serverError('gas not specified')
    if (request.gasPrice === undefined && (request.maxFeePerGas === undefined || request.maxPriorityFeePerGas === undefined)) throw serverError('missing gasPrice or maxFeePerGas/maxPriorityFeePerGas')
    if (request.nonce === undefined) throw serverError('nonce not specified')
  } else {
    request.nonce ??= await ctx.backend.pool.pendingNonce(from)
    if (request.gasPrice === undefined) {
      // geth: the oracle's tip, and a fee cap of the tip plus twice the next base fee.
      request.maxPriorityFeePerGas ??= await ctx.gasOracle.suggestTip()
      request.maxFeePerGas ??= request.maxPriorityFeePerGas + 2n * (ctx.backend.chain.latest().block.header.calcNextBaseFee())
    }
    if (request.gas === undefined) {
      const view = await resolveStateBlock(ctx, LATEST)
      request.gas = await withEvmTimeout(ctx, (signal) => ctx.backend.chain.estimateGas({ ...request, from }, view, { gasCap: gasCapOf(ctx), signal }))
    }
  }
  if (request.maxFeePerGas !== undefined && request.maxPriorityFeePerGas !== undefined && request.maxFeePerGas < request.maxPriorityFeePerGas) {
    throw serverError(`maxFeePerGas (${request.maxFeePerGas}) < maxPriorityFeePerGas (${request.maxPriorityFeePerGas})`)
  }
  return { ...request, from, nonce: request.nonce!, gas: request.gas! }
}

/** The request signed by its sender: EIP-7702 with an authorization list, else EIP-1559 unless a gas price is given (then EIP-2930 with an access list, else legacy with EIP-155). */
function signedTransaction(ctx: HandlerContext, request: CallRequest & { from: Uint8Array; nonce: bigint; gas: bigint }): TypedTransaction {
  const common = ctx.backend.chain.common
  const base = {
    chainId: ctx.backend.chain.chainId,
    nonce: request.nonce,
    gasLimit: request.gas,
    to: request.to,
    value: request.value ?? 0n,
    data: request.data ?? new Uint8Array(),
    accessList: request.accessList?.map((item) => [item.address, item.storageKeys] as [Uint8Array, Uint8Array[]]),
  }
  let tx: TypedTransaction
  try {
    tx =
      request.authorizationList !== undefined
        ? createTx({ ...base, type: 4, maxFeePerGas: request.maxFeePerGas, maxPriorityFeePerGas: request.maxPriorityFeePerGas, authorizationList: authorizationListBytes(request.authorizationList) }, { common })
        : request.gasPrice === undefined
          ? createTx({ ...base, type: 2, maxFeePerGas: request.maxFeePerGas, maxPriorityFeePerGas: request.maxPriorityFeePerGas }, { common })
          : createTx({ ...base, type: request.accessList === undefined ? 0 : 1, gasPrice: request.gasPrice }, { common })
  } catch (error) {
    throw serverError((error as Error).message.replace(/ \(tx type=.*$/s, ''))
  }
  const signature = ctx.backend.sign(request.from, tx.getHashedMessageToSign())
  if (signature === undefined) throw serverError('unknown account')
  // convertV: EthereumJS turns the parity into the legacy EIP-155 v (chainId * 2 + 35 + parity).
  return tx.addSignature(BigInt(signature.yParity), signature.r, signature.s, true)
}

export const signMethods: MethodTable = {
  eth_sendTransaction: method([required('transaction', callRequest)], async (ctx, decoded) => {
    const tx = signedTransaction(ctx, await completed(ctx, decoded, true))
    return hex(await ctx.backend.pool.addRaw(tx.serialize()))
  }),

  eth_signTransaction: method([required('transaction', callRequest)], async (ctx, decoded) => {
    const request = await completed(ctx, decoded, false)
    const tx = signedTransaction(ctx, request)
    return { raw: hex(tx.serialize()), tx: formatTransaction(tx, { hash: tx.hash(), sender: request.from }) }
  }),

  eth_sign: method([required('address', address), required('data', bytes)], (ctx, from, data) => hex(signatureBytes(ctx, from, hashPersonalMessage(data)))),

  personal_sign: method([required('data', bytes), required('address', address), optional('password', string)], (ctx, data, from) => hex(signatureBytes(ctx, from, hashPersonalMessage(data)))),

  /** EIP-712: the typed data as an object or as its JSON text (MetaMask sends text), hashed by ethers' TypedDataEncoder. */
  eth_signTypedData_v4: method([required('address', address), required('typedData', any)], async (ctx, from, typedData) => {
    requireKey(ctx, from)
    const { domain, types, message } = parseTypedData(typedData)
    // ethers loads only for this method (as for keystores): the node does not carry it otherwise.
    const { TypedDataEncoder } = await import('ethers')
    const { EIP712Domain: _domainType, ...messageTypes } = types
    let digest: string
    try {
      digest = TypedDataEncoder.hash(domain, messageTypes, message)
    } catch (error) {
      throw serverError(`invalid typed data: ${(error as Error).message}`)
    }
    return hex(signatureBytes(ctx, from, Buffer.from(digest.slice(2), 'hex')))
  }),
}

function parseTypedData(value: unknown): { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown> } {
  let data = value
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value)
    } catch {
      throw serverError('invalid typed data: not JSON')
    }
  }
  const { domain, types, message } = (data ?? {}) as Record<string, unknown>
  if (typeof domain !== 'object' || domain === null || typeof types !== 'object' || types === null || typeof message !== 'object' || message === null) {
    throw serverError('invalid typed data: want an object with domain, types and message')
  }
  return { domain: domain as Record<string, unknown>, types: types as Record<string, { name: string; type: string }[]>, message: message as Record<string, unknown> }
}

