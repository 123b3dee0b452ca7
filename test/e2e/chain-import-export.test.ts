// `busan export` and `busan import` (geth's chain files) on real data directories: a chain
// exported and imported into a fresh directory is the same chain (head hash, state root,
// balances, receipts, logs), on Clique and on QBFT; the file is geth's format (checked by
// decoding it with @ethereumjs/rlp, not our reader); an import resumes where it stopped (a
// partial file, then kill -9 in the middle); a truncated or corrupted file or an invalid
// block stops the import with a message naming it and keeps what came before.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { RLP } from '@ethereumjs/rlp'
import { keccak256 } from 'ethers'
import { mainScript, startDevNode, startNodeProcess, type DevNode, type NodeProcess } from '@busan/testkit'
import { LOGGER_INIT, Rpc, devSigners, nonceOf, sign1559, waitForReceipts, type BlockJson, type Receipt } from './fixtures-pool/rpc.ts'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'busan-chain-file-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** A plain RPC node (no sealing key) on an imported data directory, with the ots_ API. */
function servingNode(dataDir: string): Promise<NodeProcess> {
  return startNodeProcess(['run', '--datadir', dataDir, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1', '--http.api', 'eth,ots'], dataDir)
}

function busan(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, [mainScript, ...args], { timeout: 120_000, maxBuffer: 64 << 20 })
}

/** Runs `busan` expecting exit code 1; returns stderr's first line. */
async function busanFails(args: string[]): Promise<string> {
  let message = ''
  await assert.rejects(busan(args), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1, error.stderr)
    assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace')
    message = error.stderr.split('\n')[0]
    return true
  })
  return message
}

/** The blocks of a geth chain file, split with @ethereumjs/rlp's stream decoding. */
function blocksOf(file: string): Uint8Array[] {
  let data: Uint8Array = readFileSync(file)
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data)
  const blocks: Uint8Array[] = []
  while (data.length > 0) {
    const { remainder } = RLP.decode(data, true)
    blocks.push(data.subarray(0, data.length - remainder.length))
    data = remainder
  }
  return blocks
}

/** Transfers, a contract creation and log-emitting calls, in several blocks. */
async function makeHistory(rpc: Rpc, rounds: number): Promise<void> {
  const [a, b] = [devSigners[1], devSigners[2]]
  for (let round = 0; round < rounds; round++) {
    const [na, nb] = await Promise.all([nonceOf(rpc, a.address), nonceOf(rpc, b.address)])
    const txs = [
      sign1559(a, { nonce: na, to: devSigners[3].address, value: 10n ** 15n * BigInt(round + 1) }),
      sign1559(b, { nonce: nb, data: LOGGER_INIT, gasLimit: 200_000n }),
    ]
    for (const tx of txs) assert.equal((await rpc.sendRaw(tx.raw)).result, tx.hash)
    await waitForReceipts(rpc, txs.map((tx) => tx.hash), 30_000)
  }
}

interface ChainView {
  head: BlockJson
  hashes: string[]
  balances: string[]
  receipts: Receipt[]
}

/** What a node serves about its chain: every block hash, the head, balances and the receipts of the head's last blocks. */
async function view(rpc: Rpc, upTo: number): Promise<ChainView> {
  const numbers = Array.from({ length: upTo + 1 }, (_, i) => `0x${i.toString(16)}`)
  const blocks = (await rpc.batch<BlockJson>(numbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [n, false] })))).map((reply) => reply.result!)
  const txHashes = blocks.flatMap((block) => block.transactions as string[])
  const receipts = (await rpc.batch<Receipt>(txHashes.map((hash) => ({ method: 'eth_getTransactionReceipt', params: [hash] })))).map((reply) => reply.result!)
  const balances = (await rpc.batch<string>(devSigners.slice(0, 4).map((s) => ({ method: 'eth_getBalance', params: [s.address, numbers[upTo]] })))).map((reply) => reply.result!)
  return { head: blocks[upTo], hashes: blocks.map((block) => block.hash), balances, receipts }
}

