// keccak-256 through the chain's Common (native bindings in the node), with ethers' as fallback.
import type { Common } from '@ethereumjs/common'
import { getBytes, keccak256 as ethersKeccak } from 'ethers'

export function keccak256(common: Common | undefined, data: Uint8Array): Uint8Array {
  const native = common?.customCrypto?.keccak256
  return native !== undefined ? native(data) : getBytes(ethersKeccak(data))
}

/** EIP-55 mixed-case form of a 20-byte address, as geth's `Address.Hex()`. */
export function checksumAddress(common: Common | undefined, address: Uint8Array): string {
  const lower = Buffer.from(address.buffer, address.byteOffset, address.byteLength).toString('hex')
  const hash = Buffer.from(keccak256(common, new TextEncoder().encode(lower))).toString('hex')
  let out = '0x'
  for (let i = 0; i < lower.length; i++) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i]
  return out
}
