import type { Common } from '@ethereumjs/common'
import { CacheType, Caches, MerkleStateManager, getMerkleStateProof } from '@ethereumjs/statemanager'
import { Address, bytesToBigInt, hexToBytes, setLengthLeft, type DB } from '@ethereumjs/util'
import { createStateTrie } from '@busan/chain'
import type { AccountProof, StateView } from '@busan/rpc'

/**
 * Read-only world state at one state root (any historical block: the node is an archive).
 * `cached`: keep what was read (LRU: 4,096 accounts, the slots of 1,024 of them, 256 codes):
 * for a view that serves many reads (the head's, while it is the head). The state at a root
 * never changes, so nothing cached goes stale; without it every read walks the trie from disk.
 */
export class TrieStateView implements StateView {
  private readonly stateManager: MerkleStateManager

  constructor(db: DB<string, Uint8Array>, common: Common, root: Uint8Array, options: { cached?: boolean } = {}) {
    const caches = options.cached === true ? new Caches({ account: { type: CacheType.LRU, size: 4096 }, storage: { type: CacheType.LRU, size: 1024 }, code: { type: CacheType.LRU, size: 256 } }) : undefined
    this.stateManager = new MerkleStateManager({ trie: createStateTrie(db, common, root), common, caches })
  }

  async getBalance(address: Uint8Array): Promise<bigint> {
    return (await this.stateManager.getAccount(new Address(address)))?.balance ?? 0n
  }

  async getNonce(address: Uint8Array): Promise<bigint> {
    return (await this.stateManager.getAccount(new Address(address)))?.nonce ?? 0n
  }

  async getCode(address: Uint8Array): Promise<Uint8Array> {
    return this.stateManager.getCode(new Address(address))
  }

  async getStorageAt(address: Uint8Array, slot: Uint8Array): Promise<Uint8Array> {
    const account = await this.stateManager.getAccount(new Address(address))
    if (account === undefined) return new Uint8Array(32)
    return setLengthLeft(await this.stateManager.getStorage(new Address(address), setLengthLeft(slot, 32)), 32)
  }

  async getProof(address: Uint8Array, slots: Uint8Array[]): Promise<AccountProof> {
    const proof = await getMerkleStateProof(this.stateManager, new Address(address), slots.map((slot) => setLengthLeft(slot, 32)))
    const bytes = (hex: string) => hexToBytes(hex as `0x${string}`)
    return {
      address,
      balance: BigInt(proof.balance),
      nonce: BigInt(proof.nonce),
      codeHash: bytes(proof.codeHash),
      storageHash: bytes(proof.storageHash),
      accountProof: proof.accountProof.map(bytes),
      storageProof: proof.storageProof.map((entry, i) => ({ key: slots[i], value: bytesToBigInt(bytes(entry.value)), proof: entry.proof.map(bytes) })),
    }
  }
}
