// net_* : network identity and peers.
import { method, type MethodTable } from '../context.ts'
import { quantity } from '../format.ts'

export const netMethods: MethodTable = {
  /** The chain id as a decimal string (this chain has no separate network id). */
  net_version: method([], (ctx) => ctx.backend.chain.chainId.toString(10)),
  net_listening: method([], (ctx) => ctx.backend.network.listening()),
  net_peerCount: method([], (ctx) => quantity(ctx.backend.network.peerCount())),
}
