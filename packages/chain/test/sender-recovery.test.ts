import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { createChainCommon, devAccounts, devGenesis } from '@busan/chain-config'
import { SenderRecovery } from '../src/sender-recovery.ts'

test('the worker recovers the same senders the main thread would, into the transactions themselves', async () => {
  const common = createChainCommon(devGenesis())
  const accounts = devAccounts(3)
  const txs = accounts.flatMap((account, i) => {
    const key = hexToBytes(account.privateKey as `0x${string}`)
    return [
      createFeeMarket1559Tx({ chainId: 31337n, nonce: i, to: accounts[0].address as `0x${string}`, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n }, { common }).sign(key),
      createLegacyTx({ nonce: i, to: accounts[0].address as `0x${string}`, gasLimit: 21_000n, gasPrice: 10n ** 10n }, { common }).sign(key),
    ]
  })
  const recovery = new SenderRecovery()
  recovery.prefetch(txs)
  const cached = () => txs.filter((tx) => (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey !== undefined).length
  const deadline = Date.now() + 5000
  while (cached() < txs.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
  assert.equal(cached(), txs.length)
  txs.forEach((tx, i) => assert.equal(bytesToHex(tx.getSenderAddress().bytes), accounts[Math.floor(i / 2)].address.toLowerCase()))
})
