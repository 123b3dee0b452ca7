// What `busan dev` prints once it listens, as anvil prints it: the dev accounts with their
// balances and private keys, the mnemonic, the chain id, the next block's base fee, the gas
// limit and where to connect. Text log format only: a JSON log stays one object a line.
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { DEV_MNEMONIC, type DevAccount } from '@busan/chain-config'
import { headContext, headStateReader } from './pool-maintainer.ts'
import type { RunningNode } from './node.ts'

/** wei as ether with all 18 decimals, as anvil prints balances (10000.000000000000000000 ETH). */
export function formatEther(wei: bigint): string {
  const whole = wei / 10n ** 18n
  const fraction = (wei % 10n ** 18n).toString().padStart(18, '0')
  return `${whole}.${fraction}`
}

function section(title: string, lines: string[]): string {
  return [title, '='.repeat(18), '', ...lines, ''].join('\n')
}

/** The banner for `node` (its head state's balances) and the dev `accounts` it signs for. */
export async function devBanner(node: RunningNode, accounts: DevAccount[], details: { chainId: number | bigint; consensus: string; period: number; dataDir: string }): Promise<string> {
  const head = node.chain.head
  const state = headStateReader(node.chain, head)
  const balances = await Promise.all(accounts.map(async (account) => (await state.getAccount(hexToBytes(account.address as `0x${string}`))).balance))
  const { baseFee, gasLimit } = headContext(head)
  const listening = new URL(node.rpcUrl)
  return [
    '',
    section(
      'Available Accounts',
      accounts.map((account, i) => `(${i}) ${account.address} (${formatEther(balances[i])} ETH)`),
    ),
    section(
      'Private Keys',
      accounts.map((account, i) => `(${i}) ${account.privateKey}`),
    ),
    section('Wallet', [`Mnemonic:          ${DEV_MNEMONIC}`, "Derivation path:   m/44'/60'/0'/0/"]),
    section('Chain ID', [String(details.chainId)]),
    section('Base Fee', [String(baseFee)]),
    section('Gas Limit', [String(gasLimit)]),
    section('Chain', [
      `Consensus:         ${details.consensus}, ${details.period === 0 ? 'a block as soon as transactions arrive' : `a block every ${details.period} s`}, sealed by account (0)`,
      `Head:              block ${head.header.number} ${bytesToHex(head.hash())}`,
      `Data directory:    ${details.dataDir}`,
    ]),
    `Listening on ${listening.host} (JSON-RPC over HTTP ${node.rpcUrl} and WebSocket ${node.rpcUrl.replace(/^http/, 'ws')})`,
    '',
  ].join('\n')
}
