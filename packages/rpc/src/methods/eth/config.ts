// eth_capabilities (execution-apis: what history this node serves, for RPC routers) and
// eth_config (EIP-7910): the fork the chain runs now, as a client's configuration sees it,
// so a client or operator can check two nodes agree before the next fork. Read from the same
// EthereumJS Common that executes blocks, so it cannot drift from the rules applied.
import type { Common } from '@ethereumjs/common'
import { getActivePrecompiles } from '@ethereumjs/evm'
import { method, type MethodTable } from '../../context.ts'
import { hex, quantity } from '../../format.ts'

/** EIP-7910's precompile names (geth's), by address. */
const PRECOMPILE_NAMES: Record<string, string> = {
  '0x0000000000000000000000000000000000000001': 'ECREC',
  '0x0000000000000000000000000000000000000002': 'SHA256',
  '0x0000000000000000000000000000000000000003': 'RIPEMD160',
  '0x0000000000000000000000000000000000000004': 'ID',
  '0x0000000000000000000000000000000000000005': 'MODEXP',
  '0x0000000000000000000000000000000000000006': 'BN254_ADD',
  '0x0000000000000000000000000000000000000007': 'BN254_MUL',
  '0x0000000000000000000000000000000000000008': 'BN254_PAIRING',
  '0x0000000000000000000000000000000000000009': 'BLAKE2F',
  '0x000000000000000000000000000000000000000a': 'KZG_POINT_EVALUATION',
  '0x000000000000000000000000000000000000000b': 'BLS12_G1ADD',
  '0x000000000000000000000000000000000000000c': 'BLS12_G1MSM',
  '0x000000000000000000000000000000000000000d': 'BLS12_G2ADD',
  '0x000000000000000000000000000000000000000e': 'BLS12_G2MSM',
  '0x000000000000000000000000000000000000000f': 'BLS12_PAIRING_CHECK',
  '0x0000000000000000000000000000000000000010': 'BLS12_MAP_FP_TO_G1',
  '0x0000000000000000000000000000000000000011': 'BLS12_MAP_FP2_TO_G2',
  '0x0000000000000000000000000000000000000100': 'P256VERIFY',
}

/** The system contracts a fork's blocks call (EIP-4788, EIP-2935, EIP-7002, EIP-7251) and EIP-6110's deposit contract. */
function systemContracts(common: Common): Record<string, string> {
  const contracts: Record<string, string> = {}
  if (common.gteHardfork('cancun')) contracts.BEACON_ROOTS_ADDRESS = '0x000f3df6d732807ef1319fb7b8bb8522d0beac02'
  if (common.gteHardfork('prague')) {
    contracts.CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS = '0x0000bbddc7ce488642fb579f8b00f3a590007251'
    // The genesis names no deposit contract (a PoA chain has no beacon deposits): geth reports the zero address then.
    contracts.DEPOSIT_CONTRACT_ADDRESS = '0x0000000000000000000000000000000000000000'
    contracts.HISTORY_STORAGE_ADDRESS = '0x0000f90827f1c53a10cb7a02335b175320002935'
    contracts.WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS = '0x00000961ef480eb55e80d19ad83579a64c007002'
  }
  return contracts
}

/** EIP-7910's blob schedule of the fork (EIP-4844/7691: blob counts, not gas), or null before Cancun. */
function blobSchedule(common: Common): { target: number; max: number; baseFeeUpdateFraction: number } | null {
  if (!common.gteHardfork('cancun')) return null
  const perBlob = common.param('blobGasPerBlob')
  return {
    target: Number(common.param('targetBlobGasPerBlock') / perBlob),
    max: Number(common.param('maxBlobGasPerBlock') / perBlob),
    baseFeeUpdateFraction: Number(common.param('blobGasPriceUpdateFraction')),
  }
}

/** One fork's EIP-7910 object; `common` is set to that fork. */
function forkConfig(common: Common, fork: string, genesisHash: Uint8Array, genesisTime: bigint, chainId: bigint) {
  const activation = BigInt(common.hardforkTimestamp(fork) ?? 0n)
  const precompiles = Object.fromEntries(
    [...getActivePrecompiles(common).keys()]
      .map((address) => `0x${address}`)
      .filter((address) => PRECOMPILE_NAMES[address] !== undefined)
      .map((address) => [PRECOMPILE_NAMES[address], address])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  )
  return {
    activationTime: Number(activation <= genesisTime ? 0n : activation),
    blobSchedule: blobSchedule(common),
    chainId: quantity(chainId),
    forkId: common.forkHash(fork, genesisHash),
    precompiles,
    systemContracts: systemContracts(common),
  }
}

/** What an archive node serves from genesis on, with nothing ever pruned (no deleteStrategy). */
const FROM_GENESIS = { disabled: false, oldestBlock: '0x0' }

export const configMethods: MethodTable = {
  /**
   * execution-apis eth_capabilities: the head and, per kind of data (state, tx, logs,
   * receipts, blocks, stateproofs), the oldest block served. This node is an archive node
   * that never prunes: every kind from block 0.
   */
  eth_capabilities: method([], (ctx) => {
    const head = ctx.backend.chain.latest()
    return {
      head: { number: quantity(head.block.header.number), hash: hex(head.hash) },
      state: FROM_GENESIS,
      tx: FROM_GENESIS,
      logs: FROM_GENESIS,
      receipts: FROM_GENESIS,
      blocks: FROM_GENESIS,
      stateproofs: FROM_GENESIS,
    }
  }),

  /**
   * EIP-7910 eth_config: `{current, next, last}`, each `{activationTime, blobSchedule, chainId,
   * forkId, precompiles, systemContracts}` (activationTime 0 for a fork active at genesis;
   * forkId EIP-2124's CRC32); next is the first timestamp fork after the head's, last the final
   * one scheduled, both null when none is (geth's answer).
   */
  eth_config: method([], async (ctx) => {
    const { chain } = ctx.backend
    const head = chain.latest().block.header
    const genesis = (await chain.blockByNumber(0n))!.block
    const common = chain.common.copy()
    const at = (fork: string) => {
      common.setHardfork(fork)
      return forkConfig(common, fork, genesis.hash(), genesis.header.timestamp, chain.chainId)
    }
    const current = common.setHardforkBy({ blockNumber: head.number, timestamp: head.timestamp })
    const later = common.hardforks().filter((fork) => fork.timestamp !== undefined && fork.timestamp !== null && BigInt(fork.timestamp) > head.timestamp)
    return {
      current: at(current),
      next: later.length === 0 ? null : at(later[0].name),
      last: later.length === 0 ? null : at(later[later.length - 1].name),
    }
  }),
}
