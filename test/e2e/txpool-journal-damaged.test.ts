// A damaged or foreign transaction journal (<datadir>/transactions.rlp) never holds up or
// crashes a real node's start: reading stops at the first item that is not a transaction
// (as geth's does) with one warn line, and a file over the size limit is moved aside for the
// operator, unread. Each case starts a dev node on a data directory holding such a file.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { tempDataDir } from '@busan/testkit'
import { journalItem, readJournal } from '@busan/txpool'
import { startE2ENode, waitFor, type E2ENode } from './helpers/node.ts'

const JOURNAL = 'transactions.rlp'
const MiB = 1024 * 1024
/** A dev node starts in a few seconds; before the fix 1 MB of zeros took 93 s, 20 MB never ended. */
const PROMPT_START_MS = 30_000

/** Starts a dev node on a data directory whose journal holds `content` (or is made by `make`); returns it and how long it took. */
async function startWithJournal(make: (path: string) => void): Promise<{ e: E2ENode; ms: number }> {
  const dataDir = tempDataDir('busan-journal-damaged-')
  make(join(dataDir, JOURNAL))
  const started = performance.now()
  const e = await startE2ENode({ dataDir })
  return { e, ms: performance.now() - started }
}

function warnings(e: E2ENode, msg: string): Record<string, unknown>[] {
  return e.node.logs.filter((entry) => entry.level === 40 && entry.msg === msg)
}

const STOPPED = 'transaction journal: reading stopped at an item that is not a transaction, the rest is skipped'

describe('a damaged transaction journal', { timeout: 120_000 }, () => {
  it('keeps the transactions before the first item that is not one, skips the rest (1 MB of zero bytes), and starts at once', async () => {
    const wallet = new ethers.Wallet(devAccounts()[1].privateKey)
    const raw = ethers.getBytes(
      await wallet.signTransaction({ type: 2, chainId: 31337, nonce: 0, to: devAccounts()[2].address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n }),
    )
    const { e, ms } = await startWithJournal((path) => writeFileSync(path, new Uint8Array([...journalItem(raw), ...new Uint8Array(MiB)])))
    try {
      assert.ok(ms < PROMPT_START_MS, `started in ${Math.round(ms)} ms`)
      assert.deepEqual(
        warnings(e, STOPPED).map(({ journaled, added, skippedBytes }) => ({ journaled, added, skippedBytes })),
        [{ journaled: 1, added: 1, skippedBytes: MiB }],
        'one warn line: how many were loaded, how many bytes skipped',
      )
      // The journaled transaction went back into the pool, and the dev node (period 0) mines it.
      const hash = ethers.keccak256(raw)
      const receipt = await waitFor(() => e.provider.getTransactionReceipt(hash), 15_000, `receipt of ${hash}`, e.node)
      assert.equal(receipt.status, 1)
      // The journal was rewritten from the pool at start: the zero bytes are gone.
      assert.ok(statSync(join(e.node.dataDir, JOURNAL)).size < 1024)
    } finally {
      await e.stop()
    }
  })

  it('starts at once on 20 MB of zero bytes, loading nothing', async () => {
    const { e, ms } = await startWithJournal((path) => writeFileSync(path, new Uint8Array(20 * MiB)))
    try {
      assert.ok(ms < PROMPT_START_MS, `started in ${Math.round(ms)} ms`)
      assert.deepEqual(warnings(e, STOPPED).map(({ journaled, skippedBytes }) => ({ journaled, skippedBytes })), [{ journaled: 0, skippedBytes: 20 * MiB }])
      assert.deepEqual(readJournal(readFileSync(join(e.node.dataDir, JOURNAL))), { raws: [], damaged: 0 })
    } finally {
      await e.stop()
    }
  })

  it('moves a journal over 256 MiB aside unread (a sparse 2 GiB file) and journals afresh', async () => {
    const size = 2 ** 31 + 1
    const { e, ms } = await startWithJournal((path) => {
      writeFileSync(path, '')
      truncateSync(path, size)
    })
    try {
      assert.ok(ms < PROMPT_START_MS, `started in ${Math.round(ms)} ms`)
      const [warning] = warnings(e, 'transaction journal not loaded: moved aside, starting without it')
      assert.equal(warning?.reason, 'too large', JSON.stringify(warning))
      assert.equal(warning?.bytes, size)
      const aside = readdirSync(e.node.dataDir).filter((name) => name.startsWith(`${JOURNAL}.unread-`))
      assert.deepEqual(aside.map((name) => join(e.node.dataDir, name)), [warning?.movedTo])
      assert.equal(statSync(join(e.node.dataDir, aside[0])).size, size, 'left whole for the operator')
      assert.equal(statSync(join(e.node.dataDir, JOURNAL)).size, 0, 'a new, empty journal')
      assert.ok(!e.node.logs.some((entry) => (entry.level as number) >= 50), 'nothing logged at error')
    } finally {
      await e.stop()
    }
  })
})
