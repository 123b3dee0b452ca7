// Otterscan's ots_ API over a real dev node, checked against anvil (which implements it too):
// the same signed transactions on both chains, so hashes and contract addresses match and the
// answers must too, except where anvil departs from Erigon's (noted where normalised).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { startAnvil, type Anvil } from './helpers/anvil.ts'
import { CHAIN_ID, startE2ENode, type E2ENode } from './helpers/node.ts'
import { GAS_PRICE, receiptOf, sendPlan, sender, treeAddress, type Rpc, type Sent } from './helpers/twin.ts'

const leafAddress = ethers.getCreateAddress({ from: treeAddress, nonce: 1 })
const payer = new ethers.Wallet(devAccounts()[3].privateKey)

/** Three transfers from `payer` in one block on each chain: a block to page through. */
async function threeInOneBlock(rpc: Rpc, mine: () => Promise<void>): Promise<string[]> {
  const raws = await Promise.all([0, 1, 2].map((nonce) => payer.signTransaction({ type: 0, chainId: CHAIN_ID, nonce, gasPrice: GAS_PRICE, gasLimit: 21_000n, to: sender.address, value: BigInt(nonce + 1) })))
  const hashes = await Promise.all(raws.map((raw) => rpc<string>('eth_sendRawTransaction', [raw])))
  await mine()
  for (const hash of hashes) await receiptOf(rpc, hash)
  return hashes
}

