// Keccak-256 for the RPC layer: Node's own KECCAK-256 (OpenSSL 3), the hash the node uses everywhere.
import { hash } from 'node:crypto'

/** Keccak-256 of `data` (32 bytes), as web3_sha3 answers it. */
export function keccak256(data: Uint8Array): Uint8Array {
  return hash('keccak-256', data, 'buffer')
}

/** EIP-55 mixed-case form of a 20-byte address, as geth's `Address.Hex()`. */
export function checksumAddress(address: Uint8Array): string {
  const lower = Buffer.from(address.buffer, address.byteOffset, address.byteLength).toString('hex')
  const digest = hash('keccak-256', lower, 'hex')
  let out = '0x'
  for (let i = 0; i < lower.length; i++) out += parseInt(digest[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i]
  return out
}
