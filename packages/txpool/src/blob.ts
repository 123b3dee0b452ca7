// Blob transactions (EIP-4844) reach the pool in their network form: the transaction and its
// sidecar, the blobs with their KZG commitments and proofs (one proof per blob, or from Osaka
// EIP-7594's 128 cell proofs per blob behind a wrapper version). Blocks carry only the canonical
// form; peers need the sidecar, so the pool keeps both. Checking a sidecar's KZG proofs costs
// over 100 ms a blob in JavaScript, so the pool hands it to a BlobVerifier (the node runs it on a
// worker thread) and never does it on the thread that seals.
import { RLP } from '@ethereumjs/rlp'
import { TxPoolError, TxPoolErrorReason as R } from './errors.ts'

/** The EIP-2718 type of blob transactions. */
export const BLOB_TX_TYPE = 3

/**
 * Checks a blob transaction's sidecar against the transaction: blob, commitment, proof and
 * versioned-hash counts, each versioned hash against its commitment, the KZG proofs, and the
 * wrapper version the fork of the block after the head requires (EIP-7594 cell proofs from
 * Osaka). Resolves when the network form is valid; rejects with the reason otherwise.
 */
export interface BlobVerifier {
  verify(networkRaw: Uint8Array): Promise<void>
}

/**
 * The canonical form (type byte and the transaction's RLP) of a blob transaction given in its
 * network form, `0x03 || rlp([tx, blobs, commitments, proofs])` or, with EIP-7594's wrapper
 * version, `0x03 || rlp([tx, version, blobs, commitments, cell proofs])`. Throws TxPoolError:
 * geth's "missing sidecar in blob transaction" for the canonical form, an rlp error for
 * anything else that is not a network form.
 */
export function canonicalBlobTx(networkRaw: Uint8Array): Uint8Array {
  let values: unknown
  try {
    values = RLP.decode(networkRaw.subarray(1))
  } catch (error) {
    throw new TxPoolError(R.Rlp, error instanceof Error ? error.message : String(error))
  }
  if (!Array.isArray(values)) throw new TxPoolError(R.Rlp, 'expected input list for types.BlobTx')
  // The canonical form's first item is the chain id (bytes); the network form's is the transaction (a list).
  if (!Array.isArray(values[0])) throw new TxPoolError(R.MissingSidecar)
  if (values.length !== 4 && values.length !== 5) throw new TxPoolError(R.Rlp, `blob transaction network form of ${values.length} items, want 4 or 5`)
  const body = RLP.encode(values[0] as Uint8Array[])
  const canonical = new Uint8Array(body.length + 1)
  canonical[0] = BLOB_TX_TYPE
  canonical.set(body, 1)
  return canonical
}

/** The blobs, KZG commitments and proofs of a network form `canonicalBlobTx` accepted (the last three items, whatever the wrapper version). */
export function blobSidecar(networkRaw: Uint8Array): { blobs: Uint8Array[]; commitments: Uint8Array[]; proofs: Uint8Array[] } {
  const [blobs, commitments, proofs] = (RLP.decode(networkRaw.subarray(1)) as Uint8Array[][]).slice(-3)
  return { blobs, commitments, proofs }
}