describe('ots_ API matches a second implementation (anvil)', { timeout: 240_000 }, () => {
  let ours: E2ENode
  let anvil: Anvil
  let oursSent: Record<string, Sent>
  let anvilSent: Record<string, Sent>
  let pagedBlock: { ours: string; anvil: string }

  before(async () => {
    // Our dev node seals once a second so the three transfers share a block.
    ;[ours, anvil] = await Promise.all([startE2ENode({ period: 1 }), startAnvil()])
    ;[oursSent, anvilSent] = await Promise.all([sendPlan(ours.rpc), sendPlan(anvil.rpc)])
    await anvil.rpc('evm_setAutomine', [false])
    const [oursHashes, anvilHashes] = await Promise.all([threeInOneBlock(ours.rpc, async () => {}), threeInOneBlock(anvil.rpc, () => anvil.rpc('evm_mine', []))])
    assert.deepEqual(oursHashes, anvilHashes, 'the same signed transactions')
    const oursBlocks = await Promise.all(oursHashes.map((hash) => receiptOf(ours.rpc, hash)))
    assert.ok(oursBlocks.every((r) => r.blockNumber === oursBlocks[0].blockNumber), 'the three transfers share one block on our chain')
    pagedBlock = { ours: oursBlocks[0].blockNumber, anvil: (await receiptOf(anvil.rpc, anvilHashes[0])).blockNumber }
  })

  after(async () => {
    await Promise.all([ours?.stop(), anvil?.stop()])
  })

  const both = <T = any>(method: string, params: unknown[]) => Promise.all([ours.rpc<T>(method, params), anvil.rpc<T>(method, params)])

  it('ots_getApiLevel, ots_hasCode, ots_getTransactionError', async () => {
    assert.deepEqual(await both('ots_getApiLevel', []), [8, 8])
    for (const who of [treeAddress, leafAddress, sender.address]) {
      const [mine, theirs] = await both('ots_hasCode', [who, 'latest'])
      assert.equal(mine, theirs, who)
    }
    for (const name of ['run', 'explode', 'invalid']) {
      const [mine, theirs] = await both('ots_getTransactionError', [oursSent[name].hash])
      assert.equal(mine, theirs, name)
    }
  })

  it('ots_traceTransaction: every frame, flat, with depth and output', async () => {
    // anvil leaves creations and self-destructs out of this list; Erigon lists every frame.
    const isCreate = (entry: any) => entry.type === 'CREATE' || entry.type === 'CREATE2'
    for (const name of ['run', 'explode', 'kill']) {
      const [mine, theirs] = await both('ots_traceTransaction', [oursSent[name].hash])
      assert.deepEqual(mine.filter((entry: any) => !isCreate(entry) && entry.type !== 'SELFDESTRUCT'), theirs, name)
    }
    const kill = await ours.rpc('ots_traceTransaction', [oursSent.kill.hash])
    assert.deepEqual(kill.at(-1), { type: 'SELFDESTRUCT', depth: 2, from: leafAddress.toLowerCase(), to: sender.address.toLowerCase(), value: '0x3', input: '0x', output: '0x' })
    const run = await ours.rpc('ots_traceTransaction', [oursSent.run.hash])
    const create2 = ethers.getCreate2Address(treeAddress, ethers.zeroPadValue('0x01', 32), ethers.keccak256(await artifactBytecode()))
    assert.deepEqual(
      run.filter(isCreate).map((entry: any) => [entry.type, entry.depth, entry.from, entry.to]),
      [
        ['CREATE2', 1, treeAddress.toLowerCase(), create2.toLowerCase()],
        // The tree's nonce: 1 at deployment, 2 after creating its leaf, 3 after the CREATE2.
        ['CREATE', 1, treeAddress.toLowerCase(), ethers.getCreateAddress({ from: treeAddress, nonce: 3 }).toLowerCase()],
      ],
    )
    // anvil answers [] for a creating transaction; Erigon lists its frames like any other's.
    const deploy = await ours.rpc('ots_traceTransaction', [oursSent.deploy.hash])
    assert.deepEqual(
      deploy.map((entry: any) => [entry.type, entry.depth, entry.from, entry.to, entry.value]),
      [
        ['CREATE', 0, sender.address.toLowerCase(), treeAddress.toLowerCase(), '0x5'],
        ['CREATE', 1, treeAddress.toLowerCase(), leafAddress.toLowerCase(), '0x0'],
      ],
    )
  })

  it('ots_getInternalOperations: inner transfers, creations and self-destructs', async () => {
    for (const name of ['run', 'kill']) {
      const [mine, theirs] = await both('ots_getInternalOperations', [oursSent[name].hash])
      // anvil also lists the transaction's own transfer; Erigon's tracer (and Otterscan's
      // "internal" view) takes only what happens inside it.
      const inner = theirs.filter((op: any) => !(op.type === 0 && op.from === sender.address.toLowerCase()))
      assert.deepEqual(mine, inner, name)
    }
    const run = await ours.rpc('ots_getInternalOperations', [oursSent.run.hash])
    assert.ok(run.some((op: any) => op.type === 3) && run.some((op: any) => op.type === 2), 'a CREATE2 and a CREATE')
    // The leaf held the 3 wei `run` sent it, and hands them to the caller of killLeaf().
    const kill = await ours.rpc('ots_getInternalOperations', [oursSent.kill.hash])
    assert.deepEqual(kill, [{ type: 1, from: leafAddress.toLowerCase(), to: sender.address.toLowerCase(), value: '0x3' }])
  })

  it('ots_getTransactionBySenderAndNonce and ots_getContractCreator from the address index', async () => {
    for (const nonce of [0, 1, 2, 3, 9]) {
      const [mine, theirs] = await both('ots_getTransactionBySenderAndNonce', [sender.address, nonce])
      assert.equal(mine, theirs, `nonce ${nonce}`)
    }
    const created = ethers.getCreate2Address(treeAddress, ethers.zeroPadValue('0x01', 32), ethers.keccak256(await artifactBytecode()))
    for (const who of [treeAddress, leafAddress, created, sender.address]) {
      const [mine, theirs] = await both('ots_getContractCreator', [who])
      assert.deepEqual(mine, theirs, who)
    }
  })

  it('ots_searchTransactionsBefore/After page through an address history, newest first', async () => {
    for (const who of [sender.address, treeAddress, leafAddress]) {
      for (const pageSize of [1, 2, 25]) {
        for (const method of ['ots_searchTransactionsBefore', 'ots_searchTransactionsAfter']) {
          const [mine, theirs] = await both(method, [who, 0, pageSize])
          const summary = (page: any) => ({ hashes: page.txs.map((tx: any) => tx.hash), receipts: page.receipts.map((r: any) => [r.transactionHash, r.status]), firstPage: page.firstPage, lastPage: page.lastPage })
          // Newest first throughout, as Erigon reverses the whole page; anvil's "after" pages keep
          // a block's own transactions in ascending order.
          const newestFirst = (page: any) => {
            const order = page.txs.map((tx: any, i: number) => [BigInt(tx.blockNumber), BigInt(tx.transactionIndex), i]).sort((a: bigint[], b: bigint[]) => (a[0] === b[0] ? Number(b[1] - a[1]) : Number(b[0] - a[0])))
            return { ...page, txs: order.map((o: number[]) => page.txs[o[2]]), receipts: order.map((o: number[]) => page.receipts[o[2]]) }
          }
          assert.deepEqual(summary(mine), summary(newestFirst(theirs)), `${method} ${who} ${pageSize}`)
          assert.ok(mine.receipts.every((r: any) => /^0x[0-9a-f]+$/.test(r.timestamp)), 'receipts carry the block timestamp')
        }
      }
    }
  })

  it('ots_getBlockDetails and ots_getBlockTransactions: counts, fees and pages', async () => {
    const [mine, theirs] = await Promise.all([ours.rpc('ots_getBlockDetails', [Number(pagedBlock.ours)]), anvil.rpc('ots_getBlockDetails', [Number(pagedBlock.anvil)])])
    assert.equal(mine.block.transactionCount, 3)
    assert.equal(mine.block.transactionCount, theirs.block.transactionCount)
    assert.deepEqual(mine.issuance, theirs.issuance)
    assert.equal(mine.totalFees, theirs.totalFees)
    assert.equal(mine.block.logsBloom, null)
    assert.equal(mine.block.transactions, undefined)
    assert.deepEqual(await ours.rpc('ots_getBlockDetailsByHash', [mine.block.hash]), mine)
    for (const [page, size] of [[0, 2], [1, 2], [0, 25]]) {
      const [minePage, theirPage] = await Promise.all([
        ours.rpc('ots_getBlockTransactions', [Number(pagedBlock.ours), page, size]),
        anvil.rpc('ots_getBlockTransactions', [Number(pagedBlock.anvil), page, size]),
      ])
      assert.deepEqual(minePage.fullblock.transactions.map((tx: any) => tx.hash), theirPage.fullblock.transactions.map((tx: any) => tx.hash), `page ${page} of ${size}`)
      assert.deepEqual(minePage.receipts.map((r: any) => r.transactionHash), theirPage.receipts.map((r: any) => r.transactionHash))
    }
  })

  it('erigon_getHeaderByNumber: the header fields eth_getBlockByNumber shows', async () => {
    const header = await ours.rpc('erigon_getHeaderByNumber', [Number(oursSent.run.blockNumber)])
    const block = await ours.rpc('eth_getBlockByNumber', [oursSent.run.blockNumber, false])
    for (const [key, value] of Object.entries(header)) assert.deepEqual(value, block[key], key)
    assert.equal(await ours.rpc('erigon_getHeaderByNumber', [999_999]), null)
  })
})

async function artifactBytecode(): Promise<string> {
  const { artifact } = await import('./helpers/artifacts.ts')
  return artifact('CallLeaf', 'CallTree').bytecode
}
