// Read-only calls the chain itself makes into contracts at a state root: the QBFT validator
// contract's getValidators() (contract mode). Runs on a throw-away layer over the trie store,
// so staged nodes of a block being committed are visible and nothing is ever written.
import type { Common } from '@ethereumjs/common'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import { Address, bytesToBigInt, bytesToHex, createZeroAddress, hexToBytes, type DB } from '@ethereumjs/util'
import { createVM } from '@ethereumjs/vm'
import { EphemeralTrieStore } from '@busan/db'
import { BlockError } from './errors.ts'
import { createStateTrie, evmBlockchain } from './executor.ts'

/** getValidators() selector: keccak256("getValidators()")[0:4]. */
const GET_VALIDATORS = hexToBytes('0xb7ab4db5')
/** Gas for one system call; a validator list of hundreds of addresses needs far less. */
const SYSTEM_CALL_GAS = 30_000_000n

/** Runs `data` against `to` at `stateRoot` from the zero address; the return data, or BlockError when it fails. */
export async function systemCall(trieStore: DB<string, Uint8Array>, common: Common, stateRoot: Uint8Array, to: string, data: Uint8Array): Promise<Uint8Array> {
  const stateManager = new MerkleStateManager({ trie: createStateTrie(new EphemeralTrieStore(trieStore), common, stateRoot), common, caches: new Caches() })
  const vm = await createVM({ common, stateManager, blockchain: evmBlockchain(() => undefined), params: {}, evmOpts: { params: {} } })
  const result = await vm.evm.runCall({ to: new Address(hexToBytes(to as `0x${string}`)), data, gasLimit: SYSTEM_CALL_GAS, caller: createZeroAddress(), skipBalance: true })
  if (result.execResult.exceptionError !== undefined) throw new BlockError('validator contract call failed', `${to}: ${result.execResult.exceptionError.error}`)
  return result.execResult.returnValue
}

/** ABI-decodes an `address[]` return value; BlockError when it is not one. */
export function decodeAddressArray(data: Uint8Array): string[] {
  const word = (at: number) => (at + 32 <= data.length ? bytesToBigInt(data.subarray(at, at + 32)) : undefined)
  const offset = word(0)
  if (offset === undefined || offset > BigInt(data.length)) throw new BlockError('invalid validator contract', 'getValidators() did not return address[]')
  const length = word(Number(offset))
  if (length === undefined || Number(offset) + 32 + Number(length) * 32 > data.length) throw new BlockError('invalid validator contract', 'getValidators() returned a truncated address[]')
  const addresses: string[] = []
  for (let i = 0; i < Number(length); i++) {
    const start = Number(offset) + 32 + i * 32
    addresses.push(bytesToHex(data.subarray(start + 12, start + 32)).toLowerCase())
  }
  return addresses
}

/** The QBFT validator-contract reader over this chain's trie store: getValidators() at a state root, sorted. */
export function validatorContractReader(trieStore: DB<string, Uint8Array>, common: Common): (stateRoot: Uint8Array, contract: string) => Promise<string[]> {
  return async (stateRoot, contract) => {
    const validators = decodeAddressArray(await systemCall(trieStore, common, stateRoot, contract, GET_VALIDATORS))
    if (validators.length === 0) throw new BlockError('invalid validator contract', `${contract} returned no validators`)
    return [...new Set(validators)].sort()
  }
}
