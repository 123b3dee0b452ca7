// Block building leaves out transactions that fail EthereumJS's validity checks, and says why:
// each reason is classified from the library's real error (so an EthereumJS upgrade that
// rewords one shows up here), logged, and counted in chain_build_skipped_transactions_total.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createFeeMarket1559Tx, type TypedTransaction } from '@ethereumjs/tx'
import { hexToBytes } from '@ethereumjs/util'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { createChainCommon, devAccounts, devGenesis } from '@busan/chain-config'
import { KeyValueStore } from '@busan/db'
import { Chain, ChainMetrics, CliqueEngine, type TransactionSource } from '../src/index.ts'

// A 10M gas limit: under Osaka no transaction may carry more than 2^24 gas, so one that does
// not fit a block must come from a smaller block.
const genesis = { ...devGenesis({ period: 0 }), gasLimit: '0x989680' }
const common = createChainCommon(genesis)
const accounts = devAccounts()
const key = (i: number) => hexToBytes(accounts[i].privateKey as `0x${string}`)
const GWEI = 1_000_000_000n
const dir = mkdtempSync(join(tmpdir(), 'busan-skip-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function tx(from: number, fields: { nonce?: bigint; value?: bigint; gasLimit?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint }): TypedTransaction {
  return createFeeMarket1559Tx(
    { nonce: 0n, to: `0x${'11'.repeat(20)}`, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI, chainId: common.chainId(), ...fields },
    { common },
  ).sign(key(from))
}

test('each invalid transaction is left out with its reason, logged and counted', async () => {
  const kv = await KeyValueStore.open(dir)
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  const registry = new Registry()
  const engine = new CliqueEngine(kv, genesis.config.clique!)
  const chain = await Chain.open({ kv, common, genesis, engine, logger, metrics: new ChainMetrics(registry) })
  const cases: [TypedTransaction, string][] = [
    [tx(1, { nonce: 5n }), 'nonce'],
    [tx(2, { value: 10n ** 30n }), 'insufficient_funds'],
    [tx(3, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }), 'fee_cap_below_base_fee'],
    [tx(4, { gasLimit: 20_000n }), 'intrinsic_gas'],
    [tx(5, { gasLimit: 12_000_000n }), 'gas_limit'],
  ]
  const valid = tx(6, {})
  const queue = [...cases.map(([t]) => t), valid]
  const source: TransactionSource = { next: () => (queue.length > 0 ? { tx: queue[0], sender: queue.shift()!.getSenderAddress().bytes } : undefined), skipSender: () => {} }
  const parent = chain.head
  const plan = await engine.plan(parent.header, hexToBytes(accounts[0].address as `0x${string}`), Date.now())
  assert.ok(!('refused' in plan))
  const sealed = await chain.produceBlock({ parent, plan, signer: hexToBytes(accounts[0].address as `0x${string}`), privateKey: key(0), producer: engine, source, requireTransactions: false })
  assert.deepEqual(sealed?.block.transactions.map((t) => t.hash()), [valid.hash()], 'only the valid transaction is in the block')
  const metric = await registry.getSingleMetric('chain_build_skipped_transactions_total')!.get()
  const counted = Object.fromEntries(metric.values.map((v) => [v.labels.reason, v.value]))
  assert.deepEqual(counted, Object.fromEntries(cases.map(([, reason]) => [reason, 1])))
  const logged = lines.filter((line) => line.msg === 'block building skipped a transaction').map((line) => line.reason)
  assert.deepEqual(logged, cases.map(([, reason]) => reason))
  await kv.close()
})
