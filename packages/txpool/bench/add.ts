// Pool throughput: addRaw ingestion and the sealer's cursor drain.
//   node packages/txpool/bench/add.ts [senders=100] [txsPerSender=50] [rounds=3]
// Transactions are signed up front (signing is not the pool's cost); each round runs on a
// fresh pool over the same raw transactions, in a shuffled arrival order that keeps each
// sender's nonces ascending (as wallets send them), plus one round in reverse nonce order
// (everything queued first, then promoted).
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { Registry } from 'prom-client'
import { createChainCommon, devGenesis, privateKeyToAddress } from '@busan/chain-config'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { TxPool, type PoolAccount, type PoolStateReader } from '../src/index.ts'

const senders = Number(process.argv[2] ?? 100)
const perSender = Number(process.argv[3] ?? 50)
const rounds = Number(process.argv[4] ?? 3)
const common = createChainCommon(devGenesis())
const baseFee = 1_000_000_000n

const keys = Array.from({ length: senders }, () => new Uint8Array(randomBytes(32)))
const accounts = new Map<string, PoolAccount>()
for (const key of keys) accounts.set(Buffer.from(privateKeyToAddress(key)).toString('hex'), { nonce: 0n, balance: 10n ** 24n })
const state: PoolStateReader = {
  async getAccount(address) {
    return accounts.get(Buffer.from(address).toString('hex')) ?? { nonce: 0n, balance: 0n }
  },
}

let started = performance.now()
const bySender: Uint8Array[][] = keys.map((key, s) =>
  Array.from({ length: perSender }, (_, nonce) =>
    createFeeMarket1559Tx(
      {
        nonce,
        to: `0x${'11'.repeat(20)}`,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 3n * baseFee,
        maxPriorityFeePerGas: BigInt(1 + ((s * 7 + nonce) % 50)) * 1_000_000n,
        chainId: common.chainId(),
      },
      { common, params: {} },
    )
      .sign(key)
      .serialize(),
  ),
)
console.log(`signed ${senders * perSender} transactions in ${((performance.now() - started) / 1000).toFixed(1)} s`)

/** Interleaves senders at random, each sender's nonces in order. */
function arrivalOrder(): Uint8Array[] {
  const cursors = bySender.map(() => 0)
  const live = bySender.map((_, i) => i)
  const out: Uint8Array[] = []
  while (live.length > 0) {
    const pick = Math.floor(Math.random() * live.length)
    const s = live[pick]
    out.push(bySender[s][cursors[s]++])
    if (cursors[s] === perSender) live.splice(pick, 1)
  }
  return out
}

function newPool(): TxPool {
  return new TxPool({
    common,
    state,
    head: { baseFee, gasLimit: 60_000_000n },
    options: { maxPending: senders * perSender, maxQueuedPerSender: perSender, maxQueued: senders * perSender },
    logger: pino({ level: 'info' }),
    metrics: new Registry(),
  })
}

async function ingest(label: string, raws: Uint8Array[], concurrent: boolean): Promise<TxPool> {
  const pool = newPool()
  const t0 = performance.now()
  if (concurrent) {
    // As an RPC server sees them: many requests in flight at once.
    const batch = 256
    for (let i = 0; i < raws.length; i += batch) await Promise.all(raws.slice(i, i + batch).map((raw) => pool.addRaw(raw)))
  } else {
    for (const raw of raws) await pool.addRaw(raw)
  }
  const seconds = (performance.now() - t0) / 1000
  const { pending, queued } = pool.status()
  if (pending !== raws.length || queued !== 0) throw new Error(`unexpected pool status ${pending}/${queued}`)
  console.log(`${label.padEnd(34)} ${raws.length} txs in ${(seconds * 1000).toFixed(0)} ms = ${Math.round(raws.length / seconds)} tx/s`)
  return pool
}

function drain(pool: TxPool): void {
  const t0 = performance.now()
  const cursor = pool.executable(baseFee)
  let count = 0
  while (cursor.next() !== undefined) count++
  const ms = performance.now() - t0
  console.log(`${'executable() drain'.padEnd(34)} ${count} txs in ${ms.toFixed(1)} ms = ${Math.round(count / (ms / 1000))} tx/s`)
}

for (let round = 1; round <= rounds; round++) {
  console.log(`round ${round}`)
  await ingest('addRaw sequential (await each)', arrivalOrder(), false)
  const pool = await ingest('addRaw concurrent (256 in flight)', arrivalOrder(), true)
  drain(pool)
  const reversed = bySender.flatMap((raws) => [...raws].reverse())
  await ingest('addRaw reverse nonce (promotion)', reversed, false)
  started = performance.now()
  // A block that mines 10 per sender.
  for (const key of keys) accounts.set(Buffer.from(privateKeyToAddress(key)).toString('hex'), { nonce: 10n, balance: 10n ** 24n })
  await pool.onNewHead(state, { baseFee, gasLimit: 60_000_000n })
  console.log(`${'onNewHead (10 mined per sender)'.padEnd(34)} ${(performance.now() - started).toFixed(1)} ms, pending now ${pool.status().pending}`)
  for (const key of keys) accounts.set(Buffer.from(privateKeyToAddress(key)).toString('hex'), { nonce: 0n, balance: 10n ** 24n })
}
