// The chain's public shapes: what it is opened with, what it reports when its head moves, and
// what a block producer chooses for a header.
import type { Common } from '@ethereumjs/common'
import type { Logger } from 'pino'
import type { GenesisFile } from '@busan/chain-config'
import type { KeyValueStore, TrieNodeStore } from '@busan/db'
import type { ConsensusEngine } from './consensus/interface.ts'
import type { ChainMetrics } from './metrics.ts'
import type { StoredBlock } from './store.ts'

/** A block that became part of the canonical chain, with what listeners need: what the store keeps with it. */
export type CanonicalBlock = StoredBlock

export interface HeadChange {
  head: CanonicalBlock
  /** Blocks added to the canonical chain, oldest first (the head is the last). */
  added: CanonicalBlock[]
  /** Blocks a reorg removed from the canonical chain, newest first. */
  removed: CanonicalBlock[]
  /** True when this node sealed the new head (false for imported blocks). */
  sealedHere: boolean
}

/** Header fields a block producer chooses (the rest follow from the parent and the execution). */
export interface BlockFields {
  /** Unix seconds. */
  timestamp: bigint
  difficulty: bigint
  extraData: Uint8Array
  coinbase: Uint8Array
  nonce: Uint8Array
  mixHash?: Uint8Array
  /** Who executes as the block's author (fees, COINBASE): the Clique signer, the QBFT proposer. */
  author: Uint8Array
}

/** What importing a block did: it became the head, it joined a side branch, or it was known. */
export type ImportOutcome = 'canonical' | 'side' | 'known'

export interface ChainOptions {
  kv: KeyValueStore
  common: Common
  genesis: GenesisFile
  engine: ConsensusEngine
  /** The staged trie-node store over `kv`; one is made when absent (engines that read state get the same). */
  trieStore?: TrieNodeStore
  logger: Logger
  metrics: ChainMetrics | null
  /**
   * Fsync the WAL for every committed block (imported ones too) before the head moves.
   * Blocks this node seals are always synced: a sealer that lost its own block in a power
   * cut could seal a different block at the same height after restart.
   */
  syncWrites?: boolean
  /**
   * Our EthereumJS patches' speed-ups (patches/@ethereumjs+evm: code analyses kept across calls,
   * steps without a promise when nothing in them is asynchronous); on by default. false runs the
   * EVM's steps as EthereumJS runs them (every call's code analysed again, every step awaited):
   * the test that proves the patches change nothing runs blocks both ways.
   */
  evmPatches?: boolean
  /** Log the empty blocks this node seals at debug, not info (the dev chain: one every period says nothing). */
  quietEmptyBlocks?: boolean
}