for (const consensus of ['clique', 'qbft'] as const) {
  describe(`chain files (${consensus})`, () => {
    const source = join(dir, `${consensus}-source`)
    const exported = join(dir, `${consensus}.rlp`)
    let original: ChainView
    let headNumber: number

    it('exports the canonical chain in geth\'s format', async () => {
      const node: DevNode = await startDevNode({ dataDir: source, period: consensus === 'qbft' ? 1 : 0, extraArgs: ['--consensus', consensus] })
      try {
        const rpc = new Rpc(node.rpcUrl)
        await makeHistory(rpc, 6)
        headNumber = Number(await rpc.call<string>('eth_blockNumber'))
        original = await view(rpc, headNumber)
      } finally {
        await node.stop()
      }
      const { stdout } = await busan(['export', '--datadir', source, exported, '0', String(headNumber)])
      assert.deepEqual(JSON.parse(stdout), { exported: headNumber + 1 })
      const blocks = blocksOf(exported)
      assert.equal(blocks.length, headNumber + 1)
      // Each item is a block whose header hashes to the hash the node served for that number.
      blocks.forEach((block, number) => {
        const [header] = RLP.decode(block) as Uint8Array[][]
        assert.equal(headerHash(header, consensus), original.hashes[number], `block ${number}`)
      })
      // A range, compressed: the same blocks' bytes.
      await busan(['export', '--datadir', source, `${exported}.gz`, '2', '5'])
      assert.deepEqual(blocksOf(`${exported}.gz`), blocks.slice(2, 6))
    })

    it('imports it into a fresh data directory as the same chain', async () => {
      const target = join(dir, `${consensus}-imported`)
      const { stdout } = await busan(['import', '--datadir', target, '--genesis', join(source, 'genesis.json'), exported])
      const done = stdout.trim().split('\n').map((line) => JSON.parse(line)).find((entry) => entry.msg === 'imported chain')
      assert.equal(done.blocks, headNumber, 'every block after the genesis')
      assert.equal(done.skipped, 1, 'the genesis is already there')
      assert.equal(done.hash, original.head.hash)
      const node = await servingNode(target)
      try {
        const rpc = new Rpc(node.rpcUrl)
        assert.equal(Number(await rpc.call<string>('eth_blockNumber')), headNumber)
        assert.deepEqual(await view(rpc, headNumber), original)
        // The address index came with the blocks: the deployer's history is there.
        const history = await rpc.call<{ txs: unknown[] }>('ots_searchTransactionsBefore', [devSigners[2].address, 0, 25])
        assert.equal(history.txs.length, 6)
        // ...so the node re-executes nothing to build it (a data directory from before the index would).
        assert.ok(!node.logs.some((line) => line.msg === 'address index: indexing blocks committed before it existed'), 'no address index rebuild')
      } finally {
        await node.stop()
      }
    })
  })
}

