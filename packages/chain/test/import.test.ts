// Blocks sealed by one chain are verified (all four phases) and re-executed by another,
// each over its own RocksDB directory: the import path followers will use.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Block, createBlockHeader } from '@ethereumjs/block'
import { createFeeMarket1559Tx, type TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { pino } from 'pino'
import { createChainCommon, devAccounts, devGenesis } from '@busan/chain-config'
import { KeyValueStore } from '@busan/db'
import { Chain, CliqueEngine, preferred, type TransactionSource } from '../src/index.ts'

const genesis = devGenesis({ period: 0 })
const common = createChainCommon(genesis)
const accounts = devAccounts()
const sealerKey = hexToBytes(accounts[0].privateKey as `0x${string}`)
const sealer = hexToBytes(accounts[0].address as `0x${string}`)
const logger = pino({ level: 'silent' })
const dirs: string[] = []
const stores: KeyValueStore[] = []

async function openChain(): Promise<{ chain: Chain; engine: CliqueEngine }> {
  const dir = mkdtempSync(join(tmpdir(), 'busan-chain-'))
  dirs.push(dir)
  const kv = await KeyValueStore.open(dir)
  stores.push(kv)
  const engine = new CliqueEngine(kv, genesis.config.clique!)
  return { chain: await Chain.open({ kv, common, genesis, engine, logger, metrics: null }), engine }
}

function source(txs: TypedTransaction[]): TransactionSource {
  let i = 0
  return { next: () => (i < txs.length ? { tx: txs[i], sender: txs[i++].getSenderAddress().bytes } : undefined), skipSender: () => {} }
}

function transfers(count: number, nonceBase: number): TypedTransaction[] {
  const key = hexToBytes(accounts[1].privateKey as `0x${string}`)
  return Array.from({ length: count }, (_, i) =>
    createFeeMarket1559Tx(
      { chainId: 31337n, nonce: nonceBase + i, to: accounts[2].address as `0x${string}`, value: 1000n + BigInt(i), gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n },
      { common },
    ).sign(key),
  )
}

async function seal(chain: Chain, engine: CliqueEngine, txs: TypedTransaction[]): Promise<Block> {
  const parent = chain.head
  const plan = await engine.plan(parent.header, sealer, Date.now())
  assert.ok(!('refused' in plan))
  const sealed = await chain.produceBlock({ parent, plan, signer: sealer, privateKey: sealerKey, producer: engine, source: source(txs), requireTransactions: false })
  assert.ok(sealed !== undefined)
  return sealed.block
}

let producer: Awaited<ReturnType<typeof openChain>>
let follower: Awaited<ReturnType<typeof openChain>>
const produced: Block[] = []

before(async () => {
  producer = await openChain()
  follower = await openChain()
  produced.push(await seal(producer.chain, producer.engine, transfers(50, 0)))
  produced.push(await seal(producer.chain, producer.engine, transfers(30, 50)))
})

after(async () => {
  for (const kv of stores) await kv.close()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

test('sealed blocks carry a Clique seal by the sealer and fees go to it', () => {
  for (const block of produced) {
    assert.equal(bytesToHex(producer.engine.author(block.header)), accounts[0].address.toLowerCase())
    assert.equal(block.header.difficulty, 2n)
  }
  assert.equal(produced[0].transactions.length, 50)
})

test('a follower verifies and re-executes every block to the same state root', async () => {
  for (const block of produced) assert.equal(await follower.chain.importBlock(block), 'canonical')
  assert.equal(await follower.chain.importBlock(produced[0]), 'known')
  assert.equal(bytesToHex(follower.chain.head.hash()), bytesToHex(producer.chain.head.hash()))
  assert.equal(follower.chain.store.receipts(produced[1].hash())?.length, 30)
})

/** The block with `changes` applied to its header, sealed again by `key` (a valid seal). */
function resealed(block: Block, changes: Record<string, unknown>, key: Uint8Array): Block {
  const extraData = block.header.extraData.subarray(0, block.header.extraData.length - 65)
  const unsealed = createBlockHeader({ ...block.header.toJSON(), ...changes, extraData }, { common, params: {} })
  return new Block(producer.engine.seal(unsealed, key), block.transactions, [], [], { common, params: {} })
}

test('a block with a wrong state root is refused and the head stays', async () => {
  const extra = await seal(producer.chain, producer.engine, transfers(5, 80))
  const bad = resealed(extra, { stateRoot: new Uint8Array(32).fill(7) }, sealerKey)
  await assert.rejects(follower.chain.importBlock(bad), /invalid state root/)
  assert.equal(bytesToHex(follower.chain.head.hash()), bytesToHex(produced[1].hash()))
  // The genuine block still imports afterwards: nothing half-written was left behind.
  await follower.chain.importBlock(extra)
  assert.equal(follower.chain.head.header.number, 3n)
})

test('a block sealed by a key outside the signer set is refused', async () => {
  const next = await seal(producer.chain, producer.engine, [])
  const forged = resealed(next, {}, hexToBytes(accounts[5].privateKey as `0x${string}`))
  await assert.rejects(follower.chain.importBlock(forged), /unauthorized signer/)
  await follower.chain.importBlock(next)
  assert.equal(follower.chain.head.header.number, next.header.number)
})

test('a block with a wrong transactions root or base fee is refused', async () => {
  const next = await seal(producer.chain, producer.engine, transfers(2, 85))
  await assert.rejects(follower.chain.importBlock(resealed(next, { transactionsTrie: new Uint8Array(32) }, sealerKey)), /invalid transactions root/)
  await assert.rejects(follower.chain.importBlock(resealed(next, { baseFeePerGas: 7n }, sealerKey)), /invalid base fee/)
  await assert.rejects(follower.chain.importBlock(resealed(next, { difficulty: 1n }, sealerKey)), /wrong difficulty/)
  assert.equal(await follower.chain.importBlock(next), 'canonical')
})

test('a heavier side branch reorganises the chain in one step and swaps the canonical indexes', async () => {
  const forker = await openChain()
  for (let n = 1n; n <= producer.chain.head.header.number; n++) await forker.chain.importBlock(producer.chain.store.blockByNumber(n)!)
  const forkPoint = forker.chain.head.header.number
  const mainTip = await seal(producer.chain, producer.engine, transfers(3, 87))
  assert.equal(await follower.chain.importBlock(mainTip), 'canonical')
  // The address index has mainTip's transfers: the sender's history and its nonce lookup.
  const [firstTransfer] = mainTip.transactions
  const transferSender = firstTransfer.getSenderAddress().bytes
  const historyAt = async (number: bigint) => (await follower.chain.store.addressHistory(transferSender, 'before', number + 1n, 1000)).positions.filter((p) => p.number === number).length
  assert.equal(await historyAt(forkPoint + 1n), mainTip.transactions.length)
  assert.equal(bytesToHex(follower.chain.store.transactionBySenderAndNonce(transferSender, firstTransfer.nonce)!), bytesToHex(firstTransfer.hash()))

  // The same signer seals two blocks on another branch from the fork point, without mainTip's transfers.
  const other = [await seal(forker.chain, forker.engine, []), await seal(forker.chain, forker.engine, [])]
  const changes: { added: bigint[]; removed: bigint[] }[] = []
  follower.chain.on('head', (change) => changes.push({ added: change.added.map((b) => b.block.header.number), removed: change.removed.map((b) => b.block.header.number) }))
  // Equal total difficulty: the lower hash wins (the same decision on every node).
  const lowerHash = Buffer.compare(other[0].hash(), mainTip.hash()) < 0
  assert.equal(await follower.chain.importBlock(other[0]), lowerHash ? 'canonical' : 'side')
  assert.equal(bytesToHex(follower.chain.head.hash()), bytesToHex((lowerHash ? other[0] : mainTip).hash()))
  assert.equal(await follower.chain.importBlock(other[1]), 'canonical')

  assert.equal(bytesToHex(follower.chain.head.hash()), bytesToHex(other[1].hash()))
  assert.equal(bytesToHex(follower.chain.store.canonicalHash(forkPoint + 1n)!), bytesToHex(other[0].hash()))
  assert.deepEqual(
    changes.flatMap((change) => change.removed),
    [forkPoint + 1n],
    'mainTip left the canonical chain exactly once',
  )
  assert.deepEqual(changes.flatMap((change) => change.added), [forkPoint + 1n, forkPoint + 2n])
  for (const tx of mainTip.transactions) assert.equal(follower.chain.store.txLocation(tx.hash()), undefined, 'dropped transactions leave the lookup index')
  assert.equal(await historyAt(forkPoint + 1n), 0, 'dropped transactions leave the address index')
  assert.equal(follower.chain.store.transactionBySenderAndNonce(transferSender, firstTransfer.nonce), undefined)
  assert.equal(bytesToHex(follower.chain.head.header.stateRoot), bytesToHex(forker.chain.head.header.stateRoot))
})

test('equally heavy branches: the lower head hash wins, the same on every node', () => {
  const low = { totalDifficulty: 10n, hash: new Uint8Array(32).fill(1) }
  const high = { totalDifficulty: 10n, hash: new Uint8Array(32).fill(2) }
  assert.equal(preferred(low, high), true)
  assert.equal(preferred(high, low), false)
  assert.equal(preferred(high, high), false, 'the current head is kept against itself')
  assert.equal(preferred({ ...high, totalDifficulty: 11n }, low), true, 'more difficulty wins first')
})
