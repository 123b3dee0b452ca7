// The DAO fork as geth applies it (consensus/misc/dao.go): on a chain whose genesis has
// `daoForkBlock` and `daoForkSupport`, that block moves every DAO account's ether to the refund
// contract, and it and the 9 blocks after it carry the extra-data "dao-hard-fork"; a chain that
// names the block without support makes no such change and refuses that extra-data. The chains
// are built by EthereumJS's own runBlock (which applies the DAO change at its DAO hardfork) and
// imported with `busan import`; the expected balances are the genesis allocations, summed here.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { createBlock, type Block } from '@ethereumjs/block'
import { createCommonFromGethGenesis } from '@ethereumjs/common'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { bytesToHex, concatBytes, utf8ToBytes, type PrefixedHexString } from '@ethereumjs/util'
import { createVM, runBlock } from '@ethereumjs/vm'
import { mainScript, startNodeProcess, type NodeProcess } from '@busan/testkit'
import { Rpc } from './fixtures-pool/rpc.ts'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'busan-dao-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** The first three of geth's params.DAODrainList, and params.DAORefundContract. */
const DAO_ACCOUNTS = ['0xd4fe7bc31cedb7bfb8a345f31e668033056b2728', '0xb3fb0e5aba0e20e5c49d252dfd30e102b171a425', '0x2c19c7f9ae8b751e37aeb2d93a699722395ae18f']
const REFUND_CONTRACT = '0xbf4ed7b27f1d666546e30d74d50d173d20bca754'
const DAO_BLOCK = 2
const EXTRA = bytesToHex(utf8ToBytes('dao-hard-fork'))
const BALANCES = [10n ** 18n, 2n * 10n ** 18n, 3n * 10n ** 18n]
const hex = (n: bigint | number) => `0x${n.toString(16)}`

function daoGenesis(daoForkSupport: boolean) {
  return {
    config: { chainId: 1_337_804, homesteadBlock: 0, daoForkBlock: DAO_BLOCK, daoForkSupport, ethash: {} },
    nonce: '0x0',
    timestamp: '0x0',
    extraData: '0x',
    gasLimit: '0x1c9c380',
    difficulty: '0x20000',
    mixHash: `0x${'00'.repeat(32)}`,
    coinbase: `0x${'00'.repeat(20)}`,
    alloc: { ...Object.fromEntries(DAO_ACCOUNTS.map((address, i) => [address, { balance: hex(BALANCES[i]) }])), [REFUND_CONTRACT]: { balance: '0x7' } },
  }
}

/**
 * `count` empty blocks on `genesis`, executed by EthereumJS's runBlock with `applyDao` as its
 * Common's DAO hardfork (EthereumJS takes the fork whenever its genesis names the block), each
 * block's extra-data from `extraOf`.
 */
async function buildChain(genesis: ReturnType<typeof daoGenesis>, applyDao: boolean, count: number, extraOf: (n: number) => string): Promise<Block[]> {
  const config = applyDao ? genesis.config : { ...genesis.config, daoForkBlock: undefined }
  const common = createCommonFromGethGenesis({ ...genesis, config } as never, { chain: 'dao', hardfork: 'chainstart' })
  const state = new MerkleStateManager({ common })
  await state.generateCanonicalGenesis(Object.fromEntries(Object.entries(genesis.alloc).map(([address, account]) => [address, [account.balance, undefined, [], '0x0']])) as never)
  const genesisBlock = createBlock({ header: { ...common.genesis(), number: 0n, stateRoot: await state.getStateRoot(), difficulty: BigInt(genesis.difficulty), gasLimit: BigInt(genesis.gasLimit) } }, { common, setHardfork: true })
  const blockchain = { getBlock: async () => genesisBlock, putBlock: async () => {}, shallowCopy: () => blockchain, validateHeader: async () => {} }
  const vm = await createVM({ common, stateManager: state, blockchain: blockchain as never })
  const blocks: Block[] = []
  let parent = genesisBlock
  for (let n = 1; n <= count; n++) {
    const header = { number: BigInt(n), parentHash: parent.hash(), timestamp: BigInt(n * 13), gasLimit: parent.header.gasLimit, coinbase: '0x00000000000000000000000000000000000000aa' as PrefixedHexString, extraData: extraOf(n) as PrefixedHexString }
    const draft = createBlock({ header }, { common, setHardfork: true, calcDifficultyFromHeader: parent.header })
    const result = await runBlock(vm, { block: draft, generate: true, skipBlockValidation: true, skipHeaderValidation: true, setHardfork: true })
    const block = createBlock({ header: { ...draft.header.toJSON(), stateRoot: result.stateRoot } }, { common, setHardfork: true })
    blocks.push(block)
    parent = block
  }
  return blocks
}

