// Sync throughput over real libp2p on 127.0.0.1: a source node holding N sealed blocks of
// M transfers, a fresh follower syncing them by range; compared with importing the same
// blocks directly (no network), which is the ceiling.
//   node packages/network/bench/sync-bench.ts [--blocks 40] [--txs 2857] [--batch 128] [--inflight 4]
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { createFeeMarket1559Tx, type TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { cleanup, common, openChain, seal, startNode, waitFor } from '../test/helpers.ts'
import { devAccounts } from '@busan/chain-config'

const { values: flags } = parseArgs({
  options: {
    blocks: { type: 'string', default: '40' },
    txs: { type: 'string', default: '2857' },
    batch: { type: 'string', default: '128' },
    inflight: { type: 'string', default: '4' },
    role: { type: 'string', default: 'follower' },
  },
})
const BLOCKS = Number(flags.blocks)
const TXS = Number(flags.txs)
const accounts = devAccounts()
const keys = accounts.map((account) => hexToBytes(account.privateKey as `0x${string}`))
const nonces = accounts.map(() => 0)

function blockTransactions(count: number): TypedTransaction[] {
  return Array.from({ length: count }, (_, i) => {
    const from = 1 + (i % (accounts.length - 1))
    return createFeeMarket1559Tx(
      { chainId: 31337n, nonce: nonces[from]++, to: accounts[0].address as `0x${string}`, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n },
      { common },
    ).sign(keys[from])
  })
}

if (flags.role === 'source') {
  // Child process: build the chain, serve it, print the address, wait to be killed.
  const source = await startNode()
  let t = performance.now()
  let signMs = 0
  for (let i = 0; i < BLOCKS; i++) {
    const s = performance.now()
    const txs = blockTransactions(TXS)
    signMs += performance.now() - s
    const block = await seal(source.chain, txs)
    if (block.transactions.length !== TXS) throw new Error(`block ${i + 1} took ${block.transactions.length} of ${TXS} transactions`)
  }
  const head = source.chain.chain.head
  const bytes = Array.from({ length: BLOCKS }, (_, i) => source.chain.chain.store.blockByNumber(BigInt(i + 1))!.serialize().length).reduce((a, b) => a + b, 0)
  console.error(`source: ${BLOCKS} blocks x ${TXS} transfers (gas used ${head.header.gasUsed} of ${head.header.gasLimit}), ${(bytes / BLOCKS / 1024).toFixed(0)} KiB per block; signing ${(signMs / 1000).toFixed(1)} s, sealing ${((performance.now() - t - signMs) / 1000).toFixed(1)} s`)
  // Ceiling: the same blocks decoded from RLP and imported, no network (what a follower must do per block).
  const direct = await openChain()
  const rlps = Array.from({ length: BLOCKS }, (_, i) => source.chain.chain.store.blockByNumber(BigInt(i + 1))!.serialize())
  t = performance.now()
  for (const rlp of rlps) await direct.chain.importBlock(direct.access.decodeBlock(rlp))
  const directSeconds = (performance.now() - t) / 1000
  console.error(`decode + import, no network: ${(BLOCKS / directSeconds).toFixed(1)} blocks/s, ${Math.round((BLOCKS * TXS) / directSeconds)} tx/s`)
  console.log(JSON.stringify({ address: source.network.multiaddrs()[0], head: bytesToHex(head.hash()), stateRoot: bytesToHex(head.header.stateRoot), directSeconds }))
  process.on('SIGTERM', () => void cleanup().then(() => process.exit(0)))
} else {
  const child = spawn(process.execPath, [import.meta.filename, '--role', 'source', '--blocks', String(BLOCKS), '--txs', String(TXS)], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const line = await new Promise<string>((resolveLine, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolveLine)
      child.once('exit', (code) => reject(new Error(`source exited with ${code}`)))
    })
    const source = JSON.parse(line) as { address: string; head: string; stateRoot: string; directSeconds: number }
    const t = performance.now()
    const follower = await startNode({ bootnodes: [source.address], options: { syncBatchBlocks: Number(flags.batch), syncRequestsInFlight: Number(flags.inflight) } })
    await waitFor('synced', () => bytesToHex(follower.chain.chain.head.hash()) === source.head, 600_000)
    const syncSeconds = (performance.now() - t) / 1000
    if (bytesToHex(follower.chain.chain.head.header.stateRoot) !== source.stateRoot) throw new Error('state root differs')
    console.log(`sync over libp2p (separate processes): ${(BLOCKS / syncSeconds).toFixed(1)} blocks/s, ${Math.round((BLOCKS * TXS) / syncSeconds)} tx/s (${syncSeconds.toFixed(2)} s including connect and handshake; ${((source.directSeconds / syncSeconds) * 100).toFixed(0)}% of direct import speed)`)
  } finally {
    child.kill('SIGTERM')
    await cleanup()
  }
}
