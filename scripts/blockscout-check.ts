// Runs Blockscout's own internal-transaction ingestion (its Elixir modules EthereumJSONRPC.Geth,
// Geth.Call and Geth.Calls, compiled from a checkout, with INDEXER_INTERNAL_TRANSACTIONS_TRACER_TYPE
// call_tracer) against a dev node, per transaction (debug_traceTransaction) and per block
// (debug_traceBlockByNumber), and checks what it ingested against values derived from the
// transactions and contracts, not from the tracer. See docs/explorer.md.
//   BLOCKSCOUT_DIR=/tmp/blockscout node scripts/blockscout-check.ts
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { startDevNode } from '@busan/testkit'

const dir = process.env.BLOCKSCOUT_DIR
const app = dir === undefined ? '' : resolve(dir, 'apps/ethereum_jsonrpc')
/** Prints why the check cannot run here and exits 0. */
function skip(why: string): never {
  console.log(`blockscout-check: skipped: ${why} (see docs/explorer.md)`)
  process.exit(0)
}
if (dir === undefined) skip('BLOCKSCOUT_DIR is not set')
if (!existsSync(join(app, 'lib/ethereum_jsonrpc/geth.ex'))) skip(`BLOCKSCOUT_DIR (${dir}) has no apps/ethereum_jsonrpc/lib/ethereum_jsonrpc/geth.ex`)
const probe = spawnSync('elixir', ['-e', 'IO.write(:code.which(:jiffy) != :non_existing)'], { encoding: 'utf8' })
if (probe.error !== undefined || spawnSync('elixirc', ['--version']).error !== undefined) skip('elixir/elixirc not found (apt-get install elixir erlang-jiffy)')
if (probe.stdout !== 'true') skip('the Erlang JSON library jiffy is missing (apt-get install erlang-jiffy)')

const here = import.meta.dirname
// Blockscout's modules that run for the call_tracer setting, plus the ones geth.ex names that
// compile without hex packages; EthereumJSONRPC itself is our stand-in (scripts/blockscout/).
const BLOCKSCOUT_SOURCES = ['geth.ex', 'geth/call.ex', 'geth/calls.ex', 'utility/common_helper.ex', 'fetched_code.ex', 'fetched_balance.ex', 'variant.ex']

const failures: string[] = []
function check(ok: boolean, what: string, details: string[] = []): void {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`)
  for (const line of details) console.log(`         ${line}`)
  if (!ok) failures.push(what)
}

/** A fixture contract compiled by `npx hardhat build` (contracts/test/CallTree.sol). */
function artifact(name: string): { abi: ethers.InterfaceAbi; bytecode: string; deployedBytecode: string } {
  const path = resolve(here, `../artifacts/contracts/test/CallTree.sol/${name}.json`)
  if (!existsSync(path)) throw new Error(`missing ${path}: run \`npx hardhat build --quiet\` first`)
  return JSON.parse(readFileSync(path, 'utf8'))
}

/** An internal transaction as Blockscout should ingest it; `trace` is its trace_address. */
interface Frame {
  trace: number[]
  type: 'call' | 'create' | 'create2' | 'selfdestruct'
  callType?: 'call' | 'staticcall' | 'delegatecall'
  from: string
  to: string
  value?: bigint
  error?: string
  gas?: number
  gasUsed?: number
  input?: string
  output?: string
  init?: string
  code?: string
}
type Params = Record<string, unknown>
interface Step { name: string; to?: string; data: string; value: bigint; gasLimit: bigint; frames: Frame[] }
interface Mined { step: Step; hash: string; blockHash: string; block: number; index: number; gasUsed: number }

const call = (trace: number[], callType: Frame['callType'], from: string, to: string, more: Partial<Frame> = {}): Frame => ({ trace, type: 'call', callType, from, to, ...more })

