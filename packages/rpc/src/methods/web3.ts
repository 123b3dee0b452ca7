// web3_* : client version and keccak-256.
import { keccak256 } from '@busan/chain-config'
import { method, type MethodTable } from '../context.ts'
import { hex } from '../format.ts'
import { bytes, required } from '../params.ts'

export const web3Methods: MethodTable = {
  web3_clientVersion: method([], (ctx) => ctx.backend.clientVersion),
  web3_sha3: method([required('data', bytes)], (ctx, data) => hex(keccak256(data))),
}
