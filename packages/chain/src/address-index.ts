// The address index behind Otterscan's search API (ots_searchTransactions*, ots_getContractCreator,
// ots_getTransactionBySenderAndNonce): for every canonical transaction, each address it touched
// (sender, recipient, every call frame's caller and callee, created contracts, log emitters and
// address-shaped log topics), kept in the block's own write batch and undone with it on a reorg.
import { RLP } from '@ethereumjs/rlp'
import type { Block } from '@ethereumjs/block'
import { bytesToHex, concatBytes, createContractAddress, Address } from '@ethereumjs/util'
import { Bucket, bucketKey, encodeNumber, metaKey } from '@busan/db'
import type { FrameEnd, FrameStart, Tracer } from '@busan/tracing'
import type { StoredReceipt } from './receipts.ts'

/**
 * meta `addressIndex` (docs/storage.md): blocks from `indexedFrom` on got their entries when they
 * were committed; `rebuiltTo` is how far the background rebuild of the older ones has come. A new
 * data directory records `indexedFrom` 1 with its genesis; one from before the index has none.
 */
export interface AddressIndexState {
  indexedFrom: number
  rebuiltTo: number
}

export const ADDRESS_INDEX_STATE_KEY = metaKey('addressIndex')

/** The state as stored: JSON, so an operator can read it with any RocksDB tool. */
export function encodeAddressIndexState(state: AddressIndexState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state))
}

export function decodeAddressIndexState(raw: Uint8Array): AddressIndexState {
  return JSON.parse(new TextDecoder().decode(raw)) as AddressIndexState
}

/** What one transaction's execution touched: every call frame's addresses, and the contracts it created. */
export interface TxCalls {
  addresses: Uint8Array[]
  created: { address: Uint8Array; creator: Uint8Array }[]
}

/**
 * Collects each transaction's TxCalls from its call frames (no opcode hooks: cheap enough for
 * every block). Attached once for a whole block; `take` hands over one transaction's calls and
 * starts the next. The transaction's own sender is not collected (the index adds it anyway).
 */
export class CallCollector implements Tracer {
  readonly wantsOpcodes = false
  private addresses = new Map<string, Uint8Array>()
  private created: { address: Uint8Array; creator: Uint8Array }[] = []
  /** Creations whose frame is still running (a failed one created nothing); no creator: the sender's own. */
  private pending: ({ address: Uint8Array; creator: Uint8Array | undefined } | undefined)[] = []
  private createdBySender: Uint8Array[] = []

  onEnter(frame: FrameStart): void {
    if (frame.depth > 0) this.add(frame.from)
    if (frame.to !== undefined) this.add(frame.to)
    const isCreate = frame.type === 'CREATE' || frame.type === 'CREATE2'
    this.pending.push(isCreate && frame.to !== undefined ? { address: frame.to, creator: frame.depth > 0 ? frame.from : undefined } : undefined)
  }

  onExit(frame: FrameEnd): void {
    const creation = this.pending.pop()
    if (creation === undefined || frame.error !== undefined) return
    if (creation.creator === undefined) this.createdBySender.push(creation.address)
    else this.created.push({ address: creation.address, creator: creation.creator })
  }

  result(): string {
    return ''
  }

  /** The calls of the transaction `sender` sent, collected since the last `take` (creations in the order they completed); starts afresh. */
  take(sender: Uint8Array): TxCalls {
    const created = [...this.created, ...this.createdBySender.map((address) => ({ address, creator: sender }))]
    const calls = { addresses: [...this.addresses.values()], created }
    this.addresses = new Map()
    this.created = []
    this.createdBySender = []
    this.pending = []
    return calls
  }

  private add(address: Uint8Array): void {
    this.addresses.set(bytesToHex(address), address)
  }
}

/** The `i` bucket's value: per transaction, RLP [[address...], [[created, creator]...]]. */
export function encodeBlockCalls(calls: TxCalls[]): Uint8Array {
  return RLP.encode(calls.map((tx) => [tx.addresses, tx.created.map((c) => [c.address, c.creator])]))
}

export function decodeBlockCalls(bytes: Uint8Array): TxCalls[] {
  const list = RLP.decode(bytes) as unknown as [Uint8Array[], [Uint8Array, Uint8Array][]][]
  return list.map(([addresses, created]) => ({ addresses, created: created.map(([address, creator]) => ({ address, creator })) }))
}

/**
 * A log topic that holds an address (12 zero bytes, then 20 bytes): ERC-20/721 `Transfer`
 * from/to and the like. Small numbers (below 2^16) are taken for indexed counters, not addresses.
 */
function topicAddress(topic: Uint8Array): Uint8Array | undefined {
  if (topic.length !== 32) return undefined
  for (let i = 0; i < 12; i++) if (topic[i] !== 0) return undefined
  for (let i = 12; i < 30; i++) if (topic[i] !== 0) return topic.subarray(12)
  return undefined
}

/**
 * The index entries of a canonical block: `h` address ++ number ++ index for every address a
 * transaction touched, `q` sender ++ nonce -> transaction hash, `k` contract -> creating
 * transaction hash ++ creator. `calls` may be shorter than the block (a block executed before
 * the index existed): its transactions are indexed without their inner frames.
 */
export function addressIndexEntries(block: Block, senders: Uint8Array[], receipts: StoredReceipt[], calls: TxCalls[]): [Uint8Array, Uint8Array][] {
  const number = encodeNumber(block.header.number)
  const entries: [Uint8Array, Uint8Array][] = []
  const empty = new Uint8Array()
  block.transactions.forEach((tx, index) => {
    const sender = senders[index]
    const hash = tx.hash()
    const touched = new Map<string, Uint8Array>()
    const add = (address: Uint8Array) => touched.set(bytesToHex(address), address)
    add(sender)
    if (tx.to !== undefined) add(tx.to.bytes)
    else add(createContractAddress(new Address(sender), tx.nonce).bytes)
    for (const address of calls[index]?.addresses ?? []) add(address)
    for (const [address, topics] of receipts[index]?.logs ?? []) {
      add(address)
      for (const topic of topics) {
        const inTopic = topicAddress(topic)
        if (inTopic !== undefined) add(inTopic)
      }
    }
    const position = new Uint8Array(4)
    new DataView(position.buffer).setUint32(0, index)
    for (const address of touched.values()) entries.push([bucketKey(Bucket.addressHistory, address, number, position), empty])
    entries.push([bucketKey(Bucket.senderNonce, sender, encodeNumber(tx.nonce)), hash])
    const created = calls[index]?.created ?? []
    // A creating transaction whose calls were not recorded still created its own contract (if it succeeded).
    if (calls[index] === undefined && tx.to === undefined && receipts[index]?.status === 1) created.push({ address: createContractAddress(new Address(sender), tx.nonce).bytes, creator: sender })
    for (const { address, creator } of created) entries.push([bucketKey(Bucket.contractCreator, address), concatBytes(hash, creator)])
  })
  return entries
}