/** Blockscout's params for `frame` differ from `got` how (empty: they agree). */
function differences(got: Params, frame: Frame, position: number, tx: Mined): string[] {
  const want: Params = {
    index: position, transaction_hash: tx.hash, block_number: tx.block, transaction_index: tx.index,
    trace_address: frame.trace, type: frame.type, from_address_hash: frame.from.toLowerCase(),
    // Blockscout stores a zero value as nil, and has no error key for a frame that succeeded.
    value: frame.value === undefined || frame.value === 0n ? null : Number(frame.value), error: frame.error,
  }
  if (frame.type === 'call') Object.assign(want, { call_type: frame.callType, to_address_hash: frame.to.toLowerCase() })
  else if (frame.type === 'selfdestruct') want.to_address_hash = frame.to.toLowerCase()
  else Object.assign(want, { created_contract_address_hash: frame.to.toLowerCase(), init: frame.init, created_contract_code: frame.code })
  for (const key of ['gas', 'gasUsed', 'input', 'output'] as const) if (frame[key] !== undefined) want[key === 'gasUsed' ? 'gas_used' : key] = frame[key]
  const out: string[] = []
  for (const [key, value] of Object.entries(want)) {
    const actual = got[key] ?? (key === 'value' ? null : undefined)
    if (!isDeepStrictEqual(actual, value)) out.push(`[${position}] ${key}: got ${short(actual)}, want ${short(value)}`)
  }
  // The gas a node reports can only be checked for sense: an integer, and no more than was given.
  if (!Number.isInteger(got.gas) || !Number.isInteger(got.gas_used) || (got.gas_used as number) > (got.gas as number)) out.push(`[${position}] gas ${got.gas}, gas_used ${got.gas_used}`)
  return out
}
const short = (value: unknown): string => { const text = JSON.stringify(value) ?? 'undefined'; return text.length > 80 ? `${text.slice(0, 77)}...` : text }

