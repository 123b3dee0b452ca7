// The result schemas built from an execution-apis `src/` folder the way its specgen does
// (`$ref` expanded with siblings winning, `allOf` merged), on a small folder in its layout.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { dereference, loadResultSchemas, mergeAllOf, specDirFor } from './spec.ts'

const root = mkdtempSync(join(tmpdir(), 'execution-apis-spec-'))
after(() => rmSync(root, { recursive: true, force: true }))

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true })
  writeFileSync(join(root, path), text)
}

// Quoted from src/schemas/base-types.yaml and src/schemas/txpool.yaml.
write('src/schemas/base-types.yaml', `uint:
  title: hex encoded unsigned integer
  type: string
  pattern: ^0x(0|[1-9a-f][0-9a-f]*)$
`)
write('src/schemas/txpool.yaml', `TxpoolStatus:
  type: object
  title: Transaction pool status
  required:
    - pending
    - queued
  properties:
    pending:
      title: pending count
      $ref: '#/components/schemas/uint'
    queued:
      title: queued count
      $ref: '#/components/schemas/uint'
Pending:
  type: object
  additionalProperties: false
  allOf:
    - required: [from]
      properties:
        from:
          $ref: '#/components/schemas/uint'
    - required: [hash]
      properties:
        hash:
          type: string
`)
write('src/txpool/pool.yaml', `- name: txpool_status
  summary: Returns the number of pending and queued transactions in the pool.
  params: []
  result:
    name: Transaction pool status
    schema:
      $ref: '#/components/schemas/TxpoolStatus'
- name: txpool_pending
  params: []
  result:
    name: one
    schema:
      $ref: '#/components/schemas/Pending'
`)
write('tests/txpool_status/get-status.io', '')

describe('dereference and mergeAllOf', () => {
  const named = { uint: { type: 'string', title: 'uint' }, Pair: { type: 'object', properties: { a: { $ref: '#/components/schemas/uint' } } } }

  it('expands references, the siblings of a $ref winning, sub-paths included', () => {
    assert.deepEqual(dereference({ title: 'count', $ref: '#/components/schemas/uint' }, named), { title: 'count', type: 'string' })
    assert.deepEqual(dereference({ $ref: '#/components/schemas/Pair/properties/a' }, named), { type: 'string', title: 'uint' })
    assert.throws(() => dereference({ $ref: '#/components/schemas/Nope' }, named), /no such schema/)
    assert.throws(() => dereference({ $ref: '#/definitions/uint' }, named), /unsupported/)
    const loop = { A: { items: { $ref: '#/components/schemas/A' } } }
    assert.throws(() => dereference({ $ref: '#/components/schemas/A' }, loop), /cycle/)
  })

  it('merges allOf into its parent: properties united (parent wins), required united and sorted', () => {
    const merged = mergeAllOf({ type: 'object', required: ['z'], properties: { a: { type: 'string' } }, allOf: [{ required: ['b', 'z'], properties: { a: { type: 'number' }, b: {} }, title: 'x' }] })
    assert.deepEqual(merged, { type: 'object', required: ['b', 'z'], properties: { a: { type: 'string' }, b: {} }, title: 'x' })
  })
})

describe('loadResultSchemas', () => {
  const schemas = loadResultSchemas(join(root, 'src'))

  it('validates results against the method result schema', () => {
    assert.deepEqual(schemas.methods, ['txpool_pending', 'txpool_status'])
    assert.equal(schemas.check('txpool_status', { pending: '0x6', queued: '0x0' }), undefined)
    assert.equal(schemas.check('txpool_status', { pending: '0x6' }), "result: must have required property 'queued' (txpool_status result schema)")
    assert.equal(schemas.check('txpool_status', { pending: '0x06', queued: '0x0' }), 'result.pending: must match pattern "^0x(0|[1-9a-f][0-9a-f]*)$" (txpool_status result schema)')
    assert.equal(schemas.check('eth_nope', 1), 'no result schema for eth_nope in the spec')
  })

  it('validates against the merged allOf, so additionalProperties sees every branch', () => {
    assert.equal(schemas.check('txpool_pending', { from: '0x1', hash: 'h' }), undefined)
    assert.match(schemas.check('txpool_pending', { from: '0x1', hash: 'h', other: 1 }) ?? '', /must NOT have additional properties/)
  })

  it('is found next to a tests folder of a checkout', () => {
    assert.equal(specDirFor(join(root, 'tests')), join(root, 'src'))
    assert.equal(specDirFor(join(root, 'elsewhere', 'tests')), undefined)
  })
})
