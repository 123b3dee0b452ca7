// The .io reader on vectors of ethereum/execution-apis (quoted from its tests/ folder), and the
// order the vectors run in.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadVectors, parseVector, vectorFiles, VectorError } from './vectors.ts'

// tests/eth_getStorageAt/get-storage-invalid-key.io
const INVALID_KEY = `// requests an invalid storage key
>> {"jsonrpc":"2.0","id":1,"method":"eth_getStorageAt","params":["0xaa00000000000000000000000000000000000000","0xasdf","latest"]}
<< {"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid hex in storage key: \\"0xasdf\\""}}
`

// tests/txpool_status/get-status.io
const SPECONLY = `// retrieves the transaction pool status
// speconly: client response is only checked for schema validity.
>> {"jsonrpc":"2.0","id":1,"method":"txpool_status"}
<< {"jsonrpc":"2.0","id":1,"result":{"pending":"0x6","queued":"0x0"}}
`

// The shape of tests/testing_buildBlockV1/build-block-invalid-transaction.io (two requests,
// the second checks the first changed nothing), shortened.
const TWO_REQUESTS = `// calls testing_buildBlockV1 with an unapplicable transaction (wrong nonce); client MUST return an error and not modify the chain

>> {"jsonrpc":"2.0","id":1,"method":"testing_buildBlockV1","params":["0xd226371d0b1551adb03fb52b71f08e3e11247fe9b1af994768af8cdaa8e7dcd7"]}
<< {"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too high: address 0x16c57eDF7Fa9D9525378B0b81Bf8A3cEd0620C1c, tx: 999 state: 0"}}
// a comment after the first request is not part of the header
>> {"jsonrpc":"2.0","id":2,"method":"eth_getBlockByNumber","params":["latest",false]}
<< {"jsonrpc":"2.0","id":2,"result":{"number":"0x36"}}
`

describe('parseVector', () => {
  it('reads a request, its expected reply and the header comment', () => {
    const vector = parseVector('eth_getStorageAt/get-storage-invalid-key.io', INVALID_KEY)
    assert.equal(vector.method, 'eth_getStorageAt')
    assert.equal(vector.comment, 'requests an invalid storage key\n')
    assert.equal(vector.speconly, false)
    assert.equal(vector.exchanges.length, 1)
    const [exchange] = vector.exchanges
    assert.equal(exchange.method, 'eth_getStorageAt')
    assert.equal(exchange.request, '{"jsonrpc":"2.0","id":1,"method":"eth_getStorageAt","params":["0xaa00000000000000000000000000000000000000","0xasdf","latest"]}')
    assert.deepEqual(exchange.expected, { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'invalid hex in storage key: "0xasdf"' } })
  })

  it('marks speconly vectors from their header', () => {
    const vector = parseVector('txpool_status/get-status.io', SPECONLY)
    assert.equal(vector.speconly, true)
    assert.deepEqual(vector.exchanges[0].expected, { jsonrpc: '2.0', id: 1, result: { pending: '0x6', queued: '0x0' } })
  })

  it('keeps several requests in order; comments after the first request are not header', () => {
    const vector = parseVector('testing_buildBlockV1/build-block-invalid-transaction.io', TWO_REQUESTS)
    assert.equal(vector.method, 'testing_buildBlockV1', 'the folder names the method')
    assert.deepEqual(vector.exchanges.map((exchange) => exchange.method), ['testing_buildBlockV1', 'eth_getBlockByNumber'])
    assert.doesNotMatch(vector.comment, /not part of the header/)
    assert.equal(parseVector('testing_buildBlockV1/x.io', `// speconly: only the shape\n${TWO_REQUESTS}`).speconly, true)
    assert.equal(parseVector('x.io', `${TWO_REQUESTS}// speconly: too late\n`).speconly, false, 'speconly counts in the header only')
  })

  it('takes the method from the first request when the file is not in a method folder', () => {
    assert.equal(parseVector('get-status.io', SPECONLY).method, 'txpool_status')
  })

  it('refuses what hive refuses, naming the line', () => {
    const bad: [string, RegExp][] = [
      ['>> {"method":"eth_chainId"\n<< {}', /x\.io:1: invalid JSON/],
      ['// comment\nhello\n', /x\.io:2: not a comment, request or response/],
      ['<< {"result":1}\n', /x\.io:1: a response without a request/],
      ['>> {"method":"a"}\n>> {"method":"b"}\n<< {}\n', /x\.io:2: a request before the previous one's response/],
      ['>> {"method":"a"}\n', /the last request has no response/],
      ['// only a comment\n', /no request/],
    ]
    for (const [text, message] of bad) assert.throws(() => parseVector('x.io', text), (error: Error) => error instanceof VectorError && message.test(error.message))
  })
})

describe('vectorFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'execution-apis-vectors-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it("walks each folder's entries by name, as Go's filepath.Walk (a/ before a-b/), .io files only", () => {
    for (const path of ['eth_getBlockByNumber/get-genesis.io', 'eth_getBlockByNumber-x/a.io', 'eth_getBlockByHash/b.io', 'eth_call/z.io', 'eth_call/a.io', 'genesis.json', 'eth_call/notes.txt']) {
      mkdirSync(join(dir, path, '..'), { recursive: true })
      writeFileSync(join(dir, path), path.endsWith('.io') ? SPECONLY : '{}')
    }
    assert.deepEqual(vectorFiles(dir), ['eth_call/a.io', 'eth_call/z.io', 'eth_getBlockByHash/b.io', 'eth_getBlockByNumber/get-genesis.io', 'eth_getBlockByNumber-x/a.io'])
    assert.deepEqual(vectorFiles(dir, 'ByNumber/'), ['eth_getBlockByNumber/get-genesis.io'])
    assert.deepEqual(loadVectors(dir, 'eth_call/').map((vector) => [vector.file, vector.method]), [['eth_call/a.io', 'eth_call'], ['eth_call/z.io', 'eth_call']])
  })
})
