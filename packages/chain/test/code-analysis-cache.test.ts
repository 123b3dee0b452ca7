// Our EthereumJS patches (the code-analysis cache, steps run without a promise when nothing in
// them is asynchronous) must change nothing but speed: blocks sealed with them are imported by a
// chain whose EVM runs as EthereumJS publishes it (every call's code analysed again, every step
// awaited), and the other way round. Import re-executes each block
// and checks its state root, receipts root, bloom and gas used against the header; the
// stored receipts must be equal too. The blocks call the same contracts many times within a
// block and across blocks (where the cache hits), create contracts, revert, hit INVALID and
// self-destruct.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import type { Block } from '@ethereumjs/block'
import { createEVM } from '@ethereumjs/evm'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { createFeeMarket1559Tx, type TypedTransaction } from '@ethereumjs/tx'
import { Address, bytesToHex, generateAddress, hexToBytes, intToBytes } from '@ethereumjs/util'
import { Interface } from 'ethers'
import { pino } from 'pino'
import { createChainCommon, devAccounts, devGenesis } from '@busan/chain-config'
import { KeyValueStore } from '@busan/db'
import { Chain, CliqueEngine } from '../src/index.ts'
import { createCodeAnalysisCache } from '../src/code-analysis-cache.ts'

const repoRoot = resolve(import.meta.dirname, '../../..')
const genesis = devGenesis({ period: 0 })
const common = createChainCommon(genesis)
const accounts = devAccounts()
const sealerKey = hexToBytes(accounts[0].privateKey as `0x${string}`)
const sealer = hexToBytes(accounts[0].address as `0x${string}`)
const logger = pino({ level: 'silent' })
const cleanups: (() => Promise<void>)[] = []

/** A contract compiled by `hardhat build` (npm test builds before the unit tests). */
function artifact(path: string, name: string): { abi: Interface; bytecode: string } {
  const file = resolve(repoRoot, `artifacts/contracts/${path}/${name}.json`)
  if (!existsSync(file)) throw new Error(`missing ${file}: run \`npx hardhat build\` first`)
  const json = JSON.parse(readFileSync(file, 'utf8')) as { abi: unknown[]; bytecode: string }
  return { abi: new Interface(json.abi as string[]), bytecode: json.bytecode }
}