function busan(args: string[]) {
  return exec(process.execPath, [mainScript, ...args], { timeout: 120_000, maxBuffer: 64 << 20 })
}

/** Writes the genesis and the chain, imports it into a fresh directory; resolves with the import's stdout. */
async function importChain(name: string, genesis: object, blocks: Block[]) {
  const genesisFile = join(dir, `${name}.json`)
  const chainFile = join(dir, `${name}.rlp`)
  writeFileSync(genesisFile, JSON.stringify(genesis))
  writeFileSync(chainFile, concatBytes(...blocks.map((block) => block.serialize())))
  const dataDir = join(dir, name)
  const { stdout } = await busan(['import', '--datadir', dataDir, '--genesis', genesisFile, chainFile])
  return { genesisFile, chainFile, dataDir, stdout }
}

const headOf = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line)).find((entry) => entry.msg === 'imported chain')?.hash

describe('the DAO fork, as geth applies it', () => {
  const proFork = daoGenesis(true)
  let node: NodeProcess | undefined
  let rpc: Rpc
  let blocks: Block[]

  before(async () => {
    blocks = await buildChain(proFork, true, 4, (n) => (n >= DAO_BLOCK ? EXTRA : '0x'))
    const imported = await importChain('pro', proFork, blocks)
    assert.equal(headOf(imported.stdout), bytesToHex(blocks.at(-1)!.hash()), 'the head EthereumJS built')
    node = await startNodeProcess(['run', '--datadir', imported.dataDir, '--genesis', imported.genesisFile, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1', '--http.api', 'eth'], imported.dataDir)
    rpc = new Rpc(node.rpcUrl)
  })
  after(async () => {
    await node?.stop()
  })

  it('moves every DAO account\'s ether to the refund contract at the fork block', async () => {
    const before = hex(DAO_BLOCK - 1)
    const at = hex(DAO_BLOCK)
    for (const [i, address] of DAO_ACCOUNTS.entries()) {
      assert.equal(await rpc.call<string>('eth_getBalance', [address, before]), hex(BALANCES[i]))
      assert.equal(await rpc.call<string>('eth_getBalance', [address, at]), '0x0')
    }
    assert.equal(await rpc.call<string>('eth_getBalance', [REFUND_CONTRACT, before]), '0x7')
    assert.equal(await rpc.call<string>('eth_getBalance', [REFUND_CONTRACT, at]), hex(7n + BALANCES.reduce((a, b) => a + b, 0n)))
  })

  it('refuses a block in the fork\'s range without "dao-hard-fork" in its extra-data', async () => {
    // Block 3 as built, its extra-data cleared (a Common without the DAO fork lets it be made).
    const noDaoCommon = createCommonFromGethGenesis({ ...proFork, config: { ...proFork.config, daoForkBlock: undefined } } as never, { chain: 'dao', hardfork: 'chainstart' })
    const unmarked = createBlock({ header: { ...blocks[2].header.toJSON(), extraData: '0x' } }, { common: noDaoCommon, setHardfork: true })
    await assert.rejects(importChain('pro-unmarked', proFork, [...blocks.slice(0, 2), unmarked]), (error: { stderr: string }) => {
      // EthereumJS's header refuses it as the block is decoded, before the engine's own check.
      assert.match(error.stderr, /item 3 \(after block 2\) is not a valid block: extraData should be 'dao-hard-fork'/)
      return true
    })
  })

  it('makes no change on a chain that names the block without support, and refuses the pro-fork extra-data there', async () => {
    const noFork = daoGenesis(false)
    const plain = await buildChain(noFork, false, 3, () => '0x')
    const imported = await importChain('no-fork', noFork, plain)
    assert.equal(headOf(imported.stdout), bytesToHex(plain.at(-1)!.hash()), 'the head EthereumJS built without the DAO change')
    const marked = await buildChain(noFork, false, 3, (n) => (n === DAO_BLOCK ? EXTRA : '0x'))
    await assert.rejects(importChain('no-fork-marked', noFork, marked), (error: { stderr: string }) => {
      assert.match(error.stderr, /block 2 .*bad DAO no-fork extra-data/)
      return true
    })
  })
})
