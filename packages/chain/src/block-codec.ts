// Decoding blocks with the chain's hashing rule. Most engines hash a block as keccak256 of its
// header RLP (EthereumJS's rule); QBFT leaves the commit seals and round out (see
// consensus/qbft/hashing.ts), so every place that turns bytes into a Block goes through here.
import { createBlockFromRLP, createBlockHeaderFromBytesArray, type Block, type BlockHeader, type BlockHeaderBytes } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import type { Common } from '@ethereumjs/common'
import { qbftConfigOf, type GenesisFile } from '@busan/chain-config'
import { useQbftBlockHash } from './consensus/qbft/hashing.ts'

/** Fixes how a freshly built, frozen header hashes; a no-op under the default rule. */
export type HeaderHashRule = (header: BlockHeader) => void

/** The hashing rule of a chain: QBFT's from its first QBFT block on (block 1, or `qbft.startblock`). */
export function headerHashRule(genesis: GenesisFile): HeaderHashRule {
  const qbft = qbftConfigOf(genesis)
  if (qbft === undefined) return () => {}
  const first = BigInt(qbft.startblock ?? 1)
  return (header) => {
    if (header.number >= first) useQbftBlockHash(header)
  }
}

/**
 * A block from its RLP, decoded under the fork in force at its own number and timestamp (a
 * pre-London header has no base fee, a legacy-only block no typed transactions), hashed by
 * `rule`; throws on malformed input.
 */
export function decodeBlock(rlp: Uint8Array, common: Common, rule: HeaderHashRule): Block {
  const block = createBlockFromRLP(rlp, { common, params: {}, setHardfork: true })
  rule(block.header)
  return block
}

/**
 * The header of a block RLP, decoded and hashed as `decodeBlock` would, without building the
 * block's transactions (a few hundred microseconds for a full block): enough to tell a block
 * already stored. Throws on malformed input.
 */
export function decodeBlockHeader(rlp: Uint8Array, common: Common, rule: HeaderHashRule): BlockHeader {
  const values = RLP.decode(rlp)
  if (!Array.isArray(values) || !Array.isArray(values[0])) throw new Error('invalid block RLP: not a list with a header list')
  const header = createBlockHeaderFromBytesArray(values[0] as BlockHeaderBytes, { common, params: {}, setHardfork: true })
  rule(header)
  return header
}
