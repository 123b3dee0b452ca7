// A chain that crosses every fork from Homestead to Osaka, built by a second implementation:
// EthereumJS's own BlockBuilder (buildBlock) over a Common from its own geth-genesis reader.
// Proof of work by block number (difficulty by EthereumJS's ethash rule, no real seal), the
// merge at a block, then Shanghai, Cancun, Prague and Osaka by time, with the transaction types
// of each era, withdrawals, beacon roots and an EIP-7002 withdrawal request.
import { createBlock, type Block } from '@ethereumjs/block'
import { createCommonFromGethGenesis, type Common } from '@ethereumjs/common'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { createTx, type TypedTransaction } from '@ethereumjs/tx'
import { bytesToHex, concatBytes, hexToBytes, randomBytes, type PrefixedHexString } from '@ethereumjs/util'
import { buildBlock, createVM, type VM } from '@ethereumjs/vm'
import { privateKeyToAddress } from '@busan/chain-config'
import { SYSTEM_CONTRACTS } from './system-contracts.ts'

export const SENDER_KEY = hexToBytes('0x4646464646464646464646464646464646464646464646464646464646464646')
export const SENDER = bytesToHex(privateKeyToAddress(SENDER_KEY))
export const MINER: PrefixedHexString = '0x00000000000000000000000000000000000000aa'
export const RECIPIENT: PrefixedHexString = '0x00000000000000000000000000000000000000bb'
const SECONDS_PER_BLOCK = 12

/**
 * The geth genesis: forks every two blocks, the merge at block 18, Shanghai, Cancun, Prague
 * and Osaka at the times of blocks 20, 22, 24 and 26.
 */
export function forkGenesis(chainId = 1_337_802) {
  const atTime = (block: number) => block * SECONDS_PER_BLOCK
  return {
    config: {
      chainId,
      homesteadBlock: 0,
      eip150Block: 2,
      eip155Block: 4,
      eip158Block: 4,
      byzantiumBlock: 6,
      constantinopleBlock: 8,
      petersburgBlock: 8,
      istanbulBlock: 10,
      muirGlacierBlock: 10,
      berlinBlock: 12,
      londonBlock: 14,
      arrowGlacierBlock: 16,
      grayGlacierBlock: 16,
      mergeNetsplitBlock: 18,
      terminalTotalDifficulty: 0,
      shanghaiTime: atTime(20),
      cancunTime: atTime(22),
      pragueTime: atTime(24),
      osakaTime: atTime(26),
      ethash: {},
      depositContractAddress: '0x0000000000000000000000000000000000000000',
      blobSchedule: {
        cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
        prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
        osaka: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
      },
    },
    nonce: '0x0',
    timestamp: '0x0',
    extraData: '0x666f726b73',
    gasLimit: '0x1c9c380',
    difficulty: '0x20000',
    mixHash: `0x${'00'.repeat(32)}`,
    coinbase: `0x${'00'.repeat(20)}`,
    alloc: {
      [SENDER]: { balance: '0x3635c9adc5dea00000' },
      ...Object.fromEntries(Object.values(SYSTEM_CONTRACTS).map(({ address, code }) => [address, { balance: '0x0', code }])),
    } as Record<string, { balance: string; code?: string }>,
  }
}

/** Creation code that stores 1 in slot 0, logs once and deploys nothing: PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 LOG0 STOP. */
const LOGGING_INITCODE = hexToBytes('0x600160005560006000a000')

export interface ForkChain {
  genesisHash: string
  blocks: Block[]
  /** Per block, the receipts EthereumJS produced (pre-Byzantium ones carry `stateRoot`). */
  receipts: { stateRoot?: Uint8Array; status?: number }[][]
  /** The state after the last block, as EthereumJS computed it. */
  state: MerkleStateManager
  /** The VM that built the chain, over `state` (for building on past its last block). */
  vm: VM
}

