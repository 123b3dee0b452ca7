// Restart persistence: a node stopped gracefully and started again on the same data
// directory serves the same chain (head, blocks, state, receipts, logs, lookups, Clique
// snapshot), does not write the genesis again, and seals on from its head. A second node on
// a data directory in use is refused.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevNode, type DevNode } from '@busan/testkit'
import {
  LOGGER_INIT,
  LOGGER_RUNTIME,
  LOG_TOPIC,
  Rpc,
  devSigners,
  nonceOf,
  sign1559,
  signLegacy,
  waitForReceipts,
  word,
  type BlockJson,
  type Receipt,
} from './fixtures-pool/rpc.ts'

interface ChainView {
  blockNumber: string
  head: BlockJson
  blocks: BlockJson[]
  balances: string[]
  nonces: string[]
  receipts: Receipt[]
  blockReceipts: unknown[]
  transactions: unknown[]
  logs: unknown[]
  code: string
  storage: string
  snapshot: unknown
}

/** Everything a client could ask about the chain so far, to compare across the restart. */
async function viewChain(rpc: Rpc, hashes: string[], addresses: string[], contract: string): Promise<ChainView> {
  const blockNumber = await rpc.call<string>('eth_blockNumber')
  const head = await rpc.call<BlockJson>('eth_getBlockByNumber', [blockNumber, true])
  const numbers = Array.from({ length: Number(blockNumber) + 1 }, (_, i) => `0x${i.toString(16)}`)
  const call = async <T>(method: string, paramsList: unknown[][]): Promise<T[]> => {
    const replies = await rpc.batch<T>(paramsList.map((params) => ({ method, params })))
    return replies.map((reply, i) => {
      assert.equal(reply.error, undefined, `${method}(${JSON.stringify(paramsList[i])}): ${JSON.stringify(reply.error)}`)
      return reply.result as T
    })
  }
  return {
    blockNumber,
    head,
    blocks: await call<BlockJson>('eth_getBlockByNumber', numbers.map((n) => [n, true])),
    balances: await call<string>('eth_getBalance', addresses.map((address) => [address, blockNumber])),
    nonces: await call<string>('eth_getTransactionCount', addresses.map((address) => [address, 'latest'])),
    receipts: await call<Receipt>('eth_getTransactionReceipt', hashes.map((hash) => [hash])),
    blockReceipts: await call<unknown>('eth_getBlockReceipts', numbers.map((n) => [n])),
    transactions: await call<unknown>('eth_getTransactionByHash', hashes.map((hash) => [hash])),
    logs: await rpc.call<unknown[]>('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }]),
    code: await rpc.call<string>('eth_getCode', [contract, 'latest']),
    storage: await rpc.call<string>('eth_getStorageAt', [contract, '0x0', 'latest']),
    snapshot: await rpc.call<unknown>('clique_getSnapshot', ['latest']),
  }
}

describe('restart on the same data directory', () => {
  let node: DevNode
  let rpc: Rpc
  let dataDir: string
  let genesisHash: string
  let contract: string
  let before_: ChainView
  const hashes: string[] = []
  const [, deployer, alice, bob, carol] = devSigners
  const recipients = ['0x00000000000000000000000000000000000a11ce', '0x0000000000000000000000000000000000000b0b']
  const addresses = [deployer.address, alice.address, bob.address, carol.address, devSigners[0].address, ...recipients]

  before(async () => {
    node = await startDevNode({ period: 0 })
    rpc = new Rpc(node.rpcUrl)
    dataDir = node.dataDir
  })

  after(async () => {
    await node?.stop()
    if (dataDir !== undefined) node?.cleanup()
  })

  it('builds some history: transfers, a contract with storage and logs', async () => {
    assert.ok(node.logs.some((entry) => entry.msg === 'wrote genesis'), 'a fresh data directory gets the genesis')
    genesisHash = (await rpc.call<BlockJson>('eth_getBlockByNumber', ['0x0', false])).hash

    const deploy = sign1559(deployer, { nonce: 0n, data: LOGGER_INIT, gasLimit: 200_000n })
    hashes.push(await rpc.call<string>('eth_sendRawTransaction', [deploy.raw]))
    const [deployed] = await waitForReceipts(rpc, [deploy.hash])
    assert.equal(deployed.status, '0x1')
    contract = deployed.contractAddress as string

    // Several blocks, several senders, both transaction types, logs in more than one block.
    for (let round = 1n; round <= 3n; round++) {
      const batch = [
        sign1559(deployer, { nonce: round, to: contract, data: word(round * 1000n), gasLimit: 100_000n }),
        sign1559(alice, { nonce: round - 1n, to: recipients[0], value: round * 10n ** 15n }),
        signLegacy(bob, { nonce: round - 1n, to: recipients[1], value: round }),
        sign1559(carol, { nonce: round - 1n, to: alice.address, value: 7n }),
      ]
      const replies = await rpc.batch<string>(batch.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
      replies.forEach((reply, i) => assert.equal(reply.result, batch[i].hash, JSON.stringify(reply.error)))
      hashes.push(...batch.map((tx) => tx.hash))
      for (const receipt of await waitForReceipts(rpc, batch.map((tx) => tx.hash))) assert.equal(receipt.status, '0x1')
    }
    // Gives the pool a transaction that is still waiting at shutdown (a nonce gap).
    const waiting = sign1559(carol, { nonce: 10n, to: alice.address, value: 1n })
    assert.equal((await rpc.sendRaw(waiting.raw)).result, waiting.hash)

    before_ = await viewChain(rpc, hashes, addresses, contract)
    assert.ok(Number(before_.blockNumber) >= 4, `only ${Number(before_.blockNumber)} blocks`)
    assert.equal(before_.code, LOGGER_RUNTIME)
    assert.equal(before_.storage, word(3000n))
    assert.equal(before_.logs.length, 3)
  })

  it('refuses a second node on the data directory in use', async () => {
    await assert.rejects(startDevNode({ period: 0, dataDir }), (error: Error) => {
      assert.match(error.message, /node exited with [1-9]\d* before listening/)
      assert.match(error.message, /is in use by another process/)
      return true
    })
    // The running node was not disturbed.
    assert.equal(await rpc.call<string>('eth_blockNumber'), before_.blockNumber)
  })

  it('stops gracefully', async () => {
    const code = await node.stop()
    assert.equal(code, 0)
    assert.ok(node.logs.some((entry) => entry.msg === 'stopped'))
  })

  it('serves the same chain after the restart', async () => {
    node = await startDevNode({ period: 0, dataDir })
    rpc = new Rpc(node.rpcUrl)
    assert.ok(!node.logs.some((entry) => entry.msg === 'wrote genesis'), 'genesis written again')
    const headLog = node.logs.find((entry) => entry.msg === 'chain head')
    assert.equal(headLog?.number, Number(before_.blockNumber))
    assert.equal(headLog?.hash, before_.head.hash)

    const after_ = await viewChain(rpc, hashes, addresses, contract)
    assert.equal(after_.blockNumber, before_.blockNumber)
    assert.equal(after_.head.hash, before_.head.hash)
    assert.equal(after_.head.stateRoot, before_.head.stateRoot)
    assert.deepEqual(after_, before_)
    assert.equal(after_.blocks[0].hash, genesisHash)
    assert.equal((await rpc.call<BlockJson>('eth_getBlockByNumber', ['earliest', false])).hash, genesisHash)
    for (const log of after_.logs as { topics: string[] }[]) assert.deepEqual(log.topics, [LOG_TOPIC])
    const logsAt = await rpc.call<unknown[]>('eth_getLogs', [{ blockHash: after_.receipts[1].blockHash }])
    assert.equal(logsAt.length, 1)
  })

  it('seals on from the stored head', async () => {
    const head = before_.head
    assert.equal(await nonceOf(rpc, deployer.address), 4n)
    const next = sign1559(deployer, { nonce: 4n, to: contract, data: word(4242n), gasLimit: 100_000n })
    const transfer = sign1559(alice, { nonce: await nonceOf(rpc, alice.address), to: recipients[0], value: 1n })
    assert.equal((await rpc.sendRaw(next.raw)).result, next.hash)
    assert.equal((await rpc.sendRaw(transfer.raw)).result, transfer.hash)
    const receipts = await waitForReceipts(rpc, [next.hash, transfer.hash])
    const first = receipts.reduce((a, b) => (BigInt(a.blockNumber) <= BigInt(b.blockNumber) ? a : b))
    assert.equal(BigInt(first.blockNumber), BigInt(head.number) + 1n)
    const child = await rpc.call<BlockJson>('eth_getBlockByNumber', [first.blockNumber, false])
    assert.equal(child.parentHash, head.hash)
    assert.equal(await rpc.call<string>('eth_getStorageAt', [contract, '0x0', 'latest']), word(4242n))
    const logs = await rpc.call<unknown[]>('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', address: contract }])
    assert.equal(logs.length, 4)
    const balance = BigInt(await rpc.call<string>('eth_getBalance', [recipients[0], 'latest']))
    assert.equal(balance, BigInt(before_.balances[addresses.indexOf(recipients[0])]) + 1n)
  })
})
