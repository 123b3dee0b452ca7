import { Common, Hardfork, parseGethGenesis, type ChainConfig, type GethGenesis } from '@ethereumjs/common'
import { paramsBlock } from '@ethereumjs/block'
import { paramsTx } from '@ethereumjs/tx'
import { paramsVM } from '@ethereumjs/vm'
import { paramsEVM } from '@ethereumjs/evm'
import { nativeCrypto } from './crypto.ts'
import { isProofOfAuthority, type GenesisFile } from './genesis.ts'
import { lazyKzg } from './kzg.ts'

/** The fork of a Busan genesis that names no fork fields: every fork through it from block 0. */
export const HARDFORK = 'prague'

/** Default EIP-1559 base fee of the genesis block (1 gwei, as geth). */
export const INITIAL_BASE_FEE = 1_000_000_000n

/**
 * geth's fork fields in `config` (EthereumJS's parseGethGenesis maps them to its hardforks). A
 * genesis naming any of them gets exactly that schedule; a proof-of-authority one naming none
 * runs every fork through Prague from block 0 (the Busan default).
 */
const GETH_FORK_FIELDS = [
  'homesteadBlock', 'daoForkBlock', 'eip150Block', 'eip155Block', 'eip158Block', 'byzantiumBlock', 'constantinopleBlock', 'petersburgBlock',
  'istanbulBlock', 'muirGlacierBlock', 'berlinBlock', 'londonBlock', 'arrowGlacierBlock', 'grayGlacierBlock', 'mergeNetsplitBlock',
  'terminalTotalDifficulty', 'shanghaiTime', 'cancunTime', 'pragueTime', 'osakaTime', 'bpo1Time', 'bpo2Time', 'bpo3Time', 'bpo4Time', 'bpo5Time',
] as const

/**
 * geth's DAO fork settings (`daoForkBlock`, `daoForkSupport`), undefined when the genesis names
 * no DAO block. With support, the block moves the DAO accounts' ether to the refund contract and
 * it and the 9 after it carry the extra-data "dao-hard-fork"; without, none of the ten may.
 */
export function daoFork(genesis: GenesisFile): { block: bigint; support: boolean } | undefined {
  const { daoForkBlock, daoForkSupport } = genesis.config as { daoForkBlock?: unknown; daoForkSupport?: unknown }
  if (daoForkBlock === undefined || daoForkBlock === null) return undefined
  return { block: BigInt(daoForkBlock as number), support: daoForkSupport === true }
}

/** Whether the genesis gives its own fork schedule (geth's `config` fork fields). */
export function hasForkSchedule(genesis: GenesisFile): boolean {
  const config = genesis.config as unknown as Record<string, unknown>
  return GETH_FORK_FIELDS.some((field) => config[field] !== undefined)
}

/** The Busan default: chainstart through Gray Glacier at block 0, Shanghai through Prague at time 0. */
function defaultHardforks(): ChainConfig['hardforks'] {
  const atBlock0 = ['chainstart', 'homestead', 'tangerineWhistle', 'spuriousDragon', 'byzantium', 'constantinople', 'petersburg', 'istanbul', 'muirGlacier', 'berlin', 'london', 'arrowGlacier', 'grayGlacier']
  const atTime0 = ['shanghai', 'cancun', 'prague']
  return [...atBlock0.map((name) => ({ name, block: 0 })), ...atTime0.map((name) => ({ name, block: null, timestamp: 0 }))]
}

/**
 * The chain configuration of a genesis with geth fork fields, through EthereumJS's own reader
 * (fork blocks and times, `blobSchedule` into per-fork blob parameters). A proof-of-authority
 * chain never merges: Paris and the merge netsplit block are dropped so PREVRANDAO stays
 * DIFFICULTY and headers keep PoA rules, as on geth's Clique and Besu's QBFT networks.
 */
