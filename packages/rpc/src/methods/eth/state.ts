// World state at any block: balance, nonce, code, storage, Merkle proofs.
// A missing block is an error here ("header not found"), not null, as geth.
import { requestTimedOut, withinDeadline } from '../../deadline.ts'
import { LATEST, method, resolveStateBlock, type MethodTable } from '../../context.ts'
import { bytesQuantity, hex, quantity } from '../../format.ts'
import { address, arrayOf, blockTagOrHash, optional, required, storageKey } from '../../params.ts'

/** geth answers eth_getProof with at most this many storage keys. */
const MAX_PROOF_KEYS = 1024

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
      const value = await ctx.backend.chain.state(view).getStorageAt(addr, slot.key)
      const padded = new Uint8Array(32)
      padded.set(value.subarray(Math.max(0, value.length - 32)), 32 - Math.min(32, value.length))
      return hex(padded)
    },
  ),

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
