// The debug namespace over a real dev node: raw chain data decoded independently (ethers),
// geth's errors for bad input, and the bounds on a trace (time, output size), which must
// fail the trace and never the node.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { ENDLESS_GAS_CAP, INFINITE_LOOP } from '@busan/testkit'
import { deploy } from './helpers/artifacts.ts'
import { mined, rpcError, startE2ENode, type E2ENode } from './helpers/node.ts'

describe('debug namespace: raw data, bad input and trace bounds', { timeout: 180_000 }, () => {
  let e: E2ENode
  let txHash: string
  let blockNumber: string

  before(async () => {
    e = await startE2ENode({ extraArgs: ['--rpc.gascap', ENDLESS_GAS_CAP] })
    const { contract } = await deploy('Emitter', e.wallets[1])
    const receipt = await mined(e, (contract as any).all(7n, ethers.id('tag'), { nonce: 1 }))
    txHash = receipt.hash
    blockNumber = ethers.toQuantity(receipt.blockNumber)
  })

  after(async () => {
    await e?.stop()
  })

  it('debug_getRawHeader and debug_getRawBlock: RLP whose keccak256 is the block hash', async () => {
    const block = await e.rpc('eth_getBlockByNumber', [blockNumber, false])
    const header = await e.rpc<string>('debug_getRawHeader', [blockNumber])
    assert.equal(ethers.keccak256(header), block.hash)
    const fields = ethers.decodeRlp(header) as string[]
    assert.equal(fields[0], block.parentHash)
    assert.equal(BigInt(fields[8]), BigInt(block.number))
    const raw = await e.rpc<string>('debug_getRawBlock', [{ blockHash: block.hash }])
    const [rawHeader, transactions] = ethers.decodeRlp(raw) as [string[], string[]]
    assert.equal(ethers.keccak256(ethers.encodeRlp(rawHeader)), block.hash)
    assert.equal(transactions.length, block.transactions.length)
    assert.equal(await e.rpc('debug_getRawHeader', ['0x99999']), null)
    assert.equal(await e.rpc('debug_getRawBlock', [ethers.ZeroHash]), null)
  })

  it('debug_getRawTransaction: the signed envelope, null for an unknown hash', async () => {
    const raw = await e.rpc<string>('debug_getRawTransaction', [txHash])
    assert.equal(ethers.Transaction.from(raw).hash, txHash)
    assert.equal(await e.rpc('debug_getRawTransaction', [ethers.ZeroHash]), null)
  })

  it('debug_getRawReceipts: EIP-2718 receipts that decode to what eth_getTransactionReceipt says', async () => {
    const [raw] = await e.rpc<string[]>('debug_getRawReceipts', [blockNumber])
    const receipt = await e.rpc('eth_getTransactionReceipt', [txHash])
    const bytes = ethers.getBytes(raw)
    assert.equal(bytes[0], Number(receipt.type))
    const [status, cumulativeGasUsed, bloom, logs] = ethers.decodeRlp(bytes.subarray(1)) as [string, string, string, string[][]]
    assert.equal(BigInt(status === '0x' ? 0 : status), BigInt(receipt.status))
    assert.equal(BigInt(cumulativeGasUsed), BigInt(receipt.cumulativeGasUsed))
    assert.equal(bloom, receipt.logsBloom)
    assert.deepEqual(
      logs.map(([address, topics, data]) => ({ address, topics, data })),
      receipt.logs.map((log: any) => ({ address: log.address, topics: log.topics, data: log.data })),
    )
  })

  it("answers geth's errors for what cannot be traced", async () => {
    const expect = async (method: string, params: unknown[], code: number, message: string | RegExp) => {
      const error = await rpcError(() => e.rpc(method, params))
      assert.equal(error.code, code, `${method} code`)
      if (typeof message === 'string') assert.equal(error.message, message)
      else assert.match(error.message, message)
    }
    await expect('debug_traceTransaction', [ethers.ZeroHash], -32000, 'transaction not found')
    await expect('debug_traceBlockByNumber', ['0x99999', {}], -32000, 'block #629145 not found')
    await expect('debug_traceBlockByHash', [ethers.ZeroHash], -32000, `block ${ethers.ZeroHash} not found`)
    await expect('debug_traceBlockByNumber', ['0x0'], -32000, 'genesis is not traceable')
    await expect('debug_traceBlock', ['0xc0ffee'], -32000, /^could not decode block/)
    await expect('debug_traceTransaction', [txHash, { timeout: 'abc' }], -32000, 'time: invalid duration "abc"')
    await expect('debug_traceTransaction', [txHash, { tracer: '{step: function() {}}' }], -32000, /^tracer not found/)
    await expect('debug_traceTransaction', [txHash, { limit: 'x' }], -32602, /cannot unmarshal string into Go struct field TraceConfig.limit of type int/)
    await expect('debug_traceTransaction', [txHash, { tracer: 'prestateTracer', tracerConfig: { diffMode: true, includeEmpty: true } }], -32000, 'cannot use diffMode with includeEmpty')
    await expect('debug_traceCall', [{ to: ethers.ZeroAddress }, 'pending'], -32000, 'tracing on top of pending is not supported')
    await expect('debug_traceTransaction', ['0x1234'], -32602, /hex string has length 4, want 64/)
    const poor = ethers.Wallet.createRandom().address
    await expect('debug_traceCall', [{ from: poor, to: ethers.ZeroAddress, value: '0x1' }, 'latest'], -32000, /^tracing failed: insufficient funds for gas \* price \+ value: address 0x[0-9a-fA-F]{40} have 0 want 1$/)
  })

  it("geth's byte `limit` cuts the struct logs short", async () => {
    const full = await e.rpc('debug_traceTransaction', [txHash, {}])
    const limited = await e.rpc('debug_traceTransaction', [txHash, { limit: 1000 }])
    assert.ok(full.structLogs.length > limited.structLogs.length)
    assert.ok(limited.structLogs.length > 0)
    // Entries stop once their JSON passes the limit: at most one entry beyond it.
    const sizes = limited.structLogs.map((step: unknown) => JSON.stringify(step).length)
    assert.ok(sizes.slice(0, -1).reduce((a: number, b: number) => a + b, 0) <= 1000)
    assert.deepEqual(limited.structLogs, full.structLogs.slice(0, limited.structLogs.length))
  })

  it('a trace past its timeout or its output bound fails alone; the node keeps sealing', async () => {
    const loop = { from: e.wallets[2].address, data: INFINITE_LOOP, gas: ethers.toQuantity(BigInt(ENDLESS_GAS_CAP)) }
    const timedOut = await rpcError(() => e.rpc('debug_traceCall', [loop, 'latest', { tracer: 'callTracer', timeout: '300ms' }]))
    assert.equal(timedOut.code, -32000)
    assert.equal(timedOut.message, 'execution timeout')
    const tooLarge = await rpcError(() => e.rpc('debug_traceCall', [loop, 'latest', { timeout: '60s' }]))
    assert.equal(tooLarge.code, -32000)
    assert.match(tooLarge.message, /^trace output exceeds 67108864 bytes/)
    const before = await e.provider.getBlockNumber()
    await mined(e, e.wallets[3].sendTransaction({ to: e.wallets[4].address, value: 1n }))
    assert.ok((await e.provider.getBlockNumber()) > before)
  })
})