describe('chain files: resuming and bad input', () => {
  const source = join(dir, 'clique-source')
  const genesis = join(source, 'genesis.json')
  const file = join(dir, 'clique.rlp')

  async function headOf(dataDir: string): Promise<string> {
    const node = await servingNode(dataDir)
    try {
      return (await new Rpc(node.rpcUrl).call<BlockJson>('eth_getBlockByNumber', ['latest', false])).hash
    } finally {
      await node.stop()
    }
  }

  it('resumes: a partial file, then the whole file, skips what is there', async () => {
    const blocks = blocksOf(file)
    const target = join(dir, 'resumed')
    writeFileSync(join(dir, 'first-half.rlp'), Buffer.concat(blocks.slice(0, 6)))
    await busan(['import', '--datadir', target, '--genesis', genesis, join(dir, 'first-half.rlp')])
    const { stdout } = await busan(['import', '--datadir', target, file])
    const done = stdout.trim().split('\n').map((line) => JSON.parse(line)).find((entry) => entry.msg === 'imported chain')
    assert.equal(done.skipped, 6)
    assert.equal(done.blocks, blocks.length - 6)
    assert.equal(await headOf(target), headerHash((RLP.decode(blocks.at(-1)!) as Uint8Array[][])[0], 'clique'))
  })

  it('survives kill -9 during an import and finishes on the next run', async () => {
    const target = join(dir, 'killed')
    const child = spawn(process.execPath, [mainScript, 'import', '--datadir', target, '--genesis', genesis, file], { stdio: ['ignore', 'pipe', 'ignore'] })
    // Killed as soon as the chain is open, while the first blocks import.
    await new Promise<void>((resolve) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('"chain head"') && resolve()))
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    await busan(['import', '--datadir', target, file])
    assert.equal(await headOf(target), await headOf(join(dir, 'resumed')))
  })

  it('stops at a truncated file, a corrupt item or an invalid block, keeping the blocks before', async () => {
    const blocks = blocksOf(file)
    const cases: { name: string; bytes: Uint8Array; message: RegExp; kept: number }[] = [
      // Each message names the file and the item, as geth's import does.
      { name: 'truncated', bytes: Buffer.concat([...blocks.slice(0, 4), blocks[4].subarray(0, 40)]), message: /^\/.*truncated\.rlp: item 5: the file ends inside a block/, kept: 3 },
      { name: 'not-rlp', bytes: Buffer.concat([...blocks.slice(0, 3), Buffer.from([0x05, 0x06])]), message: /^\/.*not-rlp\.rlp: item 4: expected an RLP list \(a block\), found byte 0x05/, kept: 2 },
      // Block 3 with one byte of its header's state root changed: its parent is known, but its
      // seal no longer matches (Clique signs the header) nor would its execution.
      { name: 'bad-state-root', bytes: Buffer.concat([...blocks.slice(0, 3), corruptStateRoot(blocks[3])]), message: /block 3 \(0x[0-9a-f]{64}\): /, kept: 2 },
    ]
    for (const bad of cases) {
      const path = join(dir, `${bad.name}.rlp`)
      writeFileSync(path, bad.bytes)
      const target = join(dir, `bad-${bad.name}`)
      assert.match(await busanFails(['import', '--datadir', target, '--genesis', genesis, path]), bad.message, bad.name)
      const node = await servingNode(target)
      try {
        assert.equal(Number(await new Rpc(node.rpcUrl).call<string>('eth_blockNumber')), bad.kept, bad.name)
      } finally {
        await node.stop()
      }
    }
  })

  it('refuses an export past the head or of a directory with no chain, and an import on another genesis', async () => {
    assert.match(await busanFails(['export', '--datadir', source, join(dir, 'x.rlp'), '0', '999999']), /last block 999999 is past the head/)
    await assert.rejects(busan(['export', '--datadir', join(dir, 'nothing'), join(dir, 'x.rlp')]), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2)
      assert.match(error.stderr, /holds no chain/)
      return true
    })
    assert.match(await busanFails(['import', '--datadir', join(dir, 'qbft-source'), '--genesis', genesis, file]), /^cannot use the data directory: database holds genesis 0x[0-9a-f]{64} but the genesis file gives/)
    // The QBFT directory with its own genesis, and the Clique chain's file: block 0 says it is another chain.
    const cliqueGenesisHash = headerHash((RLP.decode(blocksOf(file)[0]) as Uint8Array[][])[0], 'clique')
    assert.match(await busanFails(['import', '--datadir', join(dir, 'qbft-source'), file]), new RegExp(`^.*clique\\.rlp: its genesis block is ${cliqueGenesisHash}, this data directory's is 0x[0-9a-f]{64}: the file holds another chain`))
  })

  it('an export that cannot write its file names the file, and leaves no partial file behind', async () => {
    const target = join(dir, 'export-target-is-a-directory')
    mkdirSync(target)
    assert.equal(await busanFails(['export', '--datadir', source, target]), `cannot write ${target}: illegal operation on a directory`)
    assert.ok(!existsSync(`${target}.partial`), 'the partial file is removed')
  })
})

