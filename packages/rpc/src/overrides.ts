// The override parameters of eth_call, eth_estimateGas and eth_createAccessList, decoded as
// geth decodes them (internal/ethapi/override: StateOverride and BlockOverrides): viem's
// `stateOverride`, MetaMask's transaction simulation and Foundry's `cast call --override-*`
// send them.
import { bytesToHex, toChecksumAddress } from '@ethereumjs/util'
import type { AccountOverride, BlockOverrides } from './backend.ts'
import type { SimulateBlockOverrides, WithdrawalData } from './backend-simulate.ts'
import { serverError } from './errors.ts'
import { ParamError, address, arrayOf, bytes, hash, quantity, uint64, type Decoder } from './params.ts'
import { asObject, members } from './param-objects.ts'

/** Storage as geth's map[common.Hash]common.Hash: 32-byte keys and values, the last of a key given twice winning. */
function storageMap(value: unknown, field: string): [Uint8Array, Uint8Array][] {
  const obj = asObject(value, 'map[common.Hash]common.Hash', field)
  const slots = new Map<string, [Uint8Array, Uint8Array]>()
  for (const [key, word] of Object.entries(obj)) {
    const slot = hash.decode(key, field)
    slots.set(Buffer.from(slot).toString('hex'), [slot, hash.decode(word, field)])
  }
  return [...slots.values()]
}

/**
 * geth's StateOverride: address -> {nonce, code, balance, state, stateDiff,
 * movePrecompileToAddress}. Both `state` and `stateDiff` on one account is refused with
 * geth's message; an address given twice (in another case) keeps the last, as a Go map.
 */
export const stateOverrides: Decoder<AccountOverride[]> = {
  goType: 'override.StateOverride',
  decode(value, field) {
    const S = 'OverrideAccount'
    const accounts = new Map<string, AccountOverride>()
    for (const [key, entry] of Object.entries(asObject(value, this.goType, field))) {
      const obj = asObject(entry, 'override.OverrideAccount', field)
      const account: AccountOverride = {
        address: address.decode(key, field),
        ...members<Omit<AccountOverride, 'address' | 'state' | 'stateDiff'>>(obj, { nonce: uint64, code: bytes, balance: quantity, movePrecompileToAddress: address }, S),
      }
      if (obj.state !== undefined && obj.state !== null) account.state = storageMap(obj.state, `${S}.state`)
      if (obj.stateDiff !== undefined && obj.stateDiff !== null) account.stateDiff = storageMap(obj.stateDiff, `${S}.stateDiff`)
      if (account.state !== undefined && account.stateDiff !== undefined) {
        throw serverError(`account ${toChecksumAddress(bytesToHex(account.address))} has both 'state' and 'stateDiff'`)
      }
      accounts.set(key.toLowerCase(), account)
    }
    return [...accounts.values()]
  },
}

/** The members of geth's BlockOverrides that eth_call applies. */
function blockOverrideFields(obj: Record<string, unknown>): BlockOverrides {
  return members<BlockOverrides>(
    obj,
    { number: quantity, difficulty: quantity, time: uint64, gasLimit: uint64, feeRecipient: address, prevRandao: hash, baseFeePerGas: quantity },
    'BlockOverrides',
  )
}

/**
 * geth's BlockOverrides: number, difficulty, time, gasLimit, feeRecipient, prevRandao,
 * baseFeePerGas. `beaconRoot` and `withdrawals` are refused with geth's message (they only
 * mean something to eth_simulateV1); `blobBaseFee` is refused too: the EVM here derives the
 * blob base fee from the header's excess blob gas and cannot be handed one.
 */
export const blockOverrides: Decoder<BlockOverrides> = {
  goType: '*override.BlockOverrides',
  decode(value, field) {
    const obj = asObject(value, this.goType, field)
    for (const unsupported of ['beaconRoot', 'withdrawals']) {
      if (obj[unsupported] !== undefined && obj[unsupported] !== null) throw serverError(`block override "${unsupported}" is not supported for this RPC method`)
    }
    if (obj.blobBaseFee !== undefined && obj.blobBaseFee !== null) throw new ParamError('block override "blobBaseFee" is not supported by this node')
    return blockOverrideFields(obj)
  },
}

export const withdrawal: Decoder<WithdrawalData> = {
  goType: '*types.Withdrawal',
  decode(value, field) {
    const obj = asObject(value, this.goType, field)
    for (const key of ['index', 'validatorIndex', 'address', 'amount']) {
      if (obj[key] === undefined || obj[key] === null) throw new ParamError(`missing required field '${key}' for Withdrawal`)
    }
    return members<WithdrawalData>(obj, { index: uint64, validatorIndex: uint64, address, amount: uint64 }, 'Withdrawal') as WithdrawalData
  },
}

/** eth_simulateV1's BlockOverrides: eth_call's members and `blobBaseFee`, `beaconRoot`, `withdrawals`. */
export const simulateBlockOverrides: Decoder<SimulateBlockOverrides> = {
  goType: '*override.BlockOverrides',
  decode(value, field) {
    const obj = asObject(value, this.goType, field)
    const extra = members<Pick<SimulateBlockOverrides, 'blobBaseFee' | 'beaconRoot' | 'withdrawals'>>(obj, { blobBaseFee: quantity, beaconRoot: hash, withdrawals: arrayOf(withdrawal) }, 'BlockOverrides')
    return { ...blockOverrideFields(obj), ...extra }
  },
}
