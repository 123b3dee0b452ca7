// The dev chain: the 10 accounts of the well-known test mnemonic, funded as Hardhat and
// anvil fund them, so every tutorial's key works. Account #0 seals.
import { HDNodeWallet, Mnemonic } from 'ethers'
import type { GenesisFile } from './genesis.ts'

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
export const DEV_CHAIN_ID = 31337
export const DEV_ACCOUNT_COUNT = 10
/** 10,000 ETH per account, as Hardhat and anvil. */
export const DEV_ACCOUNT_BALANCE = 10_000n * 10n ** 18n
export const DEV_GAS_LIMIT = 60_000_000n

export interface DevAccount {
  address: string
  privateKey: string
}

export function devAccounts(count = DEV_ACCOUNT_COUNT): DevAccount[] {
  const mnemonic = Mnemonic.fromPhrase(DEV_MNEMONIC)
  const accounts: DevAccount[] = []
  for (let i = 0; i < count; i++) {
    const wallet = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`)
    accounts.push({ address: wallet.address, privateKey: wallet.privateKey })
  }
  return accounts
}

/** Clique extraData for a genesis or checkpoint block: vanity, signers, empty seal. */
export function cliqueGenesisExtraData(signers: string[]): string {
  const sorted = signers.map((s) => s.toLowerCase().replace(/^0x/, '')).sort()
  return `0x${'00'.repeat(32)}${sorted.join('')}${'00'.repeat(65)}`
}

export function devGenesis(options: { period?: number; accounts?: DevAccount[] } = {}): GenesisFile {
  const accounts = options.accounts ?? devAccounts()
  const alloc: GenesisFile['alloc'] = {}
  for (const account of accounts) alloc[account.address.toLowerCase()] = { balance: `0x${DEV_ACCOUNT_BALANCE.toString(16)}` }
  return {
    config: { chainId: DEV_CHAIN_ID, clique: { period: options.period ?? 2, epoch: 30_000 } },
    timestamp: '0x0',
    extraData: cliqueGenesisExtraData([accounts[0].address]),
    gasLimit: `0x${DEV_GAS_LIMIT.toString(16)}`,
    difficulty: '0x1',
    alloc,
  }
}
