import { Block, createBlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, Address, bytesToHex, equalsBytes, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import { commonAt, INITIAL_BASE_FEE, type GenesisFile } from '@busan/chain-config'
import { ADDRESS_INDEX_STATE_KEY, encodeAddressIndexState } from './address-index.ts'
import { createStateTrie } from './executor.ts'
import { WriteBatch, type KeyValueStore, type TrieNodeStore } from '@busan/db'
import type { Logger } from 'pino'
import type { ConsensusEngine } from './consensus/interface.ts'
import type { ChainStore } from './store.ts'

const hex = (value: string) => hexToBytes(value as `0x${string}`)

/**
 * Writes the genesis allocation into the state trie (staged) and returns the genesis block,
 * with the header fields of the forks active at block 0, as geth's `Genesis.ToBlock`: a base fee
 * from London (the file's, else 1 gwei), the empty withdrawals root from Shanghai, blob gas and a
 * zero beacon root from Cancun, the empty requests hash from Prague. So its hash is geth's.
 */
export async function buildGenesisBlock(genesis: GenesisFile, chainCommon: Common, trieStore: TrieNodeStore): Promise<Block> {
  const timestamp = BigInt(genesis.timestamp ?? '0x0')
  const common = commonAt(chainCommon, 0n, timestamp)
  const stateManager = new MerkleStateManager({ trie: createStateTrie(trieStore, common), common, caches: new Caches() })
  const addresses = Object.keys(genesis.alloc).sort()
  for (const addressHex of addresses) {
    const entry = genesis.alloc[addressHex]
    const address = new Address(hex(addressHex.startsWith('0x') ? addressHex : `0x${addressHex}`))
    await stateManager.putAccount(address, new Account(BigInt(entry.nonce ?? 0), BigInt(entry.balance)))
    if (entry.code !== undefined && entry.code !== '0x') await stateManager.putCode(address, hex(entry.code))
    for (const [slot, value] of Object.entries(entry.storage ?? {})) {
      await stateManager.putStorage(address, setLengthLeft(hex(slot), 32), hex(value))
    }
  }
  const stateRoot = await stateManager.getStateRoot()
  const header = createBlockHeader(
    {
      number: 0n,
      gasLimit: BigInt(genesis.gasLimit),
      difficulty: BigInt(genesis.difficulty ?? '0x1'),
      extraData: hex(genesis.extraData),
      timestamp,
      baseFeePerGas: common.isActivatedEIP(1559) ? BigInt(genesis.baseFeePerGas ?? INITIAL_BASE_FEE) : undefined,
      // geth writes a header field it leaves out as null (`geth dumpgenesis`): absent, as undefined is.
      excessBlobGas: common.isActivatedEIP(4844) && genesis.excessBlobGas != null ? BigInt(genesis.excessBlobGas) : undefined,
      blobGasUsed: common.isActivatedEIP(4844) && genesis.blobGasUsed != null ? BigInt(genesis.blobGasUsed) : undefined,
      mixHash: genesis.mixHash == null ? undefined : hex(genesis.mixHash),
      nonce: genesis.nonce == null ? undefined : setLengthLeft(hex(genesis.nonce), 8),
      coinbase: genesis.coinbase == null ? undefined : hex(genesis.coinbase),
      stateRoot,
    },
    { common, params: {} },
  )
  return new Block(header, [], [], common.isActivatedEIP(4895) ? [] : undefined, { common, params: {} })
}

/**
 * The genesis block of `genesis`: written into a new data directory in one synced batch (its
 * state, the engine's snapshot, block, canonical entry, genesis and head pointers), or checked
 * against the one a directory holds (an Error naming both hashes when they differ).
 */
export async function writeOrCheckGenesis(
  genesis: GenesisFile,
  on: { kv: KeyValueStore; common: Common; store: ChainStore; trieStore: TrieNodeStore; engine: ConsensusEngine; logger: Logger },
): Promise<Block> {
  const { kv, common, store, trieStore, engine, logger } = on
  const block = await buildGenesisBlock(genesis, common, trieStore)
  const stored = store.genesisHash()
  if (stored !== undefined) {
    trieStore.discardStaged()
    assertSameGenesis(stored, block)
    return block
  }
  const batch = new WriteBatch()
  // Before the staged state moves into the batch: an engine may read the genesis state.
  await engine.genesisSnapshot(batch, block.header)
  trieStore.stageInto(batch)
  const canonical = { block, senders: [], receipts: [], calls: [] }
  store.putBlock(batch, canonical, block.header.difficulty)
  store.putCanonical(batch, canonical)
  store.setGenesis(batch, block.hash())
  store.setHead(batch, block.hash())
  // Every block this directory commits carries its address index entries: nothing to rebuild.
  batch.put(ADDRESS_INDEX_STATE_KEY, encodeAddressIndexState({ indexedFrom: 1, rebuiltTo: 0 }))
  await kv.write(batch, { sync: true })
  logger.info({ hash: bytesToHex(block.hash()), stateRoot: bytesToHex(block.header.stateRoot) }, 'wrote genesis')
  return block
}

function assertSameGenesis(stored: Uint8Array, built: Block): void {
  if (!equalsBytes(stored, built.hash())) {
    throw new Error(`database holds genesis ${bytesToHex(stored)} but the genesis file gives ${bytesToHex(built.hash())}: use another data directory`)
  }
}
