// Wire formats, penalties and options without any networking.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { decodeHashes, decodeRangeRequest, decodeStatus, decodeTransactionBatch, encodeHashes, encodeRangeRequest, encodeStatus, encodeTransactionBatch, MalformedMessageError, MAX_BATCH_TRANSACTIONS, protocols } from '../src/messages.ts'
import { PeerBook } from '../src/peers.ts'
import { defaultNetworkOptions } from '../src/index.ts'
import { resolveNetworkOptions } from '../src/options.ts'
import { transactionVerdict, blockErrorCode } from '../src/errors.ts'

test('protocol ids and topics carry the chain id', () => {
  assert.deepEqual(protocols(31337n), {
    status: '/busan/31337/status/1',
    blocksByRange: '/busan/31337/blocks-by-range/1',
    pooledTransactionHashes: '/busan/31337/pooled-transaction-hashes/1',
    pooledTransactions: '/busan/31337/pooled-transactions/1',
    blocksTopic: '/busan/31337/blocks/1',
    transactionsTopic: '/busan/31337/transactions/2',
    peersTopic: '/busan/31337/peers/1',
      consensusTopic: '/busan/31337/consensus/1',
  })
})

test('status round-trips and malformed status is refused', () => {
  const status = { chainId: 31337n, genesisHash: new Uint8Array(32).fill(1), headNumber: 12345n, headHash: new Uint8Array(32).fill(2), totalDifficulty: 24690n }
  assert.deepEqual(decodeStatus(encodeStatus(status)), status)
  const bad = [
    new Uint8Array([0xff]),
    RLP.encode([1, 2, 3]),
    RLP.encode([new Uint8Array([0x7a, 0x69]), new Uint8Array(31), 1, new Uint8Array(32), 1]),
    RLP.encode([new Uint8Array([0, 1]), new Uint8Array(32), 1, new Uint8Array(32), 1]),
    RLP.encode([1, new Uint8Array(32), new Uint8Array(9).fill(1), new Uint8Array(32), 1]),
    RLP.encode([1, new Uint8Array(32), [], new Uint8Array(32), 1]),
    new Uint8Array(300),
  ]
  for (const data of bad) assert.throws(() => decodeStatus(data), MalformedMessageError)
})

test('transaction hash lists: 1..max hashes of 32 bytes', () => {
  const hashes = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]
  assert.deepEqual(decodeHashes(encodeHashes(hashes), 2), hashes)
  const bad = [encodeHashes([]), encodeHashes([...hashes, new Uint8Array(32)]), encodeHashes([new Uint8Array(31)]), RLP.encode([[new Uint8Array(32)]]), new Uint8Array([0xff]), new Uint8Array(200)]
  for (const data of bad) assert.throws(() => decodeHashes(data, 2), MalformedMessageError)
})

test('transaction batches: 1..MAX_BATCH_TRANSACTIONS non-empty byte strings', () => {
  const raws = [new Uint8Array([0x02, 0xc0]), new Uint8Array([0xf8, 0x01, 0x02])]
  assert.deepEqual(decodeTransactionBatch(encodeTransactionBatch(raws)), raws)
  // An RLP list of transactions whose items are byte strings (a legacy one's RLP list inside).
  assert.deepEqual(RLP.decode(encodeTransactionBatch(raws)), raws)
  const bad = [
    new Uint8Array([0xff, 0xff]), // not RLP
    RLP.encode(new Uint8Array([1, 2, 3])), // a string, not a list
    RLP.encode([]), // empty
    RLP.encode([[new Uint8Array([1])]]), // a nested list
    RLP.encode([new Uint8Array()]), // an empty transaction
    RLP.encode(Array.from({ length: MAX_BATCH_TRANSACTIONS + 1 }, () => new Uint8Array([1]))),
  ]
  for (const data of bad) assert.throws(() => decodeTransactionBatch(data), MalformedMessageError)
})

test('range requests: count bounded', () => {
  assert.deepEqual(decodeRangeRequest(encodeRangeRequest({ start: 7n, count: 128 }), 128), { start: 7n, count: 128 })
  assert.throws(() => decodeRangeRequest(encodeRangeRequest({ start: 7n, count: 129 }), 128), MalformedMessageError)
  assert.throws(() => decodeRangeRequest(encodeRangeRequest({ start: 7n, count: 0 }), 128), MalformedMessageError)
})

test('penalties decay by half-life and bans expire', () => {
  const book = new PeerBook(1000)
  assert.equal(book.penalise('p', 40, 0), 40)
  assert.equal(book.penalise('p', 40, 1000), 60)
  assert.equal(Math.round(book.penalty('p', 2000)), 30)
  assert.equal(book.penalty('p', 100_000), 0)
  book.ban('p', 500, 'test', 0)
  assert.equal(book.bannedFor('p', 100), 400)
  assert.equal(book.bannedFor('p', 600), 0)
})

test('gossip head updates never lower a known total difficulty', () => {
  const book = new PeerBook(1000)
  book.add('p')
  book.noteHead('p', { number: 10n, hash: new Uint8Array(32), td: 20n }, true)
  book.noteHead('p', { number: 11n, hash: new Uint8Array(32).fill(1), td: 0n }, false)
  assert.equal(book.get('p')!.head!.number, 11n)
  assert.equal(book.get('p')!.head!.td, 20n)
  book.noteHead('p', { number: 9n, hash: new Uint8Array(32), td: 18n }, true)
  assert.equal(book.get('p')!.head!.td, 18n, 'a status is exact')
})

test('verdicts: pool reasons and block errors', () => {
  assert.equal(transactionVerdict({ reason: 'already-known' }), 'known')
  assert.equal(transactionVerdict({ reason: 'invalid-sender' }), 'invalid')
  assert.equal(transactionVerdict({ reason: 'nonce-too-low' }), 'refused')
  assert.equal(transactionVerdict(new Error('x')), 'refused')
  const blockError = Object.assign(new Error('invalid state root: x'), { code: 'invalid state root', name: 'BlockError' })
  assert.equal(blockErrorCode(blockError), 'invalid state root')
  assert.equal(blockErrorCode(Object.assign(new Error('disk'), { code: 'ENOSPC' })), undefined)
})

test('options: defaults and overrides', () => {
  assert.equal(defaultNetworkOptions.maxRangeBlocks, 128)
  const options = resolveNetworkOptions({ syncBatchBlocks: 500, penalties: { invalidBlock: 1 } as never })
  assert.equal(options.syncBatchBlocks, 128)
  assert.equal(options.penalties.invalidBlock, 1)
  assert.equal(options.penalties.timeout, defaultNetworkOptions.penalties.timeout)
})
