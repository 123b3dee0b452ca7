// Decoding blocks with the chain's hashing rule. Most engines hash a block as keccak256 of its
// header RLP (EthereumJS's rule); QBFT leaves the commit seals and round out (see
// consensus/qbft/hashing.ts), so every place that turns bytes into a Block goes through here.
import { createBlockFromBytesArray, createBlockFromRLP, createBlockHeaderFromBytesArray, type Block, type BlockBytes, type BlockHeader, type BlockHeaderBytes } from '@ethereumjs/block'
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

/** A block RLP decoded once: its header now, its transactions built only if `block()` is called. */
export interface PartlyDecodedBlock {
  header: BlockHeader
  /** The whole block, as `decodeBlock` gives it; throws on a malformed body. */
  block(): Block
}

/**
 * A block RLP's header, decoded and hashed as `decodeBlock` would, with the rest of the block
 * built from the same decoding only when asked: telling a block already stored costs no
 * transactions built (a few hundred microseconds for a full block). Throws on a malformed list
 * or header.
 */
export function decodeBlockPartly(rlp: Uint8Array, common: Common, rule: HeaderHashRule): PartlyDecodedBlock {
  const values = RLP.decode(Uint8Array.from(rlp))
  if (!Array.isArray(values) || !Array.isArray(values[0])) throw new Error('invalid block RLP: not a list with a header list')
  const opts = { common, params: {}, setHardfork: true }
  const header = createBlockHeaderFromBytesArray(values[0] as BlockHeaderBytes, opts)
  rule(header)
  return {
    header,
    block() {
      // createBlockFromRLP's size check (EIP-7934), then its decoding from the values at hand.
      if (common.isActivatedEIP(7934) && rlp.length > Number(common.param('maxRlpBlockSize'))) throw new Error(`Block size exceeds limit: ${rlp.length} > ${common.param('maxRlpBlockSize')}`)
      const block = createBlockFromBytesArray(values as BlockBytes, opts)
      rule(block.header)
      return block
    },
  }
}