async function openChain(evmPatches: boolean): Promise<{ chain: Chain; engine: CliqueEngine }> {
  const dir = mkdtempSync(join(tmpdir(), 'busan-analysis-'))
  const kv = await KeyValueStore.open(dir)
  cleanups.push(async () => {
    await kv.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const engine = new CliqueEngine(kv, genesis.config.clique!)
  return { chain: await Chain.open({ kv, common, genesis, engine, logger, metrics: null, evmPatches }), engine }
}

const nonces = new Map<number, number>()
/** A signed EIP-1559 transaction from dev account `from` (its next nonce). */
function tx(from: number, to: string | undefined, data: string, gasLimit: bigint, value = 0n): TypedTransaction {
  const nonce = nonces.get(from) ?? 0
  nonces.set(from, nonce + 1)
  return createFeeMarket1559Tx(
    { chainId: 31337n, nonce, to: to as `0x${string}` | undefined, value, data: hexToBytes(data as `0x${string}`), gasLimit, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n },
    { common },
  ).sign(hexToBytes(accounts[from].privateKey as `0x${string}`))
}

async function seal({ chain, engine }: { chain: Chain; engine: CliqueEngine }, txs: TypedTransaction[]): Promise<Block> {
  let i = 0
  const source = { next: () => (i < txs.length ? { tx: txs[i], sender: txs[i++].getSenderAddress().bytes } : undefined), skipSender: () => {} }
  const plan = await engine.plan(chain.head.header, sealer, Date.now())
  assert.ok(!('refused' in plan))
  const sealed = await chain.produceBlock({ parent: chain.head, plan, signer: sealer, privateKey: sealerKey, producer: engine, source, requireTransactions: false })
  assert.equal(sealed?.block.transactions.length, txs.length, 'every transaction sealed')
  return sealed!.block
}

/** Blocks exercising the cache: a token used by many transactions per block, the tracing fixture's every frame kind. */
function workload(): TypedTransaction[][] {
  const token = artifact('bench/BenchToken.sol', 'BenchToken')
  const tree = artifact('test/CallTree.sol', 'CallTree')
  // The bench's compute-bound loop (keccak256 and 256-bit arithmetic): mostly static-gas steps.
  const compute = artifact('bench/BenchCompute.sol', 'BenchCompute')
  const address = (from: number, nonce: number) => bytesToHex(generateAddress(hexToBytes(accounts[from].address as `0x${string}`), nonce === 0 ? new Uint8Array() : intToBytes(nonce)))
  const tokenAddress = address(1, 0)
  const treeAddress = address(2, 0)
  const computeAddress = address(8, 0)
  const deploy = [
    tx(1, undefined, token.bytecode + token.abi.encodeDeploy([10n ** 30n]).slice(2), 3_000_000n),
    tx(2, undefined, tree.bytecode, 3_000_000n, 5n),
    tx(8, undefined, compute.bytecode, 1_000_000n),
  ]
  const transfers = (count: number) => Array.from({ length: count }, (_, i) => tx(1, tokenAddress, token.abi.encodeFunctionData('transfer', [accounts[3 + (i % 5)].address, BigInt(i + 1)]), 100_000n))
  const calls = [
    tx(2, treeAddress, tree.abi.encodeFunctionData('run', [7n]), 1_000_000n, 3n),
    tx(2, treeAddress, tree.abi.encodeFunctionData('explode', [4n]), 300_000n),
    tx(2, treeAddress, tree.abi.encodeFunctionData('relay', [3n]), 300_000n),
    tx(2, treeAddress, tree.abi.encodeFunctionData('invalid', []), 300_000n),
    tx(2, treeAddress, tree.abi.encodeFunctionData('run', [8n]), 1_000_000n, 1n),
    tx(2, treeAddress, tree.abi.encodeFunctionData('killLeaf', []), 300_000n),
  ]
  const work = (rounds: bigint, gas: bigint) => tx(8, computeAddress, compute.abi.encodeFunctionData('work', [rounds]), gas)
  // The second call runs out of gas inside the loop.
  return [deploy, [...transfers(40), ...calls.slice(0, 3), work(50n, 500_000n)], [...calls.slice(3), work(200n, 60_000n), ...transfers(40)]]
}

let blocks: TypedTransaction[][]
before(() => {
  blocks = workload()
})

after(async () => {
  for (const cleanup of cleanups) await cleanup()
})

for (const [producerCache, importerCache] of [
  [true, false],
  [false, true],
] as const) {
  test(`blocks sealed ${producerCache ? 'with' : 'without'} the EVM patches import ${importerCache ? 'with' : 'without'} them: same roots, gas and receipts`, async () => {
    const producer = await openChain(producerCache)
    const importer = await openChain(importerCache)
    for (const txs of blocks) {
      const block = await seal(producer, txs)
      assert.equal(await importer.chain.importBlock(block), 'canonical', `block ${block.header.number} re-executes to the same header`)
      assert.deepEqual(importer.chain.store.receipts(block.hash()), producer.chain.store.receipts(block.hash()))
    }
    const statuses = blocks.slice(1).flatMap((_, i) => producer.chain.store.receipts(producer.chain.store.canonicalHash(BigInt(i + 2))!)!.map((receipt) => receipt.status))
    assert.ok(statuses.includes(0) && statuses.includes(1), 'both failed and successful transactions')
  })
}

test('the patched EVM consults the cache: the second call into a code reuses its analysis', async () => {
  const cache = createCodeAnalysisCache()
  let analysed = 0
  let reused = 0
  const counting = {
    get(code: Uint8Array, opcodeMap: unknown) {
      const found = cache.get(code, opcodeMap)
      if (found !== undefined) reused++
      return found
    },
    set(code: Uint8Array, opcodeMap: unknown, analysis: Parameters<typeof cache.set>[2]) {
      analysed++
      cache.set(code, opcodeMap, analysis)
    },
  }
  const stateManager = new MerkleStateManager({ common })
  const evm = await createEVM({ common, stateManager, codeAnalysisCache: counting })
  const contract = new Address(hexToBytes('0x00000000000000000000000000000000000c0de1'))
  // PUSH1 4 JUMP INVALID JUMPDEST PUSH1 1 PUSH1 0 SSTORE STOP: a jump, so the code is analysed.
  await stateManager.putCode(contract, hexToBytes('0x600456fe5b600160005500'))
  for (let i = 0; i < 3; i++) {
    const result = await evm.runCall({ to: contract, gasLimit: 100_000n })
    assert.equal(result.execResult.exceptionError, undefined)
  }
  assert.deepEqual({ analysed, reused }, { analysed: 1, reused: 2 })
})
