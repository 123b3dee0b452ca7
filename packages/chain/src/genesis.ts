import { Block, createBlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, Address, bytesToHex, equalsBytes, hexToBytes, setLengthLeft } from '@ethereumjs/util'
import type { GenesisFile } from '@busan/chain-config'
import { INITIAL_BASE_FEE } from '@busan/chain-config'
import { createStateTrie } from './executor.ts'
import type { TrieNodeStore } from '@busan/db'

const hex = (value: string) => hexToBytes(value as `0x${string}`)

/** Writes the genesis allocation into the state trie (staged) and returns the genesis block. */
export async function buildGenesisBlock(genesis: GenesisFile, common: Common, trieStore: TrieNodeStore): Promise<Block> {
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
      timestamp: BigInt(genesis.timestamp ?? '0x0'),
      baseFeePerGas: BigInt(genesis.baseFeePerGas ?? INITIAL_BASE_FEE),
      mixHash: genesis.mixHash === undefined ? undefined : hex(genesis.mixHash),
      nonce: genesis.nonce === undefined ? undefined : setLengthLeft(hex(genesis.nonce), 8),
      coinbase: genesis.coinbase === undefined ? undefined : hex(genesis.coinbase),
      stateRoot,
    },
    { common, params: {} },
  )
  return new Block(header, [], [], [], { common, params: {} })
}

export function assertSameGenesis(stored: Uint8Array, built: Block): void {
  if (!equalsBytes(stored, built.hash())) {
    throw new Error(`database holds genesis ${bytesToHex(stored)} but the genesis file gives ${bytesToHex(built.hash())}: use another data directory`)
  }
}
