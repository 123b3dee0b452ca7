// QBFT block hashing (Besu's BftBlockHashing): a header is hashed with its extraData replaced
// by one of its forms, the rest of the header RLP unchanged.
//   block hash       = keccak256(header with on-chain extraData: round 0, no seals); genesis: as is
//   commit-seal hash = keccak256(header with extraData of the round, no seals)
// The block hash leaves the seals out so that nodes holding different quorums of seals for the
// same block agree on its hash, and the round out so a block re-proposed in a later round keeps it.
import type { BlockHeader } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { keccak256 } from '@busan/chain-config'
import { decodeExtraData, encodeExtraData, type QbftExtraData } from './extra-data.ts'

/** Index of extraData in a header's RLP field list. */
const EXTRA_DATA_FIELD = 12

/** keccak256 of a header's RLP fields with extraData replaced. */
export function hashWithExtraData(rawHeader: Uint8Array[], extraData: Uint8Array): Uint8Array {
  const raw = rawHeader.slice()
  raw[EXTRA_DATA_FIELD] = extraData
  return keccak256(RLP.encode(raw))
}

/** The block hash of a QBFT header (the genesis block is hashed as it is). */
export function qbftBlockHash(header: BlockHeader, extra: QbftExtraData = decodeExtraData(header.extraData)): Uint8Array {
  if (header.number === 0n) return keccak256(RLP.encode(header.raw()))
  return hashWithExtraData(header.raw(), encodeExtraData(extra, 'on-chain'))
}

/** What each validator's commit seal signs for `header` committed in `round` (default: the round in its extraData). */
export function commitSealHash(header: BlockHeader, round?: number, extra: QbftExtraData = decodeExtraData(header.extraData)): Uint8Array {
  return hashWithExtraData(header.raw(), encodeExtraData({ ...extra, round: round ?? extra.round }, 'commit-seal'))
}

/**
 * Makes `header.hash()` (and so `block.hash()`) answer the QBFT block hash. EthereumJS hashes a
 * frozen header once and caches it in `header.cache.hash`; the cache object itself is not
 * frozen, so filling it before the first `hash()` call sets the rule for the header's lifetime.
 */
export function useQbftBlockHash(header: BlockHeader): void {
  const cache = (header as unknown as { cache: { hash?: Uint8Array } }).cache
  if (!Object.isFrozen(header)) throw new Error('useQbftBlockHash needs a frozen header (its hash is cached only then)')
  cache.hash = qbftBlockHash(header)
}