/**
 * A header's block hash: keccak256 of its RLP; under QBFT with the commit seals of its extraData
 * (RLP [vanity, validators, vote, round, seals]) replaced by an empty list, as Besu hashes
 * QBFT headers (BftBlockHashing: the seals sign the hash, so it cannot cover them).
 */
function headerHash(header: Uint8Array[], consensus: 'clique' | 'qbft'): string {
  if (consensus === 'clique' || header[0].length === 0) return keccak256(RLP.encode(header))
  const extra = RLP.decode(header[12]) as Uint8Array[]
  return keccak256(RLP.encode(header.map((field, i) => (i === 12 ? RLP.encode([...extra.slice(0, 4), []]) : field))))
}

/** A block whose header's state root differs in its last byte. */
function corruptStateRoot(block: Uint8Array): Uint8Array {
  const [header, ...rest] = RLP.decode(block) as Uint8Array[][]
  const fields = header.map((field) => Uint8Array.from(field))
  fields[3][31] ^= 0xff
  return RLP.encode([fields, ...rest])
}

describe('a dev chain restarted with another --period', () => {
  it('keeps the shortest period in its kept genesis, so blocks sealed at --period 0 export and import under it; another --consensus is refused', async () => {
    const dataDir = join(dir, 'dev-periods')
    const fast = await startNodeProcess(['dev', '--datadir', dataDir, '--http.port', '0', '--period', '0'], dataDir)
    let head: { number: string; hash: string; timestamp: string }
    let parent: { timestamp: string }
    try {
      const rpc = new Rpc(fast.rpcUrl)
      const [from] = await rpc.call<string[]>('eth_accounts')
      // Back to back: at --period 0 they land in blocks less than 2 s apart (the default --period).
      for (let i = 0; i < 3; i++) await waitForReceipts(rpc, [await rpc.call<string>('eth_sendTransaction', [{ from, to: from, value: '0x1' }])])
      head = await rpc.call('eth_getBlockByNumber', ['latest', false])
      parent = await rpc.call('eth_getBlockByNumber', [`0x${(Number(head.number) - 1).toString(16)}`, false])
    } finally {
      await fast.stop()
    }
    assert.ok(Number(head.timestamp) - Number(parent.timestamp) < 2, 'two blocks sealed less than 2 s apart')
    // A restart at the default period, 2 s: the kept genesis stays at 0, the shortest any run used.
    const slow = await startNodeProcess(['dev', '--datadir', dataDir, '--http.port', '0'], dataDir)
    await slow.stop()
    const kept = JSON.parse(readFileSync(join(dataDir, 'genesis.json'), 'utf8')) as { config: { clique: { period: number } } }
    assert.equal(kept.config.clique.period, 0)
    const exported = join(dir, 'dev-periods.rlp')
    await busan(['export', '--datadir', dataDir, exported, '0', String(Number(head.number))])
    const target = join(dir, 'dev-periods-imported')
    const { stdout } = await busan(['import', '--datadir', target, '--genesis', join(dataDir, 'genesis.json'), exported])
    const done = stdout.trim().split('\n').map((line) => JSON.parse(line)).find((entry) => entry.msg === 'imported chain')
    assert.equal(done.hash, head.hash, 'every block imported, up to the head')
    await assert.rejects(busan(['dev', '--datadir', dataDir, '--consensus', 'qbft', '--http.port', '0']), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2)
      assert.match(error.stderr, /^--consensus: .*dev-periods holds a clique dev chain; choose another --datadir for a qbft one, or delete it\n/)
      return true
    })
  })
})
