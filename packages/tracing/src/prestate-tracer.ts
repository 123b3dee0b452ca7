// geth's prestateTracer (eth/tracers/native/prestate.go): every account and storage slot the
// transaction touched, as they were before it; with `diffMode`, {pre, post} of what changed.
import { bigIntToUnpaddedBytes, bytesToHex, equalsBytes, generateAddress, generateAddress2, KECCAK256_NULL } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { memoryRangeAffordable, word, wordBytes, type OpcodeStep, type StateReader, type Tracer, type TxEnd, type TxStart } from './tracer.ts'

export interface PrestateTracerConfig {
  diffMode: boolean
  disableCode: boolean
  disableStorage: boolean
  includeEmpty: boolean
}

interface AccountState {
  balance: bigint
  nonce: bigint
  code: Uint8Array
  codeHash: Uint8Array | undefined
  storage: Map<string, string>
  empty: boolean
}

const ZERO_WORD = `0x${'0'.repeat(64)}`

/** Opcodes whose first stack argument (top) is an account the opcode reads. */
const ACCOUNT_READS = new Set([0x31 /* BALANCE */, 0x3b /* EXTCODESIZE */, 0x3c /* EXTCODECOPY */, 0x3f /* EXTCODEHASH */, 0xff /* SELFDESTRUCT */])
const CALLS = new Set([0xf1 /* CALL */, 0xf2 /* CALLCODE */, 0xf4 /* DELEGATECALL */, 0xfa /* STATICCALL */])
const SLOAD = 0x54
const SSTORE = 0x55
const CREATE = 0xf0
const CREATE2 = 0xf5
const SELFDESTRUCT = 0xff

/** geth's prestateTracer: `result()` maps each touched address to `{balance, code, codeHash, nonce, storage}` as it was, or `{post, pre}` in diff mode. */
export class PrestateTracer implements Tracer {
  readonly wantsOpcodes = true
  private readonly config: PrestateTracerConfig
  private readonly pre = new Map<string, AccountState>()
  private readonly post = new Map<string, object>()
  private readonly created = new Set<string>()
  private readonly deleted = new Set<string>()
  private state: StateReader | undefined

  /** `diffMode` with `includeEmpty` is refused before this (createTracer), as geth refuses it. */
  constructor(config: PrestateTracerConfig) {
    this.config = config
  }

  async onTxStart(tx: TxStart): Promise<void> {
    this.state = tx.state
    if (tx.isCreate) this.created.add(bytesToHex(tx.to))
    else await this.lookupDelegation(tx.to)
    await this.lookupAccount(tx.from)
    await this.lookupAccount(tx.to)
    await this.lookupAccount(tx.coinbase)
    for (const authority of tx.authorities) await this.lookupAccount(authority)
  }

  async onOpcode({ step }: OpcodeStep): Promise<void> {
    const code = step.opcode.code
    const stack = step.stack
    const top = (n: number) => stack[stack.length - 1 - n]
    const caller = step.address.bytes
    if ((code === SLOAD || code === SSTORE) && stack.length >= 1) await this.lookupStorage(caller, word(top(0)))
    else if (ACCOUNT_READS.has(code) && stack.length >= 1) {
      await this.lookupAccount(address(top(0)))
      // EIP-6780 (Cancun): SELFDESTRUCT deletes only an account created in the same transaction.
      if (code === SELFDESTRUCT && this.created.has(bytesToHex(caller))) this.deleted.add(bytesToHex(caller))
    } else if (CALLS.has(code) && stack.length >= 5) {
      const target = address(top(1))
      await this.lookupAccount(target)
      await this.lookupDelegation(target)
    } else if (code === CREATE) {
      const nonce = await this.reader().nonce(caller)
      const target = generateAddress(caller, bigIntToUnpaddedBytes(nonce))
      await this.lookupAccount(target)
      this.created.add(bytesToHex(target))
    } else if (code === CREATE2 && stack.length >= 4) {
      // A CREATE2 whose init code it cannot pay for fails before creating anything.
      if (!memoryRangeAffordable(top(1), top(2))) return
      const offset = Number(top(1))
      const size = Number(top(2))
      const initCode = new Uint8Array(size)
      initCode.set(step.memory.subarray(offset, Math.min(offset + size, step.memory.length)))
      const target = generateAddress2(caller, wordBytes(word(top(3))), initCode)
      await this.lookupAccount(target)
      this.created.add(bytesToHex(target))
    }
  }

