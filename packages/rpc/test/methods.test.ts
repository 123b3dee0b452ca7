// Method behaviour against the in-test backend: formats, block tags, errors, caps, filters,
// fees. End-to-end behaviour against a real node is tested with the node.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ExecutionError, type LogFilter, type TransactionView } from '../src/backend.ts'
import { createHarness, SENDER, signed1559, signedLegacy, TO, type Harness } from './helpers.ts'

const hexOf = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`
const ADDR = '0x1111111111111111111111111111111111111111'

function abiError(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8')
  const len = bytes.length.toString(16).padStart(64, '0')
  const padded = bytes.toString('hex').padEnd(Math.ceil(bytes.length / 32) * 64, '0')
  return `0x08c379a0${'20'.padStart(64, '0')}${len}${padded}`
}

describe('block and transaction getters', () => {
  let h: Harness
  before(async () => {
    h = await createHarness()
    h.backend.addBlock([signed1559(0), signedLegacy(1)])
  })
  after(() => h.app.close())

  it('formats a block with full transactions as geth', async () => {
    const { result: block } = await h.call('eth_getBlockByNumber', ['latest', true])
    const view = h.backend.blocks[1]
    assert.equal(block.number, '0x1')
    assert.equal(block.hash, hexOf(view.hash))
    assert.equal(block.parentHash, hexOf(h.backend.blocks[0].hash))
    assert.equal(block.baseFeePerGas, '0x3b9aca00')
    assert.equal(block.gasLimit, '0x1c9c380')
    assert.equal(block.size, '0x258')
    assert.equal(block.totalDifficulty, undefined, 'the execution-apis block schema has no totalDifficulty (geth dropped it)')
    assert.deepEqual(block.uncles, [])
    assert.match(block.extraData, /^0x0{194}$/)
    assert.equal(block.miner, `0x${'00'.repeat(20)}`)
    assert.equal(block.transactions.length, 2)
    const [dyn, legacy] = block.transactions
    assert.equal(dyn.type, '0x2')
    assert.equal(dyn.blockHash, block.hash)
    assert.equal(dyn.blockNumber, '0x1')
    assert.equal(dyn.transactionIndex, '0x0')
    assert.equal(dyn.from, hexOf(SENDER))
    assert.equal(dyn.to, ADDR)
    assert.equal(dyn.gasPrice, '0xb2d05e00', 'base fee 1 gwei + tip 2 gwei')
    assert.equal(dyn.maxFeePerGas, '0x2540be400')
    assert.equal(dyn.maxPriorityFeePerGas, '0x77359400')
    assert.equal(dyn.chainId, '0x7a69')
    assert.deepEqual(dyn.accessList, [])
    assert.equal(dyn.input, '0x')
    assert.equal(dyn.value, '0x5')
    assert.ok(dyn.yParity === '0x0' || dyn.yParity === '0x1')
    assert.equal(dyn.v, dyn.yParity)
    assert.match(dyn.r, /^0x[1-9a-f][0-9a-f]*$/)
    assert.equal(legacy.type, '0x0')
    assert.equal(legacy.gasPrice, '0xb2d05e00')
    assert.equal(legacy.chainId, '0x7a69', 'EIP-155 legacy transactions carry their chain id')
    assert.equal(legacy.yParity, undefined)
    assert.ok(['0xf4f5', '0xf4f6'].includes(legacy.v))
    assert.equal(legacy.maxFeePerGas, undefined)
  })

  it('lists transaction hashes without full transactions', async () => {
    const { result } = await h.call('eth_getBlockByHash', [hexOf(h.backend.blocks[1].hash), false])
    assert.deepEqual(result.transactions, h.backend.blocks[1].block.transactions.map((t) => hexOf(t.hash())))
  })

  it('treats pending as latest and answers null for unknown blocks', async () => {
    assert.equal((await h.call('eth_getBlockByNumber', ['pending', false])).result.number, '0x1')
    assert.equal((await h.call('eth_getBlockByNumber', ['earliest', false])).result.number, '0x0')
    assert.equal((await h.call('eth_getBlockByNumber', ['0x63', false])).result, null)
    assert.equal((await h.call('eth_getBlockByHash', [`0x${'12'.repeat(32)}`, false])).result, null)
    assert.equal((await h.call('eth_getBlockTransactionCountByNumber', ['0x1'])).result, '0x2')
    assert.equal((await h.call('eth_getBlockTransactionCountByHash', [`0x${'12'.repeat(32)}`])).result, null)
    assert.equal((await h.call('eth_getUncleCountByBlockNumber', ['latest'])).result, '0x0')
    assert.equal((await h.call('eth_getUncleCountByBlockHash', [`0x${'12'.repeat(32)}`])).result, null)
    assert.equal((await h.call('eth_getUncleByBlockNumberAndIndex', ['latest', '0x0'])).result, null)
  })

  it('finds transactions by block and index', async () => {
    const { result } = await h.call('eth_getTransactionByBlockNumberAndIndex', ['0x1', '0x1'])
    assert.equal(result.hash, hexOf(h.backend.blocks[1].block.transactions[1].hash()))
    assert.equal(result.transactionIndex, '0x1')
    assert.equal((await h.call('eth_getTransactionByBlockNumberAndIndex', ['0x1', '0x2'])).result, null)
    assert.equal((await h.call('eth_getTransactionByBlockHashAndIndex', [hexOf(h.backend.blocks[1].hash), '0x0'])).result.type, '0x2')
  })

  it('reports a pool transaction with null block fields and maxFeePerGas as gasPrice', async () => {
    const tx = signed1559(7)
    const pending: TransactionView = { tx, hash: tx.hash(), sender: SENDER }
    h.backend.hooks.transaction = async () => pending
    const { result } = await h.call('eth_getTransactionByHash', [hexOf(tx.hash())])
    assert.equal(result.blockHash, null)
    assert.equal(result.blockNumber, null)
    assert.equal(result.transactionIndex, null)
    assert.equal(result.gasPrice, '0x2540be400')
    delete h.backend.hooks.transaction
    assert.equal((await h.call('eth_getTransactionByHash', [hexOf(tx.hash())])).result, null)
  })

  it('formats receipts and block receipts', async () => {
    assert.equal((await h.call('eth_getTransactionReceipt', [`0x${'12'.repeat(32)}`])).result, null)
    const { result } = await h.call('eth_getBlockReceipts', ['latest'])
    assert.equal(result.length, 2)
    assert.equal(result[0].status, '0x1')
    assert.equal(result[0].type, '0x2')
    assert.equal(result[0].contractAddress, null)
    assert.equal(result[0].to, hexOf(TO))
    assert.equal(result[1].cumulativeGasUsed, '0xa410')
    assert.equal(result[0].logs[0].blockTimestamp, '0x3ea')
    assert.equal(result[0].logs[0].removed, false)
    assert.equal((await h.call('eth_getBlockReceipts', ['0x50'])).result, null)
  })

  it('answers chain identity and network state', async () => {
    assert.equal((await h.call('eth_blockNumber')).result, '0x1')
    assert.equal((await h.call('net_version')).result, '31337')
    assert.equal((await h.call('net_listening')).result, true)
    assert.equal((await h.call('net_peerCount')).result, '0x3')
    assert.equal((await h.call('eth_syncing')).result, false)
    assert.deepEqual((await h.call('eth_accounts')).result, [hexOf(SENDER)])
    assert.equal((await h.call('web3_clientVersion')).result, 'Busan/v0.1.0-test')
    assert.equal((await h.call('web3_sha3', ['0x'])).result, '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    assert.equal((await h.call('web3_sha3', ['0x68656c6c6f'])).result, '0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8')
  })
})

describe('state queries', () => {
  let h: Harness
  before(async () => {
    h = await createHarness()
    h.backend.addBlock()
  })
  after(() => h.app.close())

  it('read at any block and fail with "header not found" for missing ones', async () => {
    const seen: bigint[] = []
    h.backend.hooks.balance = async (_a, block) => {
      seen.push(block.block.header.number)
      return 10n ** 18n
    }
    assert.equal((await h.call('eth_getBalance', [ADDR, '0x0'])).result, '0xde0b6b3a7640000')
    assert.equal((await h.call('eth_getBalance', [ADDR])).result, '0xde0b6b3a7640000', 'block defaults to latest')
    assert.equal((await h.call('eth_getBalance', [ADDR, { blockHash: hexOf(h.backend.blocks[0].hash) }])).result, '0xde0b6b3a7640000')
    assert.deepEqual(seen, [0n, 1n, 0n])
    delete h.backend.hooks.balance
    assert.deepEqual((await h.call('eth_getBalance', [ADDR, '0x9'])).error, { code: -32000, message: 'header not found' })
    assert.deepEqual((await h.call('eth_getCode', [ADDR, { blockHash: `0x${'12'.repeat(32)}` }])).error, { code: -32000, message: 'header for hash not found' })
  })

  it('counts pending transactions for the pending nonce', async () => {
    h.backend.pendingNonces.set(Buffer.from(TO).toString('hex'), 9n)
    assert.equal((await h.call('eth_getTransactionCount', [ADDR, 'pending'])).result, '0x9')
    assert.equal((await h.call('eth_getTransactionCount', [ADDR, 'latest'])).result, '0x3')
  })

  it('formats code, storage and proofs', async () => {
    assert.equal((await h.call('eth_getCode', [ADDR, 'latest'])).result, '0x6000')
    const { result } = await h.call('eth_getProof', [ADDR, ['0x1', `0x${'00'.repeat(31)}02`], 'latest'])
    assert.equal(result.address, ADDR)
    assert.equal(result.balance, '0x3e8')
    assert.equal(result.nonce, '0x3')
    assert.deepEqual(result.accountProof, ['0xc0'])
    assert.equal(result.storageProof[0].key, '0x1', 'short keys come back as quantities')
    assert.equal(result.storageProof[1].key, `0x${'00'.repeat(31)}02`, '32-byte keys come back as given')
    assert.equal(result.storageProof[0].value, '0x0')
  })
})

describe('calls', () => {
  let h: Harness
  before(async () => {
    h = await createHarness({ callTimeoutMs: 200 })
  })
  after(() => h.app.close())

  it('returns the call output and caps gas at rpcGasCap', async () => {
    let seen: { gas?: bigint; cap?: bigint; data?: string } = {}
    h.backend.hooks.call = async (request, _block, options) => {
      seen = { gas: request.gas, cap: options.gasCap, data: request.data && hexOf(request.data) }
      return { returnData: new Uint8Array([1, 2]), gasUsed: 1n }
    }
    assert.equal((await h.call('eth_call', [{ to: ADDR, gas: '0x5f5e100', input: '0xabcd' }, 'latest'])).result, '0x0102')
    assert.deepEqual(seen, { gas: 50_000_000n, cap: 50_000_000n, data: '0xabcd' })
  })

  it('answers reverts with code 3, the decoded reason, and the revert data', async () => {
    const data = abiError('not owner')
    h.backend.hooks.call = async () => ({ returnData: Buffer.from(data.slice(2), 'hex'), gasUsed: 1n, error: { kind: 'revert', message: 'execution reverted' } })
    assert.deepEqual((await h.call('eth_call', [{ to: ADDR }])).error, { code: 3, message: 'execution reverted: not owner', data })
    const panic = `0x4e487b71${'11'.padStart(64, '0')}`
    h.backend.hooks.call = async () => ({ returnData: Buffer.from(panic.slice(2), 'hex'), gasUsed: 1n, error: { kind: 'revert', message: 'execution reverted' } })
    assert.deepEqual((await h.call('eth_call', [{ to: ADDR }])).error, { code: 3, message: 'execution reverted: arithmetic underflow or overflow', data: panic })
    const custom = '0xdeadbeef0000000000000000000000000000000000000000000000000000000000000001'
    h.backend.hooks.call = async () => ({ returnData: Buffer.from(custom.slice(2), 'hex'), gasUsed: 1n, error: { kind: 'revert', message: 'execution reverted' } })
    assert.deepEqual((await h.call('eth_call', [{ to: ADDR }])).error, { code: 3, message: 'execution reverted', data: custom })
    h.backend.hooks.call = async () => ({ returnData: new Uint8Array(0), gasUsed: 1n, error: { kind: 'halt', message: 'out of gas' } })
    assert.deepEqual((await h.call('eth_call', [{ to: ADDR }])).error, { code: -32000, message: 'out of gas' })
  })

  it('refuses what geth refuses in call arguments', async () => {
    h.backend.hooks.call = async () => ({ returnData: new Uint8Array(0), gasUsed: 1n })
    assert.deepEqual((await h.call('eth_call', [{ to: ADDR, input: '0x01', data: '0x02' }])).error, {
      code: -32000,
      message: 'both "data" and "input" are set and not equal. Please use "input" to pass transaction call data',
    })
    assert.equal((await h.call('eth_call', [{ to: ADDR, input: '0x01', data: '0x01' }])).result, '0x')
    assert.equal((await h.call('eth_call', [{ to: ADDR, chainId: '0x1' }])).error.message, "chainId does not match node's (have=1, want=31337)")
    assert.equal(
      (await h.call('eth_call', [{ to: ADDR, gasPrice: '0x1', maxFeePerGas: '0x2' }])).error.message,
      'both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified',
    )
    assert.equal((await h.call('eth_call', [{ to: ADDR, maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x2' }])).error.message, 'maxFeePerGas (1) < maxPriorityFeePerGas (2)')
    assert.equal((await h.call('eth_call', [{ to: ADDR }, 'latest', { [ADDR]: { balance: 'one' } }])).error.code, -32602)
    assert.equal((await h.call('eth_call', [{ to: ADDR }, 'latest', { [ADDR]: { state: { '0x01': '0x02' } } }])).error.code, -32602, 'storage keys are 32 bytes')
    assert.equal((await h.call('eth_call', [{ to: ADDR }, 'latest', {}])).result, '0x', 'empty overrides are fine')
  })

  it('aborts calls past the EVM timeout', async () => {
    let aborted = false
    h.backend.hooks.call = (_r, _b, options) =>
      new Promise((resolve) => {
        options.signal?.addEventListener('abort', () => {
          aborted = true
          resolve({ returnData: new Uint8Array(0), gasUsed: 0n })
        })
      })
    assert.deepEqual((await h.call('eth_call', [{ to: ADDR }])).error, { code: -32000, message: 'execution aborted (timeout = 200ms)' })
    assert.equal(aborted, true)
  })

  it('estimates gas, failing with code 3 on revert and -32000 otherwise', async () => {
    h.backend.hooks.estimateGas = async () => 53_000n
    assert.equal((await h.call('eth_estimateGas', [{ to: ADDR }])).result, '0xcf08')
    const data = abiError('too low')
    h.backend.hooks.estimateGas = async () => {
      throw new ExecutionError('revert', 'execution reverted', Buffer.from(data.slice(2), 'hex'))
    }
    assert.deepEqual((await h.call('eth_estimateGas', [{ to: ADDR }])).error, { code: 3, message: 'execution reverted: too low', data })
    h.backend.hooks.estimateGas = async () => {
      throw Object.assign(new Error('execution reverted'), { code: 3, data })
    }
    assert.deepEqual((await h.call('eth_estimateGas', [{ to: ADDR }])).error, { code: 3, message: 'execution reverted: too low', data }, 'coded reverts get their reason')
    h.backend.hooks.estimateGas = async () => {
      throw new ExecutionError('halt', 'gas required exceeds allowance (50000000)')
    }
    assert.deepEqual((await h.call('eth_estimateGas', [{ to: ADDR }])).error, { code: -32000, message: 'gas required exceeds allowance (50000000)' })
  })

  it('creates access lists', async () => {
    h.backend.hooks.call = async (_r, _b, options) => {
      assert.equal(options.withAccessList, true)
      return { returnData: new Uint8Array(0), gasUsed: 30_000n, accessList: [{ address: TO, storageKeys: [new Uint8Array(32)] }], error: { kind: 'revert', message: 'execution reverted' } }
    }
    assert.deepEqual((await h.call('eth_createAccessList', [{ to: ADDR }])).result, {
      accessList: [{ address: ADDR, storageKeys: [`0x${'00'.repeat(32)}`] }],
      error: 'execution reverted',
      gasUsed: '0x7530',
    })
  })
})

describe('logs', () => {
  let h: Harness
  before(async () => {
    h = await createHarness({ logsBlockRangeCap: 5, logsMaxResults: 2 })
    for (let i = 0; i < 10; i++) h.backend.addBlock()
  })
  after(() => h.app.close())

  it('resolves the range and passes the criteria to the backend', async () => {
    let seen: { from?: bigint; to?: bigint; addresses?: number; topics?: unknown } = {}
    h.backend.hooks.logs = async (f) => {
      seen = { from: f.fromBlock, to: f.toBlock, addresses: f.addresses.length, topics: f.topics.map((t) => (t === null ? null : t.length)) }
      return []
    }
    assert.deepEqual((await h.call('eth_getLogs', [{ fromBlock: '0x6', address: [ADDR, ADDR], topics: [null, [`0x${'aa'.repeat(32)}`]] }])).result, [])
    assert.deepEqual(seen, { from: 6n, to: 10n, addresses: 2, topics: [null, 1] })
    await h.call('eth_getLogs', [{}])
    assert.deepEqual([seen.from, seen.to], [10n, 10n], 'both ends default to latest')
    await h.call('eth_getLogs', [{ fromBlock: 'safe', toBlock: 'latest' }])
    assert.deepEqual([seen.from, seen.to], [8n, 10n])
  })

  it('enforces the block range cap and the result cap with -32005', async () => {
    h.backend.hooks.logs = async () => []
    assert.deepEqual((await h.call('eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x5' }])).error, { code: -32005, message: 'exceed maximum block range: 5' })
    assert.equal((await h.call('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x5' }])).error, undefined)
    const log = h.backend.blocks[3]
    h.backend.hooks.logs = async () => {
      const { makeLog } = await import('./helpers.ts')
      return [makeLog(log), makeLog(log), makeLog(log)]
    }
    assert.deepEqual((await h.call('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x5' }])).error, { code: -32005, message: 'query returned more than 2 results' })
  })

  it('refuses ranges past the head and reversed ranges as geth', async () => {
    h.backend.hooks.logs = async () => []
    assert.deepEqual((await h.call('eth_getLogs', [{ fromBlock: '0x9', toBlock: '0xc' }])).error, { code: -32602, message: 'block range extends beyond current head block' })
    assert.deepEqual((await h.call('eth_getLogs', [{ fromBlock: '0xc', toBlock: 'latest' }])).error, { code: -32602, message: 'invalid block range params' })
    assert.deepEqual((await h.call('eth_getLogs', [{ fromBlock: '0x5', toBlock: '0x4' }])).error, { code: -32602, message: 'invalid block range params' })
  })

  it('answers blockHash queries with that block’s logs, from the backend, within the request budget', async () => {
    const block = h.backend.addBlock([signed1559(0)])
    let asked: LogFilter | undefined
    h.backend.hooks.logs = async (filter) => {
      asked = filter
      const { makeLog } = await import('./helpers.ts')
      return [makeLog(block, { transactionHash: block.block.transactions[0].hash() })]
    }
    const { result } = await h.call('eth_getLogs', [{ blockHash: hexOf(block.hash), topics: [`0x${'aa'.repeat(32)}`] }])
    assert.equal(hexOf(asked!.blockHash!), hexOf(block.hash))
    assert.deepEqual(asked!.topics.map((position) => position?.map(hexOf)), [[`0x${'aa'.repeat(32)}`]])
    assert.equal(result.length, 1)
    assert.equal(result[0].blockHash, hexOf(block.hash))
    assert.equal(result[0].transactionHash, hexOf(block.block.transactions[0].hash()))
    assert.deepEqual((await h.call('eth_getLogs', [{ blockHash: `0x${'12'.repeat(32)}` }])).error, { code: -32000, message: 'unknown block' })
    h.backend.hooks.logs = undefined
  })
})

describe('polling filters', () => {
  it('collect blocks, logs and pending transactions between polls', async () => {
    const h = await createHarness()
    try {
      const blockFilter = (await h.call('eth_newBlockFilter')).result
      const logFilter = (await h.call('eth_newFilter', [{ topics: [`0x${'aa'.repeat(32)}`] }])).result
      const pendingFilter = (await h.call('eth_newPendingTransactionFilter')).result
      assert.match(blockFilter, /^0x[0-9a-f]+$/)
      const { makeLog } = await import('./helpers.ts')
      const created = h.backend.chain.latest().block.header.number
      const head = h.backend.addBlock()
      // A reorg dropped a log of block 0 (already owed to the filter's past): owed back as removed.
      h.backend.events.emit('newHead', head, [makeLog(head, { logIndex: 4 })], [makeLog(h.backend.blocks[0], { removed: true })])
      h.backend.events.emit('pendingTransaction', new Uint8Array(32).fill(5))
      assert.deepEqual((await h.call('eth_getFilterChanges', [blockFilter])).result, [hexOf(head.hash)])
      assert.deepEqual((await h.call('eth_getFilterChanges', [blockFilter])).result, [], 'drained')
      // The new logs are read from the chain at poll time, from the fork point to the head.
      const asked: [bigint, bigint][] = []
      h.backend.hooks.logs = async (filter) => {
        asked.push([filter.fromBlock, filter.toBlock])
        return [makeLog(head, { logIndex: 4 })]
      }
      const logs = (await h.call('eth_getFilterChanges', [logFilter])).result
      assert.deepEqual(logs.map((l: { removed: boolean; logIndex: string }) => [l.removed, l.logIndex]), [[true, '0x0'], [false, '0x4']])
      assert.deepEqual(asked, [[0n, head.block.header.number]])
      assert.ok(created < head.block.header.number)
      asked.length = 0
      assert.deepEqual((await h.call('eth_getFilterChanges', [logFilter])).result, [], 'nothing new')
      assert.deepEqual(asked, [], 'no query without new blocks')
      h.backend.hooks.logs = undefined
      assert.deepEqual((await h.call('eth_getFilterChanges', [pendingFilter])).result, [`0x${'05'.repeat(32)}`])
      assert.deepEqual((await h.call('eth_getFilterLogs', [blockFilter])).error, { code: -32000, message: 'filter not found' })
      assert.deepEqual((await h.call('eth_getFilterLogs', [logFilter])).result, [], 'runs the query over the backend')
      assert.equal((await h.call('eth_uninstallFilter', [blockFilter])).result, true)
      assert.equal((await h.call('eth_uninstallFilter', [blockFilter])).result, false)
      assert.deepEqual((await h.call('eth_getFilterChanges', [blockFilter])).error, { code: -32000, message: 'filter not found' })
      assert.deepEqual((await h.call('eth_newFilter', [{ fromBlock: '0x5', toBlock: '0x2' }])).error, { code: -32602, message: 'invalid block range params' })
    } finally {
      await h.app.close()
    }
  })

  it('bound log filters by explicit block numbers', async () => {
    const h = await createHarness()
    try {
      const { makeLog } = await import('./helpers.ts')
      const id = (await h.call('eth_newFilter', [{ fromBlock: '0x2', toBlock: '0x2' }])).result
      const b1 = h.backend.addBlock()
      h.backend.events.emit('newHead', b1, [makeLog(b1)], [])
      const b2 = h.backend.addBlock()
      h.backend.events.emit('newHead', b2, [makeLog(b2)], [])
      const b3 = h.backend.addBlock()
      h.backend.events.emit('newHead', b3, [makeLog(b3)], [])
      const asked: [bigint, bigint][] = []
      h.backend.hooks.logs = async (filter) => {
        asked.push([filter.fromBlock, filter.toBlock])
        return [makeLog(b2)]
      }
      assert.deepEqual((await h.call('eth_getFilterChanges', [id])).result.map((l: { blockNumber: string }) => l.blockNumber), ['0x2'])
      assert.deepEqual(asked, [[2n, 2n]], 'only the blocks the filter names')
    } finally {
      await h.app.close()
    }
  })

  it('expire when not polled within filterTimeoutMs', async () => {
    // Wide margins: CI machines are loaded and timers fire late.
    const h = await createHarness({ filterTimeoutMs: 1000 })
    try {
      const polled = (await h.call('eth_newBlockFilter')).result
      const idle = (await h.call('eth_newBlockFilter')).result
      await new Promise((r) => setTimeout(r, 600))
      assert.deepEqual((await h.call('eth_getFilterChanges', [polled])).result, [])
      await new Promise((r) => setTimeout(r, 600))
      assert.deepEqual((await h.call('eth_getFilterChanges', [polled])).result, [], 'polling keeps a filter alive')
      assert.deepEqual((await h.call('eth_getFilterChanges', [idle])).error, { code: -32000, message: 'filter not found' })
    } finally {
      await h.app.close()
    }
  })
})

describe('fees', () => {
  it('suggests the default tip on empty blocks, and base fee plus tip as gas price', async () => {
    const h = await createHarness()
    try {
      h.backend.addBlock()
      assert.equal((await h.call('eth_maxPriorityFeePerGas')).result, '0x3b9aca00')
      assert.equal((await h.call('eth_gasPrice')).result, '0x77359400')
    } finally {
      await h.app.close()
    }
  })

  it('suggests the percentile of recent tips', async () => {
    const h = await createHarness()
    try {
      for (let i = 0; i < 5; i++) h.backend.addBlock([signed1559(i, 3_000_000_000n)])
      assert.equal((await h.call('eth_maxPriorityFeePerGas')).result, '0xb2d05e00')
      assert.equal((await h.call('eth_gasPrice')).result, '0xee6b2800')
    } finally {
      await h.app.close()
    }
  })

  it('reports fee history with rewards, next base fee and zero blob fields', async () => {
    const h = await createHarness()
    try {
      h.backend.addBlock([signed1559(0, 2_000_000_000n), signed1559(1, 5_000_000_000n)])
      h.backend.addBlock()
      const { result } = await h.call('eth_feeHistory', ['0x2', 'latest', [10, 90]])
      assert.equal(result.oldestBlock, '0x1')
      assert.deepEqual(result.reward, [
        ['0x77359400', '0x12a05f200'],
        ['0x0', '0x0'],
      ])
      assert.equal(result.baseFeePerGas.length, 3)
      assert.equal(result.gasUsedRatio.length, 2)
      assert.equal(result.gasUsedRatio[0], 42_000 / 30_000_000)
      assert.deepEqual(result.baseFeePerBlobGas, ['0x0', '0x0', '0x0'])
      assert.deepEqual(result.blobGasUsedRatio, [0, 0])
      const last = h.backend.blocks[2].block.header
      assert.equal(result.baseFeePerGas[2], `0x${last.calcNextBaseFee().toString(16)}`)
      const all = (await h.call('eth_feeHistory', [100, 'latest'])).result
      assert.equal(all.oldestBlock, '0x0', 'clamped to the chain')
      assert.equal(all.reward, undefined)
      assert.equal((await h.call('eth_feeHistory', ['0x1', '0x9'])).error.message, 'request beyond head block: requested 9, head 2')
    } finally {
      await h.app.close()
    }
  })
})

describe('txpool and clique', () => {
  let h: Harness
  before(async () => {
    h = await createHarness()
    h.backend.addBlock()
    const tx = signed1559(3)
    const sender = `0x${Buffer.from(SENDER).toString('hex')}`
    h.backend.pool.contentValue.pending.set(sender, new Map([[3n, { tx, hash: tx.hash(), sender: SENDER }]]))
  })
  after(() => h.app.close())

  it('answers txpool_status, _content and _inspect in geth formats', async () => {
    assert.deepEqual((await h.call('txpool_status')).result, { pending: '0x2', queued: '0x1' })
    const content = (await h.call('txpool_content')).result
    const checksummed = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
    assert.deepEqual(Object.keys(content.pending), [checksummed])
    assert.equal(content.pending[checksummed]['3'].nonce, '0x3')
    assert.deepEqual(content.queued, {})
    const inspect = (await h.call('txpool_inspect')).result
    assert.equal(inspect.pending[checksummed]['3'], '0x1111111111111111111111111111111111111111: 5 wei + 21000 gas × 10000000000 wei')
    const from = (await h.call('txpool_contentFrom', [checksummed.toLowerCase()])).result
    assert.deepEqual(Object.keys(from.pending), ['3'])
  })

  it('answers clique_getSnapshot and clique_getSigners in geth formats', async () => {
    const latest = h.backend.blocks[1]
    const snap = (await h.call('clique_getSnapshot', ['latest'])).result
    assert.equal(snap.number, 1)
    assert.equal(snap.hash, hexOf(latest.hash))
    const signers = [hexOf(SENDER), ADDR].sort()
    assert.deepEqual(Object.keys(snap.signers), signers)
    assert.deepEqual(snap.signers[signers[0]], {})
    assert.deepEqual(snap.recents, { 1: hexOf(SENDER) })
    assert.deepEqual(snap.votes, [{ signer: hexOf(SENDER), block: 1, address: '0x2222222222222222222222222222222222222222', authorize: true }])
    assert.deepEqual(snap.tally, { '0x2222222222222222222222222222222222222222': { authorize: true, votes: 1 } })
    assert.deepEqual((await h.call('clique_getSigners')).result, signers)
    assert.deepEqual((await h.call('clique_getSigners', [{ blockHash: hexOf(h.backend.blocks[0].hash) }])).result, signers)
    assert.equal((await h.call('clique_getSnapshot', [hexOf(latest.hash)])).result.number, 1)
    assert.deepEqual((await h.call('clique_getSignersAtHash', [hexOf(h.backend.blocks[0].hash)])).result, signers)
    assert.deepEqual((await h.call('clique_getSignersAtHash', [`0x${'12'.repeat(32)}`])).error, { code: -32000, message: 'unknown block' })
    assert.deepEqual((await h.call('clique_getSnapshot', ['0x20'])).error, { code: -32000, message: 'unknown block' })
  })

  it('keeps clique votes with propose, discard and proposals, and reports sealing status', async () => {
    const target = '0x00000000000000000000000000000000000000aa'
    assert.equal((await h.call('clique_propose', [target, true])).result, null)
    assert.deepEqual((await h.call('clique_proposals')).result, { [target]: true })
    await h.call('clique_propose', [target, false])
    assert.deepEqual((await h.call('clique_proposals')).result, { [target]: false })
    assert.equal((await h.call('clique_discard', [target])).result, null)
    assert.deepEqual((await h.call('clique_proposals')).result, {})
    assert.equal((await h.call('clique_propose', [target])).error.code, -32602)
    const status = (await h.call('clique_status')).result
    assert.equal(status.numBlocks, 1)
    assert.equal(typeof status.inturnPercent, 'number')
    assert.equal(Object.values(status.sealerActivity).reduce((a: number, b) => a + (b as number), 0), 1)
  })
})

describe('namespaces', () => {
  it('serves admin only when enabled, and nothing outside the configured namespaces', async () => {
    const closed = await createHarness()
    const open = await createHarness({ namespaces: ['eth', 'admin'] })
    try {
      assert.equal((await closed.call('admin_peers')).error.code, -32601)
      assert.deepEqual((await open.call('admin_peers')).result, [{ id: 'peer-a' }])
      assert.deepEqual((await open.call('admin_nodeInfo')).result, { id: 'self' })
      assert.equal((await open.call('admin_addPeer', ['/ip4/127.0.0.1/tcp/1/p2p/x'])).result, true)
      assert.equal((await open.call('net_version')).error.code, -32601)
      assert.equal((await open.call('eth_chainId')).error, undefined)
    } finally {
      await closed.app.close()
      await open.app.close()
    }
  })
})

describe('RPC_NAMESPACES', () => {
  it('names exactly the namespaces of the method table, and rpc', async () => {
    const { allMethods } = await import('../src/methods/index.ts')
    const { RPC_NAMESPACES } = await import('../src/namespaces.ts')
    const fromTable = new Set(Object.keys(allMethods).map((name) => name.slice(0, name.indexOf('_'))))
    fromTable.add('rpc')
    assert.deepEqual([...RPC_NAMESPACES].sort(), [...fromTable].sort())
  })
})
