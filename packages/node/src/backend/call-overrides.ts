// eth_call's overrides applied to a call's EVM, as geth applies them (internal/ethapi/override):
// block fields into the block context, account fields into the state inside the call's own
// checkpoint (reverted with it), precompiles moved or shadowed for the call only.
import { createBlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { Account, Address, bytesToHex, bytesToUnprefixedHex, toChecksumAddress } from '@ethereumjs/util'
import type { VM } from '@ethereumjs/vm'
import type { AccountOverride, BlockOverrides } from '@busan/rpc'
import { OverrideError } from './call-errors.ts'
import type { CallBlock } from './calls.ts'

/** `on` with geth's BlockOverrides applied: number, difficulty, time, gas limit, prevRandao (mixHash), base fee, fee recipient. */
export function overriddenBlock(on: CallBlock, common: Common, block: BlockOverrides | undefined): CallBlock {
  if (block === undefined || Object.keys(block).length === 0) return on
  const h = on.header
  const header = createBlockHeader(
    {
      ...h.toJSON(),
      number: block.number ?? h.number,
      difficulty: block.difficulty ?? h.difficulty,
      timestamp: block.time ?? h.timestamp,
      gasLimit: block.gasLimit ?? h.gasLimit,
      mixHash: block.prevRandao ?? h.mixHash,
      baseFeePerGas: block.baseFeePerGas ?? h.baseFeePerGas,
    },
    { common, params: {} },
  )
  return { header, author: block.feeRecipient ?? on.author }
}

function checksummed(address: Uint8Array): string {
  return toChecksumAddress(bytesToHex(address))
}

/**
 * Writes the overrides into `vm`'s state (the caller holds a checkpoint and reverts it) and
 * its precompile table; returns what puts the table back. Accounts go in address order, as
 * geth's, so errors are the same: a precompile moved onto an overridden address, a move of
 * what is not a precompile, an account a precompile was moved to (OverrideError, -32000,
 * geth's words). An overridden precompile address stops being a precompile for the call.
 */
export async function applyStateOverrides(vm: VM, accounts: AccountOverride[]): Promise<() => void> {
  const precompiles = vm.evm.precompiles
  const original = new Map(precompiles)
  const restore = () => {
    precompiles.clear()
    for (const [key, fn] of original) precompiles.set(key, fn)
  }
  try {
    const overridden = new Set(accounts.map((account) => bytesToUnprefixedHex(account.address)))
    const movedTo = new Set<string>()
    const sorted = [...accounts].sort((a, b) => Buffer.compare(a.address, b.address))
    for (const account of sorted) {
      const key = bytesToUnprefixedHex(account.address)
      if (movedTo.has(key)) throw new OverrideError(`account ${checksummed(account.address)} has already been overridden by a precompile`)
      const precompile = original.get(key)
      if (account.movePrecompileToAddress !== undefined) {
        if (precompile === undefined) throw new OverrideError(`account ${checksummed(account.address)} is not a precompile`)
        const destination = bytesToUnprefixedHex(account.movePrecompileToAddress)
        if (overridden.has(destination)) throw new OverrideError(`account ${checksummed(account.movePrecompileToAddress)} is already overridden`)
        precompiles.set(destination, precompile)
        movedTo.add(destination)
      }
      if (precompile !== undefined) precompiles.delete(key)
      await overrideAccount(vm, account)
    }
  } catch (error) {
    restore()
    throw error
  }
  return restore
}

/** Writes what `override` sets, and only that: an override that only moves a precompile leaves the account as it is (absent stays absent, as geth's). */
async function overrideAccount(vm: VM, override: AccountOverride): Promise<void> {
  const state = vm.stateManager
  const address = new Address(override.address)
  if (override.nonce !== undefined || override.balance !== undefined) {
    const account = (await state.getAccount(address)) ?? new Account()
    if (override.nonce !== undefined) account.nonce = override.nonce
    if (override.balance !== undefined) account.balance = override.balance
    await state.putAccount(address, account)
  }
  if (override.code !== undefined) await state.putCode(address, override.code)
  if (override.state !== undefined) {
    await state.clearStorage(address)
    for (const [slot, value] of override.state) await state.putStorage(address, slot, value)
  }
  for (const [slot, value] of override.stateDiff ?? []) await state.putStorage(address, slot, value)
}
