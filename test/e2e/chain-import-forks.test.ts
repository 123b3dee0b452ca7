// Any geth genesis and fork schedule: a proof-of-work chain that crosses every fork from
// Homestead to Osaka (the merge at a block, the later forks by time), built by EthereumJS's own
// BlockBuilder from its own geth-genesis reader, is imported by `busan import` (which executes and
// checks every block with the node's executor) and served with each block's fork rules: the
// same genesis and head hashes, pre-Byzantium receipt roots, the miner's rewards, withdrawals,
// the EIP-4788 beacon root in state, calls and traces at old blocks. An export of it imports
// back to the same head; a block that breaks a fork rule stops the import with its reason.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { createBlock } from '@ethereumjs/block'
import { bigIntToBytes, bytesToHex, concatBytes, createAddressFromString, setLengthLeft } from '@ethereumjs/util'
import { mainScript, startNodeProcess, type NodeProcess } from '@busan/testkit'
import { buildForkChain, forkGenesis, MINER, RECIPIENT, type ForkChain } from './helpers/fork-chain.ts'
import { SYSTEM_CONTRACTS } from './helpers/system-contracts.ts'
import { Rpc, type BlockJson, type Receipt } from './fixtures-pool/rpc.ts'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'busan-forks-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function busan(args: string[]) {
  return exec(process.execPath, [mainScript, ...args], { timeout: 120_000, maxBuffer: 64 << 20 })
}

/** The `imported chain` summary line of an import's output. */
function summary(stdout: string): { hash: string; blocks: number } {
  return stdout.trim().split('\n').map((line) => JSON.parse(line)).find((entry) => entry.msg === 'imported chain')
}

const hex = (n: bigint | number) => `0x${n.toString(16)}`

