// A reorg seen through the node's JSON-RPC: the logs of a dropped block come back to `logs`
// subscribers with `removed: true`, and its transaction leaves the lookup index.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Block } from '@ethereumjs/block'
import { createFeeMarket1559Tx, type TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { pino } from 'pino'
import { Chain, CliqueEngine } from '@busan/chain'
import { createChainCommon, devAccounts, devGenesis } from '@busan/chain-config'
import { KeyValueStore } from '@busan/db'
import { startNode, type RunningNode } from '../src/index.ts'

const genesis = devGenesis({ period: 0 })
const common = createChainCommon(genesis)
const accounts = devAccounts()
const sealer = hexToBytes(accounts[0].address as `0x${string}`)
const sealerKey = hexToBytes(accounts[0].privateKey as `0x${string}`)
/** Init code that emits one log (32 bytes of data) from the new contract and deploys nothing. */
const EMIT_LOG = hexToBytes('0x60aa5f5260205fa000')
const dirs: string[] = []
const stores: KeyValueStore[] = []
let node: RunningNode

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'busan-reorg-'))
  dirs.push(dir)
  return dir
}

async function branchChain(): Promise<{ chain: Chain; engine: CliqueEngine }> {
  const kv = await KeyValueStore.open(tempDir())
  stores.push(kv)
  const engine = new CliqueEngine(kv, genesis.config.clique!)
  return { chain: await Chain.open({ kv, common, genesis, engine, logger: pino({ level: 'silent' }), metrics: null }), engine }
}

async function seal(branch: { chain: Chain; engine: CliqueEngine }, txs: TypedTransaction[]): Promise<Block> {
  const parent = branch.chain.head
  const plan = await branch.engine.plan(parent.header, sealer, Date.now())
  assert.ok(!('refused' in plan))
  let i = 0
  const source = { next: () => (i < txs.length ? { tx: txs[i], sender: txs[i++].getSenderAddress().bytes } : undefined), skipSender: () => {} }
  const sealed = await branch.chain.produceBlock({ parent, plan, signer: sealer, privateKey: sealerKey, producer: branch.engine, source, requireTransactions: false })
  assert.ok(sealed !== undefined)
  return sealed.block
}

before(async () => {
  node = await startNode({
    dataDir: tempDir(),
    genesis,
    http: { host: '127.0.0.1', port: 0, corsOrigins: ['*'], namespaces: ['eth'] },
    accountKeys: [],
    logLevel: 'silent',
  })
})

after(async () => {
  await node.stop()
  for (const kv of stores) await kv.close()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

test('logs of a block dropped by a reorg reach subscribers again with removed: true', async () => {
  const deployer = hexToBytes(accounts[1].privateKey as `0x${string}`)
  const emit = createFeeMarket1559Tx({ chainId: 31337n, nonce: 0n, data: EMIT_LOG, gasLimit: 100_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n }, { common }).sign(deployer)
  const main = await branchChain()
  const fork = await branchChain()
  const dropped = await seal(main, [emit])
  const replacement = [await seal(fork, []), await seal(fork, [])]

  const socket = new WebSocket(node.rpcUrl.replace(/^http/, 'ws'))
  const notifications: { removed: boolean; transactionHash: string; blockHash: string }[] = []
  await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }))
  const subscribed = new Promise((resolve) => socket.addEventListener('message', resolve, { once: true }))
  socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['logs', {}] }))
  await subscribed
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { params?: { result: { removed: boolean; transactionHash: string; blockHash: string } } }
    if (message.params !== undefined) notifications.push(message.params.result)
  })

  assert.equal(await node.chain.importBlock(dropped), 'canonical')
  for (const block of replacement) await node.chain.importBlock(block)
  assert.equal(bytesToHex(node.chain.head.hash()), bytesToHex(replacement[1].hash()))

  const deadline = Date.now() + 5000
  while (notifications.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  socket.close()
  assert.deepEqual(
    notifications.map((log) => ({ removed: log.removed, tx: log.transactionHash, block: log.blockHash })),
    [
      { removed: false, tx: bytesToHex(emit.hash()), block: bytesToHex(dropped.hash()) },
      { removed: true, tx: bytesToHex(emit.hash()), block: bytesToHex(dropped.hash()) },
    ],
  )
  assert.equal(node.chain.store.txLocation(emit.hash()), undefined)
})