function gethScheduleChain(genesis: GenesisFile): ChainConfig {
  // EthereumJS's DAO hardfork is the pro-fork side's state change; geth makes it only with
  // `daoForkSupport` (a no-fork chain such as Ethereum Classic names the block without it).
  const config = daoFork(genesis)?.support === false ? { ...genesis.config, daoForkBlock: undefined } : genesis.config
  const parsed = parseGethGenesis({ difficulty: '0x1', nonce: '0x0', timestamp: '0x0', ...genesis, config } as unknown as GethGenesis) as unknown as ChainConfig & { hardfork?: string }
  if (isProofOfAuthority(genesis)) parsed.hardforks = parsed.hardforks.filter((fork) => fork.name !== Hardfork.Paris && fork.name !== Hardfork.MergeNetsplitBlock)
  delete parsed.hardfork
  // parseGethGenesis gives each blobSchedule fork its blob gas per block, but from BPO1 on
  // EthereumJS's getBlobGasSchedule reads blob counts (`target`, `max`): give it those too.
  const schedule = (genesis.config.blobSchedule ?? {}) as Record<string, { target: number; max: number }>
  const custom = (parsed as { customHardforks?: Record<string, { params?: Record<string, unknown> }> }).customHardforks ?? {}
  for (const [fork, { target, max }] of Object.entries(schedule)) {
    if (custom[fork]?.params !== undefined) Object.assign(custom[fork].params!, { target, max })
  }
  return parsed
}

/**
 * The EthereumJS `Common` for a chain, at the last fork of its schedule (blocks and calls
 * switch to their own fork with `commonAt`).
 *
 * Choices here are deliberate:
 * - A proof-of-authority chain (Clique, QBFT) never reaches Paris (see gethScheduleChain).
 * - Its consensus is declared as an algorithm EthereumJS does not know. EthereumJS then
 *   applies no consensus rules of its own (our consensus package owns Clique and QBFT), and the
 *   VM credits fees to `header.coinbase` and answers COINBASE from it. The executor runs each
 *   block against a header whose coinbase is the block's author, which is what geth does.
 *   Declaring `poa` instead would make the VM recover the signer with pure-JS secp256k1 once
 *   per transaction. An imported proof-of-work chain keeps EthereumJS's `ethash` (its rewards).
 * - KZG (blob transactions, the point-evaluation precompile) is micro-eth-signer's (kzg.ts).
 */
export function createChainCommon(genesis: GenesisFile): Common {
  // geth runs a genesis without fork fields under Frontier rules; a Busan (PoA) one runs the default.
  const chain: ChainConfig = hasForkSchedule(genesis) || !isProofOfAuthority(genesis)
    ? gethScheduleChain(genesis)
    : {
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
        hardforks: defaultHardforks(),
        bootstrapNodes: [],
        consensus: { type: 'pow', algorithm: 'ethash' },
      }
  chain.name = 'busan'
  if (isProofOfAuthority(genesis)) chain.consensus = { type: 'pow', algorithm: 'busan-engine' } as unknown as ChainConfig['consensus']
  const lastFork = chain.hardforks[chain.hardforks.length - 1].name
  const common = new Common({ chain, hardfork: lastFork, customCrypto: { ...nativeCrypto, kzg: lazyKzg } })
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

const forkCopies = new WeakMap<Common, Map<string, Common>>()

/**
 * `common` at the fork in force at block `number` with `timestamp` (unix seconds): `common`
 * itself when that is its fork, else one shared copy per fork, made once. Treat the result as
 * read-only: whoever needs to switch forks (the block executor) keeps a copy of its own.
 */
export function commonAt(common: Common, number: bigint, timestamp: bigint): Common {
  const fork = common.getHardforkBy({ blockNumber: number, timestamp })
  if (fork === common.hardfork()) return common
  let copies = forkCopies.get(common)
  if (copies === undefined) forkCopies.set(common, (copies = new Map()))
  let copy = copies.get(fork)
  if (copy === undefined) {
    copy = common.copy()
    copy.setHardfork(fork)
    copies.set(fork, copy)
  }
  return copy
}
