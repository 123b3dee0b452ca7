// A follower that joins after BLOCKS blocks: full sync over blocks-by-range from a real
// sealer process. The sealer is the only signer with period 0 (it seals as soon as anything
// is pending); every transaction asks for nearly the whole block gas limit, so each block
// holds exactly one and the sealer turns a pool of BLOCKS transactions into BLOCKS blocks
// back to back, without a round trip per block. The follower, started afterwards, must reach
// the same head and state root, report its progress in eth_syncing (false once done), and
// serve the same balances and nonces as the sealer.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devGenesis } from '@busan/chain-config'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { devWallets, signTransfer, waitFor, waitForSameHead } from './network-helpers/chain.ts'

const BLOCKS = 1_000
/**
 * Blocks of 16M gas (under Osaka's 2^24 per-transaction cap), and transfers that reserve all
 * but 20,000 of it: after one transfer (21,000 used) less than that is left, so no second fits.
 */
const BLOCK_GAS_LIMIT = 16_000_000n
const GAS_PER_TX = BLOCK_GAS_LIMIT - 20_000n
const RECIPIENTS = Array.from({ length: 25 }, (_, i) => ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x5c0000 + i), 20)))

interface SyncingJson {
  startingBlock: string
  currentBlock: string
  highestBlock: string
}

/** One JSON-RPC batch over HTTP; results in request order, throwing on any error. */
async function batch(node: ClusterNode, calls: { method: string; params: unknown[] }[]): Promise<unknown[]> {
  const body = calls.map((call, id) => ({ jsonrpc: '2.0', id, ...call }))
  const response = await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const replies = (await response.json()) as { id: number; result?: unknown; error?: { message: string } }[]
  return replies.sort((a, b) => a.id - b.id).map((reply) => {
    if (reply.error !== undefined) throw new Error(`${calls[reply.id].method}: ${reply.error.message}`)
    return reply.result
  })
}

describe(`a follower joining after ${BLOCKS} blocks`, { timeout: 180_000 }, () => {
  const cluster = Cluster.create({ name: 'sync', keys: 1, signers: 1, period: 0, base: { ...devGenesis(), gasLimit: `0x${BLOCK_GAS_LIMIT.toString(16)}` } })
  let sealer: ClusterNode
  let follower: ClusterNode
  /** What each recipient should hold: the sum of the transfers sent to it. */
  const expected = new Map<string, bigint>()

  before(async () => {
    ;[sealer, follower] = await cluster.init('sealer', 'follower')
    await sealer.start({ key: cluster.keys[0] })
  }, { timeout: 120_000 })

  after(async () => {
    await cluster.destroy()
  }, { timeout: 60_000 })

  it(`the sealer turns ${BLOCKS} transactions into ${BLOCKS} blocks`, async (t) => {
    const started = performance.now()
    // Round-robin over the ten dev accounts, in nonce order, sent in batches of 100.
    const txs: { raw: string; hash: string }[] = []
    for (let i = 0; i < BLOCKS; i++) {
      const wallet = devWallets[i % devWallets.length]
      const to = RECIPIENTS[i % RECIPIENTS.length]
      const value = 1_000n + BigInt(i)
      expected.set(to, (expected.get(to) ?? 0n) + value)
      txs.push(await signTransfer(wallet, { nonce: Math.floor(i / devWallets.length), to, value, gasLimit: GAS_PER_TX }))
    }
    for (let i = 0; i < txs.length; i += 100) {
      const hashes = await batch(sealer, txs.slice(i, i + 100).map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
      assert.deepEqual(hashes, txs.slice(i, i + 100).map((tx) => tx.hash))
    }
    await waitFor(`block ${BLOCKS} on the sealer`, async () => (await sealer.blockNumber()) >= BLOCKS, { timeoutMs: 120_000, intervalMs: 250 })
    const sealed = performance.now() - started
    assert.equal(await sealer.blockNumber(), BLOCKS, 'one block per transaction, nothing more')
    const status = await sealer.rpc<{ pending: string; queued: string }>('txpool_status')
    assert.deepEqual([Number(status.pending), Number(status.queued)], [0, 0])
    // Spot checks: one transaction in each block.
    for (const number of [1, 2, BLOCKS / 2, BLOCKS]) assert.equal((await sealer.block(number))!.transactions.length, 1, `block ${number}`)
    t.diagnostic(`${BLOCKS} blocks sealed in ${Math.round(sealed)} ms`)
  })

  it('syncs to the same head, reports progress in eth_syncing, and serves the same state', async (t) => {
    const target = await sealer.head()
    assert.equal(target.number, BLOCKS)
    const started = performance.now()
    await follower.start({ bootnodes: [sealer.enode] })

    // Poll eth_syncing while the follower catches up: every answer is false or a consistent
    // progress report; once at the head it is false.
    const reports: SyncingJson[] = []
    for (;;) {
      const [syncing, number] = (await batch(follower, [{ method: 'eth_syncing', params: [] }, { method: 'eth_blockNumber', params: [] }])) as [SyncingJson | false, string]
      if (syncing !== false) {
        const [start, current, highest] = [syncing.startingBlock, syncing.currentBlock, syncing.highestBlock].map(Number)
        assert.ok(start <= current && current <= highest && highest <= BLOCKS, `eth_syncing ${JSON.stringify(syncing)}`)
        reports.push(syncing)
      }
      if (Number(number) === BLOCKS && syncing === false) break
      assert.ok(performance.now() - started < 90_000, `follower at ${Number(number)} after 90 s`)
      await sleep(25)
    }
    const synced = performance.now() - started
    assert.equal(await follower.rpc('eth_syncing'), false)
    const head = await waitForSameHead([sealer, follower], 10_000)
    assert.deepEqual([head.number, head.hash, head.stateRoot], [target.number, target.hash, target.stateRoot])

    // Downloaded by range (it was started after the last block), as the logs say.
    const logs = follower.allLogs()
    const finished = logs.find((entry) => entry.msg === 'sync finished') as { blocks: number; transactions: number } | undefined
    assert.ok(logs.some((entry) => entry.msg === 'sync started'), 'sync started logged')
    assert.ok(finished !== undefined, 'sync finished logged')
    assert.equal(finished.transactions, BLOCKS)
    assert.equal(finished.blocks, BLOCKS)
    if (reports.length > 0) assert.ok(reports.every((report) => Number(report.startingBlock) === 0), 'sync started at genesis')

    // Same balances and nonces at the head and at an older block, on both nodes.
    const addresses = [...RECIPIENTS, ...devWallets.map((wallet) => wallet.address)]
    for (const block of [ethers.toQuantity(BLOCKS), ethers.toQuantity(BLOCKS / 2)]) {
      const query = (node: ClusterNode) => batch(node, addresses.flatMap((address) => [
        { method: 'eth_getBalance', params: [address, block] },
        { method: 'eth_getTransactionCount', params: [address, block] },
      ]))
      const [fromSealer, fromFollower] = await Promise.all([query(sealer), query(follower)])
      assert.deepEqual(fromFollower, fromSealer, `state at ${block}`)
    }
    for (const [address, value] of expected) assert.equal(BigInt(await follower.rpc<string>('eth_getBalance', [address, 'latest'])), value, `balance of ${address}`)
    t.diagnostic(`synced ${BLOCKS} blocks in ${Math.round(synced)} ms; eth_syncing answered progress ${reports.length} times${reports.length > 0 ? `, last ${JSON.stringify(reports.at(-1))}` : ''}`)
  })
})
