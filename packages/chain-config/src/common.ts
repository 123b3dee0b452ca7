import { Common, type ChainConfig } from '@ethereumjs/common'
import { paramsBlock } from '@ethereumjs/block'
import { paramsTx } from '@ethereumjs/tx'
import { paramsVM } from '@ethereumjs/vm'
import { paramsEVM } from '@ethereumjs/evm'
import { nativeCrypto } from './crypto.ts'
import type { GenesisFile } from './genesis.ts'

export const HARDFORK = 'prague'

/** Default EIP-1559 base fee of the genesis block (1 gwei, as geth). */
export const INITIAL_BASE_FEE = 1_000_000_000n

/**
 * The EthereumJS `Common` for a Busan chain.
 *
 * Two choices here are deliberate:
 * - The hardfork list skips Paris and the merge netsplit block. A Clique chain has no beacon
 *   chain, so PREVRANDAO must stay DIFFICULTY (as in geth's Clique), and EthereumJS would
 *   otherwise switch to proof-of-stake header rules (difficulty 0, 32-byte extraData).
 * - The consensus is declared as an algorithm EthereumJS does not know. EthereumJS then
 *   applies no consensus rules of its own (our consensus package owns Clique), and the VM
 *   credits fees to `header.coinbase` and answers COINBASE from it. The executor runs each
 *   block against a header whose coinbase is the Clique signer, which is what geth does
 *   (the block's author is the fee recipient). Declaring `poa` instead would make the VM
 *   recover the signer with pure-JS secp256k1 once per transaction.
 */
export function createChainCommon(genesis: GenesisFile): Common {
  const atBlock0 = ['chainstart', 'homestead', 'tangerineWhistle', 'spuriousDragon', 'byzantium', 'constantinople', 'petersburg', 'istanbul', 'muirGlacier', 'berlin', 'london', 'arrowGlacier', 'grayGlacier']
  const atTime0 = ['shanghai', 'cancun', 'prague']
  const chain: ChainConfig = {
    name: 'busan',
    chainId: genesis.config.chainId,
    genesis: {
      gasLimit: genesis.gasLimit as `0x${string}`,
      difficulty: (genesis.difficulty ?? '0x1') as `0x${string}`,
      nonce: '0x0000000000000000',
      extraData: genesis.extraData as `0x${string}`,
      timestamp: (genesis.timestamp ?? '0x0') as `0x${string}`,
      baseFeePerGas: (genesis.baseFeePerGas ?? `0x${INITIAL_BASE_FEE.toString(16)}`) as `0x${string}`,
    },
    hardforks: [
      ...atBlock0.map((name) => ({ name, block: 0 })),
      ...atTime0.map((name) => ({ name, block: null, timestamp: 0 })),
    ],
    bootstrapNodes: [],
    consensus: { type: 'pow', algorithm: 'busan-engine' } as unknown as ChainConfig['consensus'],
  }
  const common = new Common({ chain, hardfork: HARDFORK, customCrypto: nativeCrypto })
  // Seed every parameter table once. Every transaction, header and block constructor then
  // copies the Common and calls `updateParams(opts.params ?? defaults)`, which deep-copies the
  // tables and rebuilds the parameter cache even for `params: {}`: a third of the cost of
  // decoding a transaction. An own, enumerable override (so `copy()` carries it) skips
  // empty updates; the copies share the already built cache, which is replaced, never
  // mutated, when a copy does update.
  for (const table of [paramsBlock, paramsTx, paramsEVM, paramsVM]) common.updateParams(table)
  Object.defineProperty(common, 'updateParams', {
    value: function updateNonEmptyParams(this: Common, params: Parameters<Common['updateParams']>[0]) {
      if (Object.keys(params).length > 0) Common.prototype.updateParams.call(this, params)
    },
    enumerable: true,
  })
  return common
}
