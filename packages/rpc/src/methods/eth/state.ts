// World state at any block: balance, nonce, code, storage, Merkle proofs.
// A missing block is an error here ("header not found"), not null, as geth.
import { requestTimedOut, withinDeadline } from '../../deadline.ts'
import { LATEST, method, resolveStateBlock, type MethodTable } from '../../context.ts'
import { bytesQuantity, hex, quantity } from '../../format.ts'
import { RpcError, invalidParams } from '../../errors.ts'
import { address, arrayOf, blockTagOrHash, optional, required, storageKey } from '../../params.ts'
import { storageRequests } from '../../param-objects.ts'

/** geth answers eth_getProof with at most this many storage keys. */
const MAX_PROOF_KEYS = 1024
/** geth's maxGetStorageSlots: the most slots one eth_getStorageValues reads, over all addresses. */
const MAX_STORAGE_VALUES = 1024
/** geth's errCodeClientLimitExceeded. */
const CLIENT_LIMIT_EXCEEDED = -38026

/** A storage value as eth_getStorageAt answers it: 32 bytes, left-padded. */
function storageWord(value: Uint8Array): string {
  const padded = new Uint8Array(32)
  padded.set(value.subarray(Math.max(0, value.length - 32)), 32 - Math.min(32, value.length))
  return hex(padded)
}

export const stateMethods: MethodTable = {
  eth_getBalance: method([required('address', address), optional('block', blockTagOrHash)], async (ctx, addr, block) => {
    const view = await resolveStateBlock(ctx, block ?? LATEST)
    return quantity(await ctx.backend.chain.state(view).getBalance(addr))
  }),

  eth_getTransactionCount: method([required('address', address), optional('block', blockTagOrHash)], async (ctx, addr, block) => {
    // "pending" counts the pool's transactions, as geth.
    if (block?.kind === 'tag' && block.tag === 'pending') return quantity(await ctx.backend.pool.pendingNonce(addr))
    const view = await resolveStateBlock(ctx, block ?? LATEST)
    return quantity(await ctx.backend.chain.state(view).getNonce(addr))
  }),

  eth_getCode: method([required('address', address), optional('block', blockTagOrHash)], async (ctx, addr, block) => {
    const view = await resolveStateBlock(ctx, block ?? LATEST)
    return hex(await ctx.backend.chain.state(view).getCode(addr))
  }),

  eth_getStorageAt: method(
    [required('address', address), required('slot', storageKey), optional('block', blockTagOrHash)],
    async (ctx, addr, slot, block) => {
      const view = await resolveStateBlock(ctx, block ?? LATEST)
      return storageWord(await ctx.backend.chain.state(view).getStorageAt(addr, slot.key))
    },
  ),

  /** execution-apis eth_getStorageValues: many slots of many accounts at one block; geth's limits and errors. */
  eth_getStorageValues: method([required('requests', storageRequests), optional('block', blockTagOrHash)], async (ctx, requests, block) => {
    const slots = requests.reduce((sum, request) => sum + request.keys.length, 0)
    if (slots > MAX_STORAGE_VALUES) throw new RpcError(CLIENT_LIMIT_EXCEEDED, `too many slots (max ${MAX_STORAGE_VALUES})`)
    if (slots === 0) throw invalidParams('empty request')
    const state = ctx.backend.chain.state(await resolveStateBlock(ctx, block ?? LATEST))
    const result: Record<string, string[]> = {}
    for (const request of requests) {
      result[hex(request.address)] = await Promise.all(request.keys.map(async (key) => storageWord(await state.getStorageAt(request.address, key.key))))
    }
    return result
  }),

  eth_getProof: method(
    [required('address', address), required('storageKeys', arrayOf(storageKey, MAX_PROOF_KEYS)), optional('block', blockTagOrHash)],
    async (ctx, addr, keys, block) => {
      const view = await resolveStateBlock(ctx, block ?? LATEST)
      const proof = await withinDeadline(ctx, requestTimedOut, (signal) => ctx.backend.chain.state(view).getProof(addr, keys.map((k) => k.key), signal))
      return {
        address: hex(proof.address),
        accountProof: proof.accountProof.map(hex),
        balance: quantity(proof.balance),
        codeHash: hex(proof.codeHash),
        nonce: quantity(proof.nonce),
        storageHash: hex(proof.storageHash),
        storageProof: proof.storageProof.map((entry, i) => ({
          // geth echoes a 32-byte key as given and any shorter one as a quantity.
          key: keys[i] !== undefined && keys[i].inputLength === 32 ? hex(keys[i].key) : bytesQuantity(entry.key),
          value: quantity(entry.value),
          proof: entry.proof.map(hex),
        })),
      }
    },
  ),
}