  async onTxEnd(end: TxEnd): Promise<void> {
    if (this.config.diffMode) await this.diff(end.state)
    if (this.config.includeEmpty) return
    for (const [key, account] of this.pre) if (account.empty) this.pre.delete(key)
  }

  result(): string {
    const pre = Object.fromEntries([...this.pre].map(([key, account]) => [key, this.format(account)]))
    return JSON.stringify(this.config.diffMode ? { post: Object.fromEntries(this.post), pre } : pre)
  }

  private reader(): StateReader {
    if (this.state === undefined) throw new Error('prestate tracer used before the transaction started')
    return this.state
  }

  /** geth (Prague): the target of an EIP-7702 delegation designator counts as touched too. */
  private async lookupDelegation(target: Uint8Array): Promise<void> {
    const code = await this.reader().code(target)
    if (code.length === 23 && code[0] === 0xef && code[1] === 0x01 && code[2] === 0x00) await this.lookupAccount(code.subarray(3))
  }

  private async lookupAccount(address: Uint8Array): Promise<void> {
    const key = bytesToHex(address)
    if (this.pre.has(key)) return
    const state = this.reader()
    const [balance, nonce, code] = await Promise.all([state.balance(address), state.nonce(address), state.code(address)])
    const codeHash = code.length > 0 ? keccak_256(code) : undefined
    this.pre.set(key, { balance, nonce, code, codeHash, storage: new Map(), empty: nonce === 0n && code.length === 0 && balance === 0n })
  }

  private async lookupStorage(address: Uint8Array, slot: string): Promise<void> {
    if (this.config.disableStorage) return
    const account = this.pre.get(bytesToHex(address))
    if (account === undefined || account.storage.has(slot)) return
    const value = await this.reader().storage(address, wordBytes(slot))
    account.storage.set(slot, bytesToHex(value))
  }

  /** geth's processDiffState: keep in `pre` only what changed, and its new value in `post`. */
  private async diff(state: StateReader): Promise<void> {
    for (const [key, before] of this.pre) {
      if (this.deleted.has(key)) continue
      const address = hexToAddress(key)
      const [balance, nonce, code] = await Promise.all([state.balance(address), state.nonce(address), state.code(address)])
      const after: { balance?: string; code?: string; codeHash?: string; nonce?: number; storage?: Record<string, string> } = {}
      let modified = false
      if (balance !== before.balance) {
        modified = true
        after.balance = quantity(balance)
      }
      if (nonce !== before.nonce) {
        modified = true
        after.nonce = Number(nonce)
      }
      // An account that never came to exist counts as code-less here (geth compares a zero hash).
      const codeHash = code.length > 0 ? keccak_256(code) : KECCAK256_NULL
      if (!equalsBytes(codeHash, before.codeHash ?? KECCAK256_NULL)) {
        modified = true
        after.codeHash = bytesToHex(codeHash)
      }
      if (!this.config.disableCode && !equalsBytes(code, before.code)) {
        modified = true
        after.code = bytesToHex(code)
      }
      if (!this.config.disableStorage) {
        const storage: Record<string, string> = {}
        for (const [slot, value] of before.storage) {
          const now = bytesToHex(await state.storage(address, wordBytes(slot)))
          if (value === ZERO_WORD || value === now) before.storage.delete(slot)
          if (value === now) continue
          modified = true
          if (now !== ZERO_WORD) storage[slot] = now
        }
        if (Object.keys(storage).length > 0) after.storage = storage
      }
      if (modified) this.post.set(key, after)
      else this.pre.delete(key)
    }
  }

  /** geth's account JSON: balance always, code/codeHash/nonce/storage when set. */
  private format(account: AccountState): object {
    return {
      balance: quantity(account.balance),
      code: this.config.disableCode || account.code.length === 0 ? undefined : bytesToHex(account.code),
      codeHash: account.codeHash === undefined ? undefined : bytesToHex(account.codeHash),
      nonce: account.nonce === 0n ? undefined : Number(account.nonce),
      storage: this.config.disableStorage || account.storage.size === 0 ? undefined : Object.fromEntries(account.storage),
    }
  }
}


function hexToAddress(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
}

/** The low 20 bytes of a stack word, as geth's Bytes20(). */
function address(value: bigint): Uint8Array {
  return wordBytes(word(value)).subarray(12)
}

function quantity(value: bigint): string {
  return `0x${value.toString(16)}`
}
