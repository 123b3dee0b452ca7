// A dev chain (Clique, period 0, sealed by dev account #0) run in this process on a RocksDB
// directory, without JSON-RPC, the pool or the network: what the bench's execution and
// eth_getLogs phases build their blocks with, and tests that need a long chain fast (about a
// thousand empty blocks a second). Its own export (`@busan/testkit/in-process-chain`), so a test
// that only starts node processes does not load the chain packages.
import type { Block } from '@ethereumjs/block'
import { createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { hexToBytes } from '@ethereumjs/util'
import { pino } from 'pino'
import { Chain, CliqueEngine, type TransactionSource } from '@busan/chain'
import { createChainCommon, devAccounts, devGenesis } from '@busan/chain-config'
import { KeyValueStore } from '@busan/db'

export const genesis = devGenesis({ period: 0 })
const common = createChainCommon(genesis)
const sealer = devAccounts()[0]
/** Dev account #0, the chain's only sealer (and the phases' deployer). */
export const sealerKey = hexToBytes(sealer.privateKey as `0x${string}`)
export const sealerAddress = hexToBytes(sealer.address as `0x${string}`)

export interface InProcessChain {
  chain: Chain
  engine: CliqueEngine
  kv: KeyValueStore
}

/** Opens (or creates) the chain in RocksDB directory `dir`; `evmPatches` false runs the EVM's steps as EthereumJS does (Chain's option). */
export async function openInProcessChain(dir: string, evmPatches = true): Promise<InProcessChain> {
  const kv = await KeyValueStore.open(dir)
  const engine = new CliqueEngine(kv, genesis.config.clique!)
  const chain = await Chain.open({ kv, common, genesis, engine, logger: pino({ level: 'silent' }), metrics: null, evmPatches })
  return { chain, engine, kv }
}

/** A signed transaction (0x-hex RLP) decoded for this chain. */
export function decode(raw: string): TypedTransaction {
  return createTxFromRLP(hexToBytes(raw as `0x${string}`), { common })
}

/** Seals one block on the head holding exactly `txs` (all of them must fit and be valid; none makes an empty block). */
export async function seal({ chain, engine }: InProcessChain, txs: TypedTransaction[]): Promise<Block> {
  let i = 0
  const source: TransactionSource = { next: () => (i < txs.length ? { tx: txs[i], sender: txs[i++].getSenderAddress().bytes } : undefined), skipSender: () => {} }
  const plan = await engine.plan(chain.head.header, sealerAddress, Date.now())
  if ('refused' in plan) throw new Error(`sealer refused: ${plan.refused}`)
  const sealed = await chain.produceBlock({ parent: chain.head, plan, signer: sealerAddress, privateKey: sealerKey, producer: engine, source, requireTransactions: false })
  if (sealed === undefined || sealed.block.transactions.length !== txs.length) throw new Error(`block ${chain.head.header.number + 1n}: sealed ${sealed?.block.transactions.length ?? 0} of ${txs.length} transactions`)
  return sealed.block
}
