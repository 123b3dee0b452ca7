// Decoders of the JSON objects methods take (geth's structs): a call request
// (TransactionArgs), a log filter (FilterCriteria), eth_getStorageValues' requests, and the
// helpers that decode a struct's members with geth's field paths in their messages.
import { bigIntToUnpaddedBytes, type EOACode7702AuthorizationListBytes } from '@ethereumjs/util'
import type { CallRequest } from './backend.ts'
import { HEX_RE, MISSING_PREFIX, ODD_LENGTH, ParamError, SYNTAX, address, arrayOf, blockTag, bytes, has0x, hash, hexBytes, jsonKind, quantity, storageKey, typeError, u256, uint64, type BlockSelector, type Decoder, type StorageKey } from './params.ts'

export function asObject(value: unknown, goType: string, field?: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeError(jsonKind(value), goType, field)
  return value as Record<string, unknown>
}

/** A member decoded if present and not null. */
export function member<T>(obj: Record<string, unknown>, key: string, decoder: Decoder<T>, struct: string): T | undefined {
  const v = obj[key]
  return v === undefined || v === null ? undefined : decoder.decode(v, `${struct}.${key}`)
}

/** The members of `obj` that `decoders` names, each decoded if present and not null; absent ones are left out. */
export function members<T extends object>(obj: Record<string, unknown>, decoders: { [K in keyof T]-?: Decoder<T[K]> }, struct: string): Partial<T> {
  const out: Partial<T> = {}
  for (const key of Object.keys(decoders) as (keyof T & string)[]) {
    const value = member(obj, key, decoders[key], struct)
    if (value !== undefined) out[key] = value
  }
  return out
}

type AccessList = NonNullable<CallRequest['accessList']>
type AuthorizationList = NonNullable<CallRequest['authorizationList']>

function decodeAccessList(value: unknown, field: string): AccessList {
  if (!Array.isArray(value)) throw typeError(jsonKind(value), 'types.AccessList', field)
  return value.map((entry) => {
    const obj = asObject(entry, 'types.AccessTuple', field)
    const addr = obj.address
    if (addr === undefined || addr === null) throw new ParamError(`missing required field 'address' for AccessTuple`)
    const keys = obj.storageKeys ?? []
    if (!Array.isArray(keys)) throw typeError(jsonKind(keys), '[]common.Hash', `${field}.storageKeys`)
    return { address: address.decode(addr, `${field}.address`), storageKeys: keys.map((k) => hash.decode(k, `${field}.storageKeys`)) }
  })
}

function decodeAuthorizationList(value: unknown, field: string): AuthorizationList {
  if (!Array.isArray(value)) throw typeError(jsonKind(value), '[]types.SetCodeAuthorization', field)
  return value.map((entry) => {
    const obj = asObject(entry, 'types.SetCodeAuthorization', field)
    const need = <T>(key: string, decoder: Decoder<T>): T => {
      const v = obj[key]
      if (v === undefined || v === null) throw new ParamError(`missing required field '${key}' for SetCodeAuthorization`)
      return decoder.decode(v, `${field}.${key}`)
    }
    const yParity = need('yParity', uint64)
    if (yParity > 255n) throw typeError('hex number > 8 bits', 'hexutil.Uint64', `${field}.yParity`)
    return {
      chainId: need('chainId', u256),
      address: need('address', address),
      nonce: need('nonce', uint64),
      yParity: Number(yParity),
      r: need('r', u256),
      s: need('s', u256),
    }
  })
}

/** A decoded eth_call / eth_estimateGas object, with what the handler must still check. */
export interface DecodedCallRequest {
  request: CallRequest
  chainId?: bigint
  /** Set when both `input` and `data` are given and differ (geth refuses that). */
  inputDataConflict: boolean
}

/** geth's TransactionArgs. Unknown members (type, blob fields...) are ignored as geth ignores them. */
export const callRequest: Decoder<DecodedCallRequest> = {
  goType: 'ethapi.TransactionArgs',
  decode(value, field) {
    const S = 'TransactionArgs'
    const obj = asObject(value, this.goType, field)
    const scalars = { from: address, to: address, gas: uint64, gasPrice: quantity, maxFeePerGas: quantity, maxPriorityFeePerGas: quantity, value: quantity, nonce: uint64 }
    const request: CallRequest = members<Pick<CallRequest, keyof typeof scalars>>(obj, scalars, S)
    const input = member(obj, 'input', bytes, S)
    const data = member(obj, 'data', bytes, S)
    // geth: `input` wins; both given and different is an error the handler reports.
    if (input !== undefined || data !== undefined) request.data = input ?? data
    const inputDataConflict = input !== undefined && data !== undefined && Buffer.compare(input, data) !== 0
    if (obj.accessList !== undefined && obj.accessList !== null) request.accessList = decodeAccessList(obj.accessList, `${S}.accessList`)
    if (obj.authorizationList !== undefined && obj.authorizationList !== null) {
      request.authorizationList = decodeAuthorizationList(obj.authorizationList, `${S}.authorizationList`)
    }
    const chainId = member(obj, 'chainId', quantity, S)
    return chainId === undefined ? { request, inputDataConflict } : { request, chainId, inputDataConflict }
  },
}

/** A decoded log filter (eth_getLogs, eth_newFilter, logs subscriptions). */
export interface FilterCriteria {
  blockHash?: Uint8Array
  fromBlock?: BlockSelector & { kind: 'tag' | 'number' }
  toBlock?: BlockSelector & { kind: 'tag' | 'number' }
  addresses: Uint8Array[]
  /** Per position: null = any topic, else one of the listed. */
  topics: (Uint8Array[] | null)[]
}

