import type { Common } from '@ethereumjs/common'
import { MerkleStateManager, getMerkleStateProof } from '@ethereumjs/statemanager'
import { Address, bytesToBigInt, hexToBytes, setLengthLeft, type DB } from '@ethereumjs/util'
import { createStateTrie } from '@busan/chain'
import type { AccountProof, StateView } from '@busan/rpc'

/** Read-only world state at one state root (any historical block: the node is an archive). */
export class TrieStateView implements StateView {
  private readonly stateManager: MerkleStateManager

  constructor(db: DB<string, Uint8Array>, common: Common, root: Uint8Array) {
    this.stateManager = new MerkleStateManager({ trie: createStateTrie(db, common, root), common })
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
