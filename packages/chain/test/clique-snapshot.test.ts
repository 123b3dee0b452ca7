import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CliqueSnapshot } from '../src/consensus/clique/snapshot.ts'

const A = '0x000000000000000000000000000000000000000a'
const B = '0x000000000000000000000000000000000000000b'
const C = '0x000000000000000000000000000000000000000c'
const D = '0x000000000000000000000000000000000000000d'
const NONE = '0x0000000000000000000000000000000000000000'
const EPOCH = 30_000n

function sign(snapshot: CliqueSnapshot, signer: string, beneficiary = NONE, authorize = false): CliqueSnapshot {
  const number = snapshot.number + 1n
  return snapshot.apply({ number, hash: `0x${number.toString(16).padStart(64, '0')}`, signer, beneficiary, authorize }, EPOCH)
}

test('a single signer may sign every block', () => {
  let snapshot = new CliqueSnapshot(0n, '0x00', [A])
  for (let i = 0; i < 5; i++) snapshot = sign(snapshot, A)
  assert.equal(snapshot.number, 5n)
  assert.deepEqual(snapshot.signers, [A])
})

test('in-turn order follows the sorted signer list', () => {
  const snapshot = new CliqueSnapshot(0n, '0x00', [C, A, B])
  assert.deepEqual(snapshot.signers, [A, B, C])
  assert.ok(snapshot.inTurn(3n, A))
  assert.ok(snapshot.inTurn(4n, B))
  assert.ok(!snapshot.inTurn(4n, A))
})

test('a signer that signed within the last floor(N/2)+1 blocks is refused', () => {
  let snapshot = new CliqueSnapshot(0n, '0x00', [A, B, C])
  snapshot = sign(snapshot, A)
  assert.throws(() => sign(snapshot, A), /recently signed/)
  snapshot = sign(snapshot, B)
  assert.ok(snapshot.signedRecently(3n, B))
  snapshot = sign(snapshot, C)
  // Two blocks later A may sign again (limit 2 with three signers).
  snapshot = sign(snapshot, A)
  assert.equal(snapshot.recents.get(4n), A)
})

test('an unauthorized signer is refused', () => {
  assert.throws(() => sign(new CliqueSnapshot(0n, '0x00', [A]), B), /unauthorized signer/)
})

test('a majority of votes adds a signer; a minority does not', () => {
  let snapshot = new CliqueSnapshot(0n, '0x00', [A, B, C])
  snapshot = sign(snapshot, A, D, true)
  assert.equal(snapshot.tally.get(D)?.votes, 1)
  assert.ok(!snapshot.isSigner(D))
  snapshot = sign(snapshot, B, D, true)
  assert.ok(snapshot.isSigner(D), 'two of three votes pass')
  assert.equal(snapshot.tally.size, 0)
  assert.equal(snapshot.votes.length, 0)
})

test('a majority drops a signer and discards the votes it cast', () => {
  let snapshot = new CliqueSnapshot(0n, '0x00', [A, B, C])
  snapshot = sign(snapshot, C, D, true) // C votes to add D, then C is dropped
  snapshot = sign(snapshot, A, C, false)
  snapshot = sign(snapshot, B, C, false)
  assert.deepEqual(snapshot.signers, [A, B])
  assert.equal(snapshot.tally.has(D), false, "the dropped signer's vote is gone")
})

test('voting twice on the same address counts once; invalid votes are ignored', () => {
  let snapshot = new CliqueSnapshot(0n, '0x00', [A, B, C, D])
  snapshot = sign(snapshot, A, '0x00000000000000000000000000000000000000ee', true)
  snapshot = sign(snapshot, B)
  snapshot = sign(snapshot, C)
  snapshot = sign(snapshot, A, '0x00000000000000000000000000000000000000ee', true)
  assert.equal(snapshot.tally.get('0x00000000000000000000000000000000000000ee')?.votes, 1)
  snapshot = sign(snapshot, B, A, true) // A is already a signer: not a valid vote
  assert.equal(snapshot.tally.has(A), false)
})

test('an epoch checkpoint resets pending votes', () => {
  let snapshot = new CliqueSnapshot(0n, '0x00', [A, B, C])
  snapshot = snapshot.apply({ number: 1n, hash: '0x01', signer: A, beneficiary: D, authorize: true }, 2n)
  assert.equal(snapshot.votes.length, 1)
  snapshot = snapshot.apply({ number: 2n, hash: '0x02', signer: B, beneficiary: NONE, authorize: false }, 2n)
  assert.equal(snapshot.votes.length, 0)
  assert.equal(snapshot.tally.size, 0)
})

test('snapshots survive encoding', () => {
  let snapshot = new CliqueSnapshot(0n, '0x00', [A, B, C])
  snapshot = sign(snapshot, A, D, true)
  const decoded = CliqueSnapshot.decode(snapshot.encode())
  assert.deepEqual(decoded.signers, snapshot.signers)
  assert.deepEqual([...decoded.recents], [...snapshot.recents])
  assert.deepEqual(decoded.votes, snapshot.votes)
  assert.deepEqual([...decoded.tally], [...snapshot.tally])
})
