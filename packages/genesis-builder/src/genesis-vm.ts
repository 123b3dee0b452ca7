// An EthereumJS VM holding a genesis state: the builder deploys and initialises the system
// contracts in it, then reads every account back out as genesis `alloc`; tests load a built
// genesis into it to call the contracts as a node would.
import { createBlock, type Block } from '@ethereumjs/block'
import { SimpleStateManager } from '@ethereumjs/statemanager'
import { Account, Address, bigIntToHex, bytesToHex, createAddressFromString, hexToBytes, setLengthLeft, unpadBytes } from '@ethereumjs/util'
import { createVM, type VM } from '@ethereumjs/vm'
import { createChainCommon, type GenesisAccount, type GenesisFile } from '@busan/chain-config'

/** More than any system contract's constructor or initialiser needs. */
const CALL_GAS_LIMIT = 30_000_000n

/** A call or deployment in the genesis VM reverted; `data` is the revert data. */
export class ExecutionReverted extends Error {
  readonly data: string

  constructor(message: string, data: string) {
    super(message)
    this.name = 'ExecutionReverted'
    this.data = data
  }
}

/**
 * SimpleStateManager keys storage by slot, but has no way to list an account's slots. This one
 * remembers every slot written so the state can be exported with the slot keys that a
 * genesis alloc needs (a Merkle trie only keeps their hashes).
 */
class SlotRecordingStateManager extends SimpleStateManager {
  readonly writtenSlots = new Map<string, Set<string>>()

  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const account = address.toString()
    let slots = this.writtenSlots.get(account)
    if (slots === undefined) this.writtenSlots.set(account, (slots = new Set()))
    slots.add(bytesToHex(setLengthLeft(key, 32)))
    await super.putStorage(address, key, value)
  }
}

export interface CallRequest {
  from: string
  to: string
  data: string
  /** Block timestamp seen by the call; the genesis timestamp by default. */
  timestamp?: bigint
}

export class GenesisVm {
  readonly #vm: VM
  readonly #state: SlotRecordingStateManager
  readonly #genesis: GenesisFile
  /** Accounts created here, exported together with the genesis alloc ones. */
  readonly #deployed = new Set<string>()

  private constructor(vm: VM, state: SlotRecordingStateManager, genesis: GenesisFile) {
    this.#vm = vm
    this.#state = state
    this.#genesis = genesis
  }

  /** A VM whose state is exactly the genesis alloc: balances, nonces, code and storage. */
  static async fromGenesis(genesis: GenesisFile): Promise<GenesisVm> {
    const common = createChainCommon(genesis)
    const state = new SlotRecordingStateManager({ common })
    for (const [address, account] of Object.entries(genesis.alloc)) {
      const at = createAddressFromString(address)
      await state.putAccount(at, new Account(BigInt(account.nonce ?? 0), BigInt(account.balance)))
      if (account.code !== undefined) await state.putCode(at, hexToBytes(account.code as `0x${string}`))
      for (const [slot, value] of Object.entries(account.storage ?? {})) {
        await state.putStorage(at, setLengthLeft(hexToBytes(slot as `0x${string}`), 32), unpadBytes(hexToBytes(value as `0x${string}`)))
      }
    }
    const vm = await createVM({ common, stateManager: state })
    return new GenesisVm(vm, state, genesis)
  }

  /**
   * Runs `initcode` as a contract creation whose new account is `address` rather than a
   * CREATE address, so `address(this)` and immutables set by the constructor are right for
   * that address. Like a real creation, the account gets nonce 1 (EIP-161).
   */
  async deployAt(address: string, initcode: string, deployer: string): Promise<void> {
    const at = createAddressFromString(address)
    if ((await this.#state.getAccount(at)) !== undefined) throw new Error(`cannot deploy at ${address}: the account exists`)
    const runtime = await this.#run({ from: deployer, to: address, data: '0x' }, hexToBytes(initcode as `0x${string}`))
    if (runtime.length === 0) throw new Error(`deployment at ${address} returned no code`)
    await this.#state.putCode(at, runtime)
    await this.#state.modifyAccountFields(at, { nonce: 1n })
    this.#deployed.add(at.toString())
  }

  /** A state-changing call; returns the return data. */
  async call(request: CallRequest): Promise<string> {
    return bytesToHex(await this.#run(request))
  }

  /** A read-only call (STATICCALL semantics); returns the return data. */
  async view(request: CallRequest): Promise<string> {
    return bytesToHex(await this.#run(request, undefined, true))
  }

  async storageAt(address: string, slot: string): Promise<string> {
    const value = await this.#state.getStorage(createAddressFromString(address), setLengthLeft(hexToBytes(slot as `0x${string}`), 32))
    return bytesToHex(setLengthLeft(value, 32))
  }

  /**
   * The whole state as genesis alloc, keys in ascending order: the accounts of the original
   * alloc, those deployed here and any whose storage was written.
   */
  async exportAlloc(): Promise<Record<string, GenesisAccount>> {
    const addresses = new Set<string>([...Object.keys(this.#genesis.alloc).map((a) => a.toLowerCase()), ...this.#deployed, ...this.#state.writtenSlots.keys()])
    const alloc: Record<string, GenesisAccount> = {}
    for (const address of [...addresses].sort()) {
      const at = createAddressFromString(address)
      const account = (await this.#state.getAccount(at)) ?? new Account()
      const entry: GenesisAccount = { balance: bigIntToHex(account.balance) }
      if (account.nonce !== 0n) entry.nonce = bigIntToHex(account.nonce)
      const code = await this.#state.getCode(at)
      if (code.length > 0) entry.code = bytesToHex(code)
      const storage: Record<string, string> = {}
      for (const slot of [...(this.#state.writtenSlots.get(address) ?? [])].sort()) {
        const value = await this.#state.getStorage(at, hexToBytes(slot as `0x${string}`))
        if (unpadBytes(value).length > 0) storage[slot] = bytesToHex(setLengthLeft(value, 32))
      }
      if (Object.keys(storage).length > 0) entry.storage = storage
      alloc[address] = entry
    }
    return alloc
  }

  async #run(request: CallRequest, code?: Uint8Array, isStatic = false): Promise<Uint8Array> {
    const result = await this.#vm.evm.runCall({
      caller: createAddressFromString(request.from),
      to: createAddressFromString(request.to),
      data: hexToBytes(request.data as `0x${string}`),
      code,
      isStatic,
      gasLimit: CALL_GAS_LIMIT,
      block: this.#block(request.timestamp),
      // Calls here are not transactions: the callers' nonces and balances stay as in genesis.
      skipNonceIncrement: true,
    })
    const error = result.execResult.exceptionError
    if (error !== undefined) {
      throw new ExecutionReverted(`call to ${request.to} failed: ${error.error}`, bytesToHex(result.execResult.returnValue))
    }
    return result.execResult.returnValue
  }

  #block(timestamp?: bigint): Block {
    const common = this.#vm.common
    return createBlock(
      {
        header: {
          number: 0n,
          timestamp: timestamp ?? BigInt(this.#genesis.timestamp ?? 0),
          gasLimit: BigInt(this.#genesis.gasLimit),
        },
      },
      { common },
    )
  }
}