/** The transactions of block `number` under `common`'s fork: what that era allows. */
function transactionsFor(common: Common, number: number, nonce: () => bigint, baseFee: bigint | undefined): TypedTransaction[] {
  const opts = { common }
  const value = 1_000_000_000n * BigInt(number)
  const legacy = (data: Partial<{ to: PrefixedHexString; data: Uint8Array; value: bigint }>) =>
    createTx({ type: 0, nonce: nonce(), gasPrice: 10n, gasLimit: 200_000n, ...data }, opts)
  const txs: TypedTransaction[] = []
  if (!common.gteHardfork('berlin')) {
    // Unprotected before Spurious Dragon (EIP-155 did not exist), protected after.
    txs.push(legacy({ to: RECIPIENT, value }))
    if (number % 2 === 1) txs.push(legacy({ data: LOGGING_INITCODE }))
  } else if (!common.gteHardfork('london')) {
    txs.push(createTx({ type: 1, nonce: nonce(), gasPrice: 10n, gasLimit: 200_000n, to: RECIPIENT, value, accessList: [{ address: RECIPIENT, storageKeys: [] }] }, opts))
    txs.push(legacy({ data: LOGGING_INITCODE }))
  } else {
    const fees = { maxFeePerGas: (baseFee ?? 0n) * 2n + 10n, maxPriorityFeePerGas: 2n }
    txs.push(createTx({ type: 2, nonce: nonce(), gasLimit: 200_000n, to: RECIPIENT, value, ...fees }, opts))
    txs.push(createTx({ type: 2, nonce: nonce(), gasLimit: 200_000n, data: LOGGING_INITCODE, ...fees }, opts))
    if (common.gteHardfork('prague') && number === 24) {
      // An EIP-7002 withdrawal request: 48-byte validator key and 8-byte amount, with the fee as value.
      const input = concatBytes(new Uint8Array(48).fill(7), new Uint8Array(8).fill(1))
      txs.push(createTx({ type: 2, nonce: nonce(), gasLimit: 500_000n, to: SYSTEM_CONTRACTS.WITHDRAWAL_REQUESTS.address as PrefixedHexString, data: input, value: 1_000_000_000n, ...fees }, opts))
    }
  }
  return txs.map((tx) => tx.sign(SENDER_KEY))
}

/** Builds `count` blocks (at least 28 to reach Osaka) on the genesis with EthereumJS alone. */
export async function buildForkChain(genesis: ReturnType<typeof forkGenesis>, count = 28): Promise<ForkChain> {
  const common = createCommonFromGethGenesis(genesis as never, { chain: 'forks', hardfork: 'chainstart' })
  const state = new MerkleStateManager({ common })
  const alloc = Object.fromEntries(Object.entries(genesis.alloc).map(([address, account]) => [address, [account.balance, account.code, [], '0x0']]))
  await state.generateCanonicalGenesis(alloc)
  common.setHardforkBy({ blockNumber: 0n, timestamp: 0n })
  const genesisBlock = createBlock(
    { header: { ...common.genesis(), number: 0n, stateRoot: await state.getStateRoot(), difficulty: BigInt(genesis.difficulty), extraData: genesis.extraData as PrefixedHexString, gasLimit: BigInt(genesis.gasLimit) } },
    { common, setHardfork: true },
  )
  const hashes = new Map<bigint, Uint8Array>([[0n, genesisBlock.hash()]])
  const blockchain = {
    getBlock: async (number: number) => ({ hash: () => hashes.get(BigInt(number))! }),
    putBlock: async () => {},
    shallowCopy: () => blockchain,
    validateHeader: async () => {},
  }
  const vm: VM = await createVM({ common, stateManager: state, blockchain: blockchain as never })
  let nextNonce = 0n
  const nonce = () => nextNonce++
  const blocks: Block[] = []
  const receipts: ForkChain['receipts'] = []
  let parent = genesisBlock
  for (let n = 1; n <= count; n++) {
    const timestamp = BigInt(n * SECONDS_PER_BLOCK)
    vm.common.setHardforkBy({ blockNumber: BigInt(n), timestamp })
    const proofOfStake = vm.common.gteHardfork('paris')
    const builder = await buildBlock(vm, {
      parentBlock: parent,
      headerData: {
        timestamp,
        coinbase: MINER,
        // geth's rule at the London block: the gas target doubles, so the limit does.
        ...(BigInt(n) === vm.common.hardforkBlock('london') ? { gasLimit: parent.header.gasLimit * 2n } : {}),
        ...(proofOfStake ? { difficulty: 0n } : {}),
        ...(vm.common.isActivatedEIP(4788) ? { parentBeaconBlockRoot: randomBytes(32) } : {}),
      },
      withdrawals: vm.common.isActivatedEIP(4895) ? [{ index: BigInt(n * 2), validatorIndex: 5n, address: RECIPIENT, amount: 32n }, { index: BigInt(n * 2 + 1), validatorIndex: 6n, address: MINER, amount: 0n }] : undefined,
      blockOpts: { putBlockIntoBlockchain: false, ...(proofOfStake ? {} : { calcDifficultyFromHeader: parent.header }) },
    })
    for (const tx of transactionsFor(vm.common, n, nonce, builder['headerData'].baseFeePerGas as bigint | undefined)) await builder.addTransaction(tx)
    const { block } = await builder.build()
    receipts.push(builder.transactionReceipts.map((receipt) => receipt as { stateRoot?: Uint8Array; status?: number }))
    hashes.set(block.header.number, block.hash())
    blocks.push(block)
    parent = block
  }
  return { genesisHash: bytesToHex(genesisBlock.hash()), blocks, receipts, state, vm }
}