async function main(): Promise<void> {
  const tree = artifact('CallTree')
  const leafArtifact = artifact('CallLeaf')
  const abi = new ethers.Interface(tree.abi)
  const node = await startDevNode({ period: 0 })
  const work = mkdtempSync(join(tmpdir(), 'blockscout-check-'))
  try {
    let id = 1
    const post = async (body: unknown): Promise<any> => (await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()
    const rpc = async <T = any>(method: string, params: unknown[] = []): Promise<T> => {
      const answer = await post({ jsonrpc: '2.0', id: id++, method, params })
      if (answer.error !== undefined) throw new Error(`${method}: ${answer.error.message}`)
      return answer.result as T
    }
    const receipt = async (hash: string): Promise<any> => {
      for (let i = 0; i < 400; i++) {
        const found = await rpc('eth_getTransactionReceipt', [hash])
        if (found !== null) return found
        await new Promise((ok) => setTimeout(ok, 25))
      }
      throw new Error(`${hash} not mined within 10 s`)
    }

    // Dev account #1 sends everything (#0 seals). Nonces fix every address in advance.
    const sender = new ethers.Wallet(devAccounts()[1].privateKey)
    const S = sender.address
    const payee = '0x00000000000000000000000000000000000b5c07'
    const T = ethers.getCreateAddress({ from: S, nonce: 9 })
    // CallTree.sol: the constructor makes the leaf (T's nonce 1); run() then makes a CREATE2
    // leaf with salt = rounds (1), and a CREATE leaf (T's nonce 3).
    const L = ethers.getCreateAddress({ from: T, nonce: 1 })
    const salted = ethers.getCreate2Address(T, ethers.zeroPadValue('0x01', 32), ethers.keccak256(leafArtifact.bytecode))
    const created = ethers.getCreateAddress({ from: T, nonce: 3 })
    const SHA256 = '0x0000000000000000000000000000000000000002'
    const seven = ethers.AbiCoder.defaultAbiCoder().encode(['uint256'], [7])
    const leafCreate = (trace: number[], type: 'create' | 'create2', to: string): Frame => ({ trace, type, from: T, to, init: leafArtifact.bytecode, code: leafArtifact.deployedBytecode })
    const REVERTED = 'execution reverted'
    const fn = (name: string, args: unknown[] = []) => abi.encodeFunctionData(name, args)
    const transfer = (i: number): Step => ({ name: `transfer ${i}`, to: payee, data: '0x', value: 1000n + BigInt(i), gasLimit: 21_000n, frames: [call([], 'call', S, payee, { value: 1000n + BigInt(i), input: '0x' })] })

    // Nine plain transfers first, one block each, so that later blocks have numbers Blockscout
    // writes with hex letters ("0xA": integer_to_quantity upper-cases) for debug_traceBlockByNumber.
    const sequential: Step[] = [...Array(9).keys()].map(transfer)
    sequential.push({ name: 'deploy (contract creation)', data: tree.bytecode, value: 5n, gasLimit: 3_000_000n, frames: [
      { trace: [], type: 'create', from: S, to: T, value: 5n, init: tree.bytecode, code: tree.deployedBytecode }, leafCreate([0], 'create', L)] })
    // Sent as one batch: they share a block (or a few), so block mode sees several transactions.
    const batched: Step[] = [
      { name: 'run (every frame kind)', to: T, data: fn('run', [7n]), value: 3n, gasLimit: 1_000_000n, frames: [
        call([], 'call', S, T, { value: 3n }),
        call([0], 'staticcall', T, SHA256, { input: seven, output: ethers.sha256(seven) }),
        call([1], 'call', T, L, { value: 3n, input: new ethers.Interface(leafArtifact.abi).encodeFunctionData('touch', [7n]) }),
        call([2], 'call', T, L),
        call([3], 'staticcall', T, L, { error: REVERTED }),
        // CallTree gives spin exactly 30,000 gas; it burns all of it.
        call([4], 'staticcall', T, L, { error: 'out of gas', gas: 30_000, gasUsed: 30_000 }),
        // geth: a DELEGATECALL frame carries the value of the frame it runs in.
        call([5], 'delegatecall', T, L, { value: 3n }),
        leafCreate([6], 'create2', salted),
        call([7], 'call', T, salted),
        leafCreate([8], 'create', created)] },
      { name: 'explode (reverts)', to: T, data: fn('explode', [4n]), value: 0n, gasLimit: 300_000n, frames: [call([], 'call', S, T, { error: REVERTED }), call([0], 'call', T, L)] },
      { name: 'invalid (INVALID opcode)', to: T, data: fn('invalid'), value: 0n, gasLimit: 300_000n, frames: [call([], 'call', S, T, { error: 'invalid opcode: INVALID', gasUsed: 300_000 })] },
      { name: 'relay (bubbled revert)', to: T, data: fn('relay', [1n]), value: 0n, gasLimit: 300_000n, frames: [call([], 'call', S, T, { error: REVERTED }), call([0], 'staticcall', T, L, { error: REVERTED })] },
      // The leaf hands the 3 wei run() sent it to the sender.
      { name: 'killLeaf (selfdestruct)', to: T, data: fn('killLeaf'), value: 0n, gasLimit: 300_000n, frames: [
        call([], 'call', S, T), call([0], 'call', T, L), { trace: [0, 0], type: 'selfdestruct', from: L, to: S, value: 3n }] },
      transfer(9),
    ]
    const chainId = BigInt(await rpc<string>('eth_chainId'))
    const sign = (step: Step, nonce: number) => sender.signTransaction({ type: 0, chainId, nonce, gasPrice: 10_000_000_000n, gasLimit: step.gasLimit, to: step.to, data: step.data, value: step.value })
    const hashes: string[] = []
    for (const [nonce, step] of sequential.entries()) {
      hashes.push(await rpc<string>('eth_sendRawTransaction', [await sign(step, nonce)]))
      await receipt(hashes.at(-1)!)
    }
    const raws = await Promise.all(batched.map((step, i) => sign(step, sequential.length + i)))
    const answers: any[] = await post(raws.map((raw, i) => ({ jsonrpc: '2.0', id: 1000 + i, method: 'eth_sendRawTransaction', params: [raw] })))
    for (const answer of answers.sort((a, b) => a.id - b.id)) {
      if (answer.error !== undefined) throw new Error(`eth_sendRawTransaction: ${answer.error.message}`)
      hashes.push(answer.result)
    }
    const mined: Mined[] = []
    for (const [i, step] of [...sequential, ...batched].entries()) {
      const r = await receipt(hashes[i])
      mined.push({ step, hash: hashes[i], blockHash: r.blockHash, block: Number(r.blockNumber), index: Number(r.transactionIndex), gasUsed: Number(r.gasUsed) })
    }
    const blocks = [...new Set(mined.map((tx) => tx.block))]
    console.log(`node ${node.rpcUrl}: CallTree ${T}; ${mined.length} transactions in blocks ${blocks.join(', ')}`)

    // Blockscout's modules, compiled as `mix` would (from the app directory: geth.ex reads its
    // priv/js tracer at compile time), with our EthereumJSONRPC stand-in.
    const ebin = join(work, 'ebin')
    const sources = [join(here, 'blockscout/ethereum_jsonrpc_transport.ex'), ...BLOCKSCOUT_SOURCES.map((file) => join(app, 'lib/ethereum_jsonrpc', file))]
    const compiled = spawnSync('elixirc', ['--ignore-module-conflict', '-o', ebin, ...sources], { cwd: app, encoding: 'utf8' })
    if (compiled.status !== 0) throw new Error(`elixirc failed:\n${compiled.stdout}${compiled.stderr}`)
    const commit = existsSync(join(dir!, '.git')) ? spawnSync('git', ['-C', dir!, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim() : ''
    console.log(`compiled Blockscout's ${BLOCKSCOUT_SOURCES.join(', ')} from ${dir}${commit === '' ? '' : ` (commit ${commit})`}`)

    writeFileSync(join(work, 'input.json'), JSON.stringify({ transactions: mined.map((tx) => ({ hash: tx.hash, block_hash: tx.blockHash, block_number: tx.block, transaction_index: tx.index })), blocks }))
    const ran = spawnSync('elixir', ['-pa', ebin, join(here, 'blockscout/ingest.exs'), node.rpcUrl, join(work, 'input.json'), join(work, 'output.json')], { encoding: 'utf8', timeout: 300_000 })
    const log = `${ran.stdout}${ran.stderr}`.trim()
    // Blockscout logs a warning for each frame it drops (an unknown type) and errors for bad answers.
    check(ran.status === 0 && !/\[(warn|warning|error)\]/.test(log), 'Blockscout ingestion ran without crashing or logging warnings', log === '' ? [] : log.split('\n'))
    if (ran.status !== 0) return
    const output = JSON.parse(readFileSync(join(work, 'output.json'), 'utf8')) as {
      transactions: { hash: string; ok?: Params[]; error?: string; first_trace: { ok?: Params; error?: string } }[]
      blocks: { block_number: number; ok?: Params[]; error?: string }[]
    }

    console.log('fetch_internal_transactions (debug_traceTransaction, callTracer), per transaction:')
    for (const tx of mined) {
      const result = output.transactions.find((r) => r.hash === tx.hash)
      if (result?.ok === undefined) {
        check(false, `${tx.step.name}: {:ok, params}`, [result?.error ?? 'no result'])
        continue
      }
      const frames = tx.step.frames
      // Where the tracer's numbers are not derived here: the top frame is the transaction (geth:
      // gas = its gas limit, gasUsed = its receipt's gasUsed).
      const want = frames.map((frame, i) => (i === 0 ? { gas: Number(tx.step.gasLimit), gasUsed: tx.gasUsed, input: tx.step.data, ...frame } : frame))
      if (want[0].type !== 'call') delete want[0].input
      const problems = result.ok.length === want.length ? want.flatMap((frame, i) => differences(result.ok![i], frame, i, tx)) : [`got ${result.ok.length} internal transactions: ${short(result.ok.map((p) => p.call_type ?? p.type))}`]
      const kinds = want.map((f) => `${f.callType ?? f.type}${f.error === undefined ? '' : ` (${f.error})`}`).join(', ')
      // fetch_first_trace (the transaction page's top call, onlyTopCall) must give the same top call.
      const first = result.first_trace
      if (!isDeepStrictEqual(first.ok, result.ok[0])) problems.push(`fetch_first_trace: ${first.error ?? short(first.ok)}`)
      check(problems.length === 0, `${tx.step.name}: ${want.length} internal transaction(s): ${kinds}; first trace agrees`, problems)
    }

    console.log('fetch_block_internal_transactions (debug_traceBlockByNumber, callTracer), per block:')
    for (const block of output.blocks) {
      const inBlock = mined.filter((tx) => tx.block === block.block_number)
      if (block.ok === undefined) {
        check(false, `block ${block.block_number}: {:ok, params}`, [block.error ?? 'no result'])
        continue
      }
      // Block mode must give each transaction exactly what per-transaction mode gave.
      const problems = inBlock.flatMap((tx) => {
        const alone = output.transactions.find((r) => r.hash === tx.hash)?.ok
        const together = block.ok!.filter((p) => p.transaction_hash === tx.hash).sort((a, b) => (a.index as number) - (b.index as number))
        return isDeepStrictEqual(together, alone) ? [] : [`${tx.step.name}: ${short(together)}`]
      })
      if (block.ok.length !== inBlock.reduce((n, tx) => n + tx.step.frames.length, 0)) problems.push(`${block.ok.length} internal transactions in all`)
      check(problems.length === 0, `block ${block.block_number}: ${inBlock.length} transaction(s), the same internal transactions as per transaction`, problems)
    }
    check(blocks.some((n) => n >= 10), 'a traced block number has a hex letter (Blockscout sends it upper-case)')
  } finally {
    await node.stop()
    node.cleanup()
    // A failed run keeps what Blockscout was given and returned, to look at.
    if (failures.length === 0) rmSync(work, { recursive: true, force: true })
    else console.log(`Blockscout's input and output: ${work}`)
  }
}

await main()
if (failures.length > 0) {
  console.log(`blockscout-check: ${failures.length} check(s) failed`)
  process.exit(1)
}
console.log('blockscout-check: all checks passed')
