// Parameter validation: every type's decoder and its geth-style -32602 message, through HTTP.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { blockTagOrHash, hexOrDecimal, ParamError } from '../src/params.ts'
import { callRequest, filterCriteria } from '../src/param-objects.ts'
import { createHarness, type Harness } from './helpers.ts'

const ADDR = '0x1111111111111111111111111111111111111111'
const HASH = `0x${'ab'.repeat(32)}`

describe('parameter validation', () => {
  let h: Harness
  before(async () => {
    h = await createHarness()
  })
  after(() => h.app.close())

  async function invalid(method: string, params: unknown[]): Promise<string> {
    const res = await h.call(method, params)
    assert.ok(res.error, `${method} ${JSON.stringify(params)} should fail, got ${JSON.stringify(res)}`)
    assert.equal(res.error.code, -32602, res.error.message)
    return res.error.message
  }

  it('address', async () => {
    assert.equal(await invalid('eth_getBalance', ['0x12']), 'invalid argument 0: hex string has length 2, want 40 for common.Address')
    assert.equal(await invalid('eth_getBalance', ['1111111111111111111111111111111111111111']), 'invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type common.Address')
    assert.equal(await invalid('eth_getBalance', ['0x123']), 'invalid argument 0: json: cannot unmarshal hex string of odd length into Go value of type common.Address')
    assert.equal(await invalid('eth_getBalance', [`0x${'zz'.repeat(20)}`]), 'invalid argument 0: json: cannot unmarshal invalid hex string into Go value of type common.Address')
    assert.equal(await invalid('eth_getBalance', [42]), 'invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Address')
    assert.equal(await invalid('eth_getBalance', ['']), 'invalid argument 0: hex string has length 0, want 40 for common.Address')
  })

  it('hash', async () => {
    assert.equal(await invalid('eth_getBlockByHash', ['0xabcd', false]), 'invalid argument 0: hex string has length 4, want 64 for common.Hash')
    assert.equal(await invalid('eth_getTransactionByHash', [true]), 'invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Hash')
  })

  it('bool', async () => {
    assert.equal(await invalid('eth_getBlockByNumber', ['latest', 'yes']), 'invalid argument 1: json: cannot unmarshal string into Go value of type bool')
  })

  it('block number or tag', async () => {
    assert.equal(await invalid('eth_getBlockByNumber', ['newest', false]), 'invalid argument 0: hex string without 0x prefix')
    assert.equal(await invalid('eth_getBlockByNumber', [12, false]), 'invalid argument 0: hex string without 0x prefix')
    assert.equal(await invalid('eth_getBlockByNumber', ['0x', false]), 'invalid argument 0: hex string "0x"')
    assert.equal(await invalid('eth_getBlockByNumber', ['0x01', false]), 'invalid argument 0: hex number with leading zero digits')
    assert.equal(await invalid('eth_getBlockByNumber', ['0x10000000000000000', false]), 'invalid argument 0: hex number > 64 bits')
    assert.equal(await invalid('eth_getBlockByNumber', ['0x8000000000000000', false]), 'invalid argument 0: block number larger than int64')
    assert.equal(await invalid('eth_getBlockByNumber', ['0xg', false]), 'invalid argument 0: invalid hex string')
    for (const tag of ['latest', 'earliest', 'pending', 'safe', 'finalized', '0x0']) {
      const res = await h.call('eth_getBlockByNumber', [tag, false])
      assert.equal(res.error, undefined, tag)
    }
  })

  it('block number, tag, hash or EIP-1898 object', async () => {
    assert.equal(
      await invalid('eth_getBalance', [ADDR, { blockHash: HASH, blockNumber: '0x0' }]),
      'invalid argument 1: cannot specify both BlockHash and BlockNumber, choose one or the other',
    )
    assert.equal(await invalid('eth_getBalance', [ADDR, {}]), 'invalid argument 1: invalid arguments; neither block nor hash specified')
    assert.equal(await invalid('eth_getBalance', [ADDR, { blockHash: '0x1234' }]), 'invalid argument 1: hex string has length 4, want 64 for common.Hash')
    assert.equal(
      await invalid('eth_getBalance', [ADDR, { blockHash: HASH, requireCanonical: 'yes' }]),
      'invalid argument 1: json: cannot unmarshal string into Go struct field BlockNumberOrHash.requireCanonical of type bool',
    )
    assert.equal(await invalid('eth_getBalance', [ADDR, 'soon']), 'invalid argument 1: hex string without 0x prefix')
    assert.equal(await invalid('eth_getBalance', [ADDR, 5]), 'invalid argument 1: json: cannot unmarshal number into Go value of type string')
    assert.equal((await h.call('eth_getBalance', [ADDR, { blockNumber: '0x0' }])).result, '0x3e8')
    assert.equal((await h.call('eth_getBalance', [ADDR, { blockNumber: 'latest' }])).result, '0x3e8')
  })

  it('quantity (256-bit and 64-bit) inside a call object names the struct field', async () => {
    assert.equal(
      await invalid('eth_call', [{ to: ADDR, value: '0x00' }, 'latest']),
      'invalid argument 0: json: cannot unmarshal hex number with leading zero digits into Go struct field TransactionArgs.value of type *hexutil.Big',
    )
    assert.equal(
      await invalid('eth_call', [{ to: ADDR, value: `0x1${'0'.repeat(64)}` }]),
      'invalid argument 0: json: cannot unmarshal hex number > 256 bits into Go struct field TransactionArgs.value of type *hexutil.Big',
    )
    assert.equal(
      await invalid('eth_call', [{ to: ADDR, gas: '0x10000000000000000' }]),
      'invalid argument 0: json: cannot unmarshal hex number > 64 bits into Go struct field TransactionArgs.gas of type hexutil.Uint64',
    )
    assert.equal(
      await invalid('eth_call', [{ to: ADDR, gas: 21000 }]),
      'invalid argument 0: json: cannot unmarshal non-string into Go struct field TransactionArgs.gas of type hexutil.Uint64',
    )
    assert.equal(
      await invalid('eth_call', [{ to: ADDR, gasPrice: '0x' }]),
      'invalid argument 0: json: cannot unmarshal hex string "0x" into Go struct field TransactionArgs.gasPrice of type *hexutil.Big',
    )
    assert.equal(
      await invalid('eth_call', [{ from: '0x12', to: ADDR }]),
      'invalid argument 0: hex string has length 2, want 40 for common.Address',
    )
    assert.equal(
      await invalid('eth_call', [{ to: ADDR, data: '0x123' }]),
      'invalid argument 0: json: cannot unmarshal hex string of odd length into Go struct field TransactionArgs.data of type hexutil.Bytes',
    )
    assert.equal(await invalid('eth_call', ['0x12']), 'invalid argument 0: json: cannot unmarshal string into Go value of type ethapi.TransactionArgs')
    assert.equal(
      await invalid('eth_call', [{ to: ADDR, accessList: [{ storageKeys: [] }] }]),
      "invalid argument 0: missing required field 'address' for AccessTuple",
    )
    assert.equal(
      await invalid('eth_call', [{ to: ADDR, authorizationList: [{ chainId: '0x1', address: ADDR, nonce: '0x0', yParity: '0x0', r: '0x1' }] }]),
      "invalid argument 0: missing required field 's' for SetCodeAuthorization",
    )
  })

  it('index (hexutil.Uint)', async () => {
    assert.equal(
      await invalid('eth_getTransactionByBlockNumberAndIndex', ['latest', 1]),
      'invalid argument 1: json: cannot unmarshal non-string into Go value of type hexutil.Uint',
    )
    assert.equal(
      await invalid('eth_getTransactionByBlockNumberAndIndex', ['latest', '0x01']),
      'invalid argument 1: json: cannot unmarshal hex number with leading zero digits into Go value of type hexutil.Uint',
    )
  })

  it('data (hexutil.Bytes)', async () => {
    assert.equal(await invalid('eth_sendRawTransaction', ['0x0']), 'invalid argument 0: json: cannot unmarshal hex string of odd length into Go value of type hexutil.Bytes')
    assert.equal(await invalid('eth_sendRawTransaction', ['abcd']), 'invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type hexutil.Bytes')
    assert.equal(await invalid('web3_sha3', [{}]), 'invalid argument 0: json: cannot unmarshal non-string into Go value of type hexutil.Bytes')
  })

  it('storage key', async () => {
    assert.equal(await invalid('eth_getStorageAt', [ADDR, `0x${'1'.repeat(66)}`, 'latest']), `storage key too long (want at most 32 bytes): "0x${'1'.repeat(66)}"`)
    assert.equal(await invalid('eth_getStorageAt', [ADDR, '0xzz', 'latest']), 'invalid hex in storage key: "0xzz"')
    // Short keys, with or without 0x, are accepted as geth accepts them.
    assert.equal((await h.call('eth_getStorageAt', [ADDR, '0x0', 'latest'])).result, `0x${'01'.repeat(32)}`)
    assert.equal((await h.call('eth_getStorageAt', [ADDR, '1'])).result, `0x${'01'.repeat(32)}`)
  })

  it('log filter criteria', async () => {
    assert.equal(
      await invalid('eth_getLogs', [{ blockHash: HASH, fromBlock: '0x1' }]),
      'invalid argument 0: cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other',
    )
    assert.equal(await invalid('eth_getLogs', [{ address: '0x12' }]), 'invalid argument 0: invalid address: hex has invalid length 1 after decoding; expected 20 for address')
    assert.equal(await invalid('eth_getLogs', [{ address: [ADDR, 'nope'] }]), 'invalid argument 0: invalid address at index 1: hex string without 0x prefix')
    assert.equal(await invalid('eth_getLogs', [{ address: [ADDR, 5] }]), 'invalid argument 0: non-string address at index 1')
    assert.equal(await invalid('eth_getLogs', [{ address: 5 }]), 'invalid argument 0: invalid addresses in query')
    assert.equal(await invalid('eth_getLogs', [{ topics: ['0x12'] }]), 'invalid argument 0: hex has invalid length 1 after decoding; expected 32 for topic')
    assert.equal(await invalid('eth_getLogs', [{ topics: [5] }]), 'invalid argument 0: invalid topic(s)')
    assert.equal(await invalid('eth_getLogs', [{ topics: [[HASH, 5]] }]), 'invalid argument 0: invalid topic(s)')
    assert.equal(await invalid('eth_getLogs', [{ topics: [null, null, null, null, null] }]), 'invalid argument 0: exceed max topics')
    assert.equal(await invalid('eth_getLogs', [{ fromBlock: 'yesterday' }]), 'invalid argument 0: hex string without 0x prefix')
    assert.equal(await invalid('eth_getLogs', ['latest']), 'invalid argument 0: json: cannot unmarshal string into Go value of type filters.FilterCriteria')
  })

  it('fee history arguments', async () => {
    assert.equal(await invalid('eth_feeHistory', ['ten', 'latest', []]), 'invalid argument 0: invalid hex or decimal integer "ten"')
    assert.equal(await invalid('eth_feeHistory', ['0x4', 'latest', ['x']]), 'invalid argument 2: json: cannot unmarshal string into Go value of type float64')
    assert.equal((await h.call('eth_feeHistory', ['0x4', 'latest', [101]])).error.message, 'invalid reward percentile: 101.000000')
    assert.equal((await h.call('eth_feeHistory', [4, 'latest', [50, 10]])).error.message, 'invalid reward percentile: #0:50.000000 > #1:10.000000')
    assert.equal((await h.call('eth_feeHistory', ['4', 'latest'])).error, undefined, 'decimal strings are counts too')
  })

  it('eth_subscribe options', async () => {
    // Over HTTP the method exists but cannot notify.
    const res = await h.call('eth_subscribe', ['newHeads'])
    assert.deepEqual(res.error, { code: -32601, message: 'notifications not supported' })
  })
})

