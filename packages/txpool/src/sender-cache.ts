// Senders recovered ahead of admission on another thread, as geth's senderCacher does on
// other goroutines. The signature recovery (secp256k1) is the largest single cost of
// admitting a plain transfer: a fifth of the thread that admits, executes and seals at 3,000
// transfers/s (docs/benchmarks.md, eighth session). For a batch of raw transactions (a JSON-RPC
// batch of eth_sendRawTransaction) it runs on a thread of its own while that thread does other
// work; admission then only looks the public key up. A transaction whose key is not there
// (alone, not decodable ahead, evicted) is recovered at admission as before.
import { BLOB_TX_TYPE } from './blob.ts'
import { decodeRaw, identifyRaw, recoverPublicKey, type DecodeContext } from './decode.ts'

/** A transaction's hash (lowercase 0x hex) and the 64-byte public key that signed it. */
export type RecoveredSender = [hashHex: string, publicKey: Uint8Array]

/**
 * Recovers the senders of raw transactions elsewhere (another thread runs `recoverSenders`).
 * Resolves with those it recovered; may resolve with none (busy), never rejects for a bad
 * transaction.
 */
export type SenderRecovery = (raws: Uint8Array[]) => Promise<RecoveredSender[]>

/**
 * For every raw transaction that passes the checks addRaw makes before recovery (size, RLP,
 * chain id, fee caps, signature values), its hash and signer's public key. The others are left
 * out (addRaw answers them with their errors), and so are blob transactions' network forms
 * (addRaw identifies those by their canonical form, after the sidecar is split off).
 */
export function recoverSenders(raws: Uint8Array[], ctx: DecodeContext): RecoveredSender[] {
  const recovered: RecoveredSender[] = []
  for (const input of raws) {
    if (input[0] === BLOB_TX_TYPE) continue
    try {
      const id = identifyRaw(input, ctx)
      recovered.push([id.hashHex, recoverPublicKey(decodeRaw(id.raw, id.hash, id.hashHex, ctx))])
    } catch {
      // Not recoverable: addRaw gives this transaction its error.
    }
  }
  return recovered
}

/**
 * Recovered public keys waiting for their transactions' admission, by hash. Bounded: a key
 * whose transaction never comes (refused before recovery, or never sent) is evicted, oldest first.
 */
export class SenderCache {
  readonly #keys = new Map<string, Uint8Array>()
  readonly #capacity: number

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  add(recovered: readonly RecoveredSender[]): void {
    for (const [hashHex, publicKey] of recovered) {
      this.#keys.delete(hashHex)
      this.#keys.set(hashHex, publicKey)
    }
    for (const oldest of this.#keys.keys()) {
      if (this.#keys.size <= this.#capacity) break
      this.#keys.delete(oldest)
    }
  }

  /** The public key recovered for the transaction `hashHex`, taken out of the cache; undefined when none was. */
  take(hashHex: string): Uint8Array | undefined {
    const publicKey = this.#keys.get(hashHex)
    if (publicKey !== undefined) this.#keys.delete(hashHex)
    return publicKey
  }
}