describe('a geth genesis with every fork, imported and served', () => {
  const genesis = forkGenesis()
  const genesisFile = join(dir, 'genesis.json')
  const chainFile = join(dir, 'chain.rlp')
  const dataDir = join(dir, 'imported')
  let chain: ForkChain
  let node: NodeProcess | undefined
  let rpc: Rpc

  before(async () => {
    chain = await buildForkChain(genesis)
    writeFileSync(genesisFile, JSON.stringify(genesis))
    writeFileSync(chainFile, concatBytes(...chain.blocks.map((block) => block.serialize())))
    const { stdout } = await busan(['import', '--datadir', dataDir, '--genesis', genesisFile, chainFile])
    const done = summary(stdout)
    assert.equal(done.blocks, chain.blocks.length)
    assert.equal(done.hash, bytesToHex(chain.blocks.at(-1)!.hash()), 'the head EthereumJS built')
    node = await startNodeProcess(['run', '--datadir', dataDir, '--genesis', genesisFile, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1', '--http.api', 'eth,debug'], dataDir)
    rpc = new Rpc(node.rpcUrl)
  })
  after(async () => {
    await node?.stop()
  })

  it('has the genesis and block hashes EthereumJS computed, with each fork\'s header fields', async () => {
    const blocks = await Promise.all(Array.from({ length: chain.blocks.length + 1 }, (_, n) => rpc.call<BlockJson & Record<string, unknown>>('eth_getBlockByNumber', [hex(n), false])))
    assert.equal(blocks[0].hash, chain.genesisHash)
    chain.blocks.forEach((block, i) => assert.equal(blocks[i + 1].hash, bytesToHex(block.hash()), `block ${i + 1}`))
    // Base fee from London (block 14, the initial 1 gwei), withdrawals from Shanghai (20), blob gas
    // and beacon root from Cancun (22), requests from Prague (24): absent before, as geth serves them.
    assert.equal(blocks[13].baseFeePerGas, undefined)
    assert.equal(blocks[14].baseFeePerGas, hex(1_000_000_000))
    assert.equal(blocks[19].withdrawalsRoot, undefined)
    assert.equal((blocks[20].withdrawals as unknown[]).length, 2)
    assert.equal(blocks[21].parentBeaconBlockRoot, undefined)
    assert.equal(blocks[22].blobGasUsed, '0x0')
    assert.equal(blocks[23].requestsHash, undefined)
    assert.equal(blocks[24].requestsHash, bytesToHex(chain.blocks[23].header.requestsHash!))
    assert.equal(blocks[17].difficulty !== '0x0' && blocks[18].difficulty, '0x0', 'proof of stake from the merge block')
  })

  it('serves pre-Byzantium receipts with their state roots, later ones with a status', async () => {
    const early = await rpc.call<BlockJson>('eth_getBlockByNumber', ['0x1', false])
    const receipt = await rpc.call<Receipt & { root?: string }>('eth_getTransactionReceipt', [early.transactions[0]])
    assert.equal(receipt.root, bytesToHex(chain.receipts[0][0].stateRoot!))
    assert.equal(receipt.status, undefined)
    const late = await rpc.call<BlockJson>('eth_getBlockByNumber', ['0x7', false])
    const after = await rpc.call<Receipt & { root?: string }>('eth_getTransactionReceipt', [late.transactions[1]])
    assert.equal(after.status, '0x1')
    assert.equal(after.root, undefined)
    assert.ok(after.contractAddress, 'the creation has its address')
  })

  it('holds the state EthereumJS computed: rewards, withdrawals, the beacon root ring', async () => {
    for (const address of [MINER, RECIPIENT]) {
      const expected = (await chain.state.getAccount(createAddressFromString(address)))!.balance
      assert.equal(await rpc.call<string>('eth_getBalance', [address, 'latest']), hex(expected), address)
    }
    // EIP-4788: the root of the head's parent beacon block at slot 8191 + timestamp % 8191.
    const head = chain.blocks.at(-1)!.header
    const slot = bytesToHex(setLengthLeft(bigIntToBytes((head.timestamp % 8191n) + 8191n), 32))
    assert.equal(await rpc.call<string>('eth_getStorageAt', [SYSTEM_CONTRACTS.BEACON_ROOTS.address, slot, 'latest']), bytesToHex(head.parentBeaconBlockRoot!))
  })

  it('runs calls and traces under the fork of the block they read', async () => {
    // Before London a call is a legacy transaction; at the head (Osaka) a call without gas
    // stays under EIP-7825's cap instead of failing.
    assert.equal(await rpc.call<string>('eth_call', [{ to: RECIPIENT, value: '0x1', from: MINER }, '0x5']), '0x')
    assert.equal(await rpc.call<string>('eth_call', [{ to: RECIPIENT, from: MINER }, 'latest']), '0x')
    assert.equal(await rpc.call<string>('eth_estimateGas', [{ to: RECIPIENT, from: MINER }, 'latest']), hex(21000))
    for (const number of ['0x3', '0x17', '0x19']) {
      const block = await rpc.call<BlockJson>('eth_getBlockByNumber', [number, false])
      const traces = await rpc.call<{ txHash: string; result: { failed: boolean } }[]>('debug_traceBlockByNumber', [number, {}])
      assert.deepEqual(traces.map((trace) => trace.txHash), block.transactions, `block ${number}`)
      assert.ok(traces.every((trace) => trace.result.failed === false))
    }
  })

  it('exports the chain and imports the export to the same head', async () => {
    await node?.stop() // the export opens the data directory itself
    node = undefined
    const exported = join(dir, 'exported.rlp')
    await busan(['export', '--datadir', dataDir, exported])
    const { stdout } = await busan(['import', '--datadir', join(dir, 'reimported'), '--genesis', genesisFile, exported])
    assert.equal(summary(stdout).hash, bytesToHex(chain.blocks.at(-1)!.hash()))
  })

  it('stops an import at a block that breaks its fork\'s rules, keeping the blocks before it', async () => {
    // Block 6 (Byzantium) with one more unit of difficulty than EthereumJS's ethash rule gives.
    const good = chain.blocks.slice(0, 5)
    const original = chain.blocks[5]
    const broken = createBlock({ header: { ...original.header.toJSON(), difficulty: original.header.difficulty + 1n }, transactions: original.transactions }, { common: original.common })
    const file = join(dir, 'broken.rlp')
    writeFileSync(file, concatBytes(...good.map((block) => block.serialize()), broken.serialize()))
    const target = join(dir, 'broken')
    await assert.rejects(busan(['import', '--datadir', target, '--genesis', genesisFile, file]), (error: { stderr: string }) => {
      assert.match(error.stderr, /block 6 .*invalid difficulty: have \d+ want \d+/)
      return true
    })
    const { stdout } = await busan(['export', '--datadir', target, join(dir, 'kept.rlp')])
    assert.deepEqual(JSON.parse(stdout), { exported: 6 }, 'the genesis and blocks 1-5')
  })
})