export const MAX_TOPICS = 4

function decodeAddressText(value: string): Uint8Array {
  if (value.length === 0) throw new ParamError('empty hex string')
  if (!has0x(value)) throw new ParamError(MISSING_PREFIX)
  const digits = value.slice(2)
  if (digits.length % 2 !== 0) throw new ParamError(ODD_LENGTH)
  if (!HEX_RE.test(digits)) throw new ParamError(SYNTAX)
  if (digits.length !== 40) throw new ParamError(`hex has invalid length ${digits.length / 2} after decoding; expected 20 for address`)
  return hexBytes(digits)
}

function decodeTopic(value: string): Uint8Array {
  if (value.length === 0) throw new ParamError('empty hex string')
  if (!has0x(value)) throw new ParamError(MISSING_PREFIX)
  const digits = value.slice(2)
  if (digits.length % 2 !== 0) throw new ParamError(ODD_LENGTH)
  if (!HEX_RE.test(digits)) throw new ParamError(SYNTAX)
  if (digits.length !== 64) throw new ParamError(`hex has invalid length ${digits.length / 2} after decoding; expected 32 for topic`)
  return hexBytes(digits)
}

/** geth's FilterCriteria: blockHash xor fromBlock/toBlock, address (one or a list), topics with nulls and OR-lists. */
export const filterCriteria: Decoder<FilterCriteria> = {
  goType: 'filters.FilterCriteria',
  decode(value, field) {
    const obj = asObject(value, this.goType, field)
    const criteria: FilterCriteria = { addresses: [], topics: [] }
    const blockHash = member(obj, 'blockHash', hash, 'FilterCriteria')
    const from = obj.fromBlock
    const to = obj.toBlock
    if (blockHash !== undefined) {
      if ((from !== undefined && from !== null) || (to !== undefined && to !== null)) {
        throw new ParamError('cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other')
      }
      criteria.blockHash = blockHash
    } else {
      if (from !== undefined && from !== null) criteria.fromBlock = blockTag.decode(from)
      if (to !== undefined && to !== null) criteria.toBlock = blockTag.decode(to)
    }
    const addr = obj.address
    if (addr !== undefined && addr !== null) {
      if (typeof addr === 'string') {
        try {
          criteria.addresses.push(decodeAddressText(addr))
        } catch (err) {
          throw new ParamError(`invalid address: ${(err as Error).message}`)
        }
      } else if (Array.isArray(addr)) {
        addr.forEach((a, i) => {
          if (typeof a !== 'string') throw new ParamError(`non-string address at index ${i}`)
          try {
            criteria.addresses.push(decodeAddressText(a))
          } catch (err) {
            throw new ParamError(`invalid address at index ${i}: ${(err as Error).message}`)
          }
        })
      } else {
        throw new ParamError('invalid addresses in query')
      }
    }
    const topics = obj.topics
    if (topics !== undefined && topics !== null) {
      if (!Array.isArray(topics)) throw typeError(jsonKind(topics), '[]interface {}', 'FilterCriteria.topics')
      if (topics.length > MAX_TOPICS) throw new ParamError('exceed max topics')
      for (const t of topics) {
        if (t === null) criteria.topics.push(null)
        else if (typeof t === 'string') criteria.topics.push([decodeTopic(t)])
        else if (Array.isArray(t)) {
          // An OR-list; a null inside it matches anything, as in geth.
          let alternatives: Uint8Array[] | null = []
          for (const option of t) {
            if (option === null) {
              alternatives = null
              break
            }
            if (typeof option !== 'string') throw new ParamError('invalid topic(s)')
            alternatives.push(decodeTopic(option))
          }
          criteria.topics.push(alternatives !== null && alternatives.length === 0 ? null : alternatives)
        } else throw new ParamError('invalid topic(s)')
      }
      // Trailing wildcards are kept: as in geth, a log with fewer topics than the filter has
      // positions does not match (how [Transfer, null, null, null] tells ERC-721 from ERC-20).
    }
    return criteria
  },
}

/**
 * eth_getStorageValues' requests: an object from address to the storage keys to read there
 * (geth's map[common.Address][]common.Hash; keys up to 32 bytes, as eth_getStorageAt takes
 * them). Entries keep the request's order; an address given twice (in another case) keeps the
 * last, as a Go map does.
 */
export const storageRequests: Decoder<{ address: Uint8Array; keys: StorageKey[] }[]> = {
  goType: 'map[common.Address][]common.Hash',
  decode(value, field) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeError(jsonKind(value), this.goType, field)
    const byAddress = new Map<string, { address: Uint8Array; keys: StorageKey[] }>()
    for (const [key, keys] of Object.entries(value)) {
      const decoded = address.decode(key, field)
      byAddress.set(key.toLowerCase(), { address: decoded, keys: arrayOf(storageKey).decode(keys, field) })
    }
    return [...byAddress.values()]
  },
}

/** A request's EIP-7702 authorizations as EthereumJS builds a set-code transaction from them. */
export function authorizationListBytes(list: NonNullable<CallRequest['authorizationList']>): EOACode7702AuthorizationListBytes {
  return list.map((a) => [
    bigIntToUnpaddedBytes(a.chainId),
    a.address,
    bigIntToUnpaddedBytes(a.nonce),
    bigIntToUnpaddedBytes(BigInt(a.yParity)),
    bigIntToUnpaddedBytes(a.r),
    bigIntToUnpaddedBytes(a.s),
  ]) as EOACode7702AuthorizationListBytes
}