describe('traces of hostile code stay bounded (the break-test campaign)', { timeout: 120_000 }, () => {
  let e: E2ENode

  before(async () => {
    e = await startE2ENode({ extraArgs: ['--rpc.gascap', ENDLESS_GAS_CAP] })
    await mined(e, e.wallets[1].sendTransaction({ to: e.wallets[2].address, value: 1n }))
  })

  after(async () => {
    await e?.stop()
  })

  it('a LOG or CREATE2 over memory no gas can buy fails the call, not the tracer', async () => {
    const from = e.wallets[1].address
    // log0(0, 0xffffffffffff) and create2(0, 0, 0xffffffffffff, 1), run as init code.
    const log = await e.rpc('debug_traceCall', [{ from, data: '0x65ffffffffffff6000a0', gas: '0xf4240' }, 'latest', { tracer: 'callTracer', tracerConfig: { withLog: true } }])
    assert.equal(typeof log.error, 'string')
    assert.equal(log.logs, undefined)
    const create2 = await e.rpc('debug_traceCall', [{ from, data: '0x600165ffffffffffff60006000f5', gas: '0xf4240' }, 'latest', { tracer: 'prestateTracer' }])
    assert.ok(create2[from.toLowerCase()] !== undefined, 'the sender is in the prestate')
  })

  it('a timeout longer than a timer can hold still traces; `pending` has nothing to trace', async () => {
    const head = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const trace = await e.rpc('debug_traceTransaction', [head.transactions[0], { tracer: 'callTracer', timeout: '600h' }])
    assert.equal(trace.type, 'CALL')
    assert.deepEqual(await e.rpc('debug_traceBlockByNumber', ['pending', { tracer: 'callTracer' }]), [])
  })

  it('a block whose state refuses a transaction answers "tracing failed", as geth', async () => {
    const raw = await e.rpc<string>('debug_getRawBlock', ['latest'])
    const [header, [tx], ...rest] = ethers.decodeRlp(raw) as [string[], string[], ...unknown[]]
    // Another signature over the same transaction: a different, unfunded sender.
    const parsed = ethers.Transaction.from(tx)
    const forged = ethers.Transaction.from({ ...parsed.toJSON(), signature: undefined }) as ethers.Transaction
    forged.signature = ethers.Signature.from({ r: parsed.signature!.r, s: ethers.toBeHex(BigInt(parsed.signature!.s) - 1n, 32), yParity: parsed.signature!.yParity })
    const block = ethers.encodeRlp([header, [forged.serialized], ...(rest as string[][])])
    const error = await rpcError(() => e.rpc('debug_traceBlock', [block, { tracer: 'callTracer' }]))
    assert.equal(error.code, -32000)
    assert.match(error.message, /^tracing failed: insufficient funds for gas \* price \+ value: address 0x[0-9a-fA-F]{40} have 0 want \d+$/)
  })

  it('traces never take the last worker thread: eth_call answers while traces queue', async () => {
    const loop = { from: e.wallets[2].address, data: INFINITE_LOOP, gas: ethers.toQuantity(BigInt(ENDLESS_GAS_CAP)) }
    let settled = 0
    const traces = [0, 1, 2].map(() =>
      e
        .rpc('debug_traceCall', [loop, 'latest', { tracer: 'callTracer', timeout: '2s' }])
        .catch((error: Error) => error)
        .finally(() => settled++),
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(await e.rpc('eth_call', [{ to: e.wallets[3].address }, 'latest']), '0x')
    assert.equal(settled, 0, 'eth_call answered while every trace was still running or queued')
    const outcomes = await Promise.all(traces)
    assert.ok(outcomes.every((outcome) => outcome instanceof Error && outcome.message === 'execution timeout'))
  })
})

describe('debug, ots and erigon namespaces are opt-in outside dev mode', { timeout: 60_000 }, () => {
  it('are not served when --http.api leaves them out', async () => {
    const e = await startE2ENode({ extraArgs: ['--http.api', 'eth,net'] })
    try {
      for (const [method, params] of [['debug_traceBlockByNumber', ['0x1']], ['ots_getApiLevel', []], ['erigon_getHeaderByNumber', [1]]] as const) {
        const error = await rpcError(() => e.rpc(method, [...params]))
        assert.equal(error.code, -32601, method)
      }
    } finally {
      await e.stop()
    }
  })
})