describe('decoders', () => {
  it('decode EIP-1898 objects and bare hashes', () => {
    assert.deepEqual(blockTagOrHash.decode({ blockNumber: '0x10' }), { kind: 'number', number: 16n })
    const byHash = blockTagOrHash.decode({ blockHash: HASH, requireCanonical: true })
    assert.equal(byHash.kind, 'hash')
    assert.equal(byHash.kind === 'hash' && byHash.requireCanonical, true)
    const bare = blockTagOrHash.decode(HASH)
    assert.equal(bare.kind === 'hash' && Buffer.from(bare.hash).toString('hex'), 'ab'.repeat(32))
    assert.deepEqual(blockTagOrHash.decode('safe'), { kind: 'tag', tag: 'safe' })
  })

  it('prefer input over data and flag a conflict, as geth', () => {
    const same = callRequest.decode({ input: '0x01', data: '0x01' })
    assert.equal(same.inputDataConflict, false)
    assert.deepEqual([...(same.request.data as Uint8Array)], [1])
    const differ = callRequest.decode({ input: '0x01', data: '0x02' })
    assert.equal(differ.inputDataConflict, true)
    assert.deepEqual([...(callRequest.decode({ data: '0x02' }).request.data as Uint8Array)], [2])
    assert.equal(callRequest.decode({ to: null }).request.to, undefined, 'to: null is contract creation')
  })

  it("decoded bytes own their buffer: a worker thread's copy carries only them", () => {
    const { request } = callRequest.decode({ to: ADDR, data: '0x70a08231' })
    for (const [name, bytes] of [['to', request.to], ['data', request.data]] as const) {
      // structuredClone is what postMessage does to a job: a view drags its whole ArrayBuffer along.
      const cloned = structuredClone(bytes!)
      assert.equal(cloned.buffer.byteLength, bytes!.length, `${name}: ${bytes!.buffer.byteLength}-byte buffer cloned for ${bytes!.length} bytes`)
    }
    assert.equal(Buffer.from(request.to!).toString('hex'), ADDR.slice(2))
    assert.deepEqual([...request.data!], [0x70, 0xa0, 0x82, 0x31])
  })

  it('decode authorization lists', () => {
    const { request } = callRequest.decode({
      authorizationList: [{ chainId: '0x7a69', address: ADDR, nonce: '0x1', yParity: '0x1', r: '0x2', s: '0x3' }],
    })
    assert.deepEqual(request.authorizationList?.map((a) => ({ ...a, address: a.address.length })), [{ chainId: 31337n, address: 20, nonce: 1n, yParity: 1, r: 2n, s: 3n }])
  })

  it('decode topics with nulls and OR-lists, keeping trailing wildcards (they bound the topic count, as geth)', () => {
    const c = filterCriteria.decode({ topics: [null, [HASH, HASH], [], [HASH, null]] })
    assert.equal(c.topics.length, 4)
    assert.equal(c.topics[0], null)
    assert.equal(c.topics[1]?.length, 2)
    assert.equal(c.topics[2], null)
    assert.equal(c.topics[3], null)
    const d = filterCriteria.decode({ address: ADDR })
    assert.equal(d.addresses.length, 1)
  })

  it('decode hex-or-decimal counts', () => {
    assert.equal(hexOrDecimal.decode('0x10'), 16n)
    assert.equal(hexOrDecimal.decode('10'), 10n)
    assert.equal(hexOrDecimal.decode(10), 10n)
    assert.throws(() => hexOrDecimal.decode(-1), ParamError)
    assert.throws(() => hexOrDecimal.decode(1.5), ParamError)
  })
})
