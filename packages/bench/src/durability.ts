// What a synced WAL costs per block (issue 7, `--db.sync`): block-sized RocksDB write batches
// written through the node's own KeyValueStore on a fresh data directory, without and with
// fsync of the WAL, in one run. The unsynced write is the baseline.
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { KeyValueStore, WriteBatch } from '@busan/db'
import { percentile, tempDataDir } from '@busan/testkit'

export interface DurabilityFigures {
  /** Trie nodes and chain entries per batch, and their bytes. */
  entries: number
  bytes: number
  unsyncedMedianMs: number
  syncedMedianMs: number
  syncedP99Ms: number
}

/** A batch shaped like a block of about 100 transfers: ~600 trie nodes of ~120 bytes and the block's chain entries. */
function blockBatch(entries: number): { batch: WriteBatch; bytes: number } {
  const batch = new WriteBatch()
  let bytes = 0
  for (let i = 0; i < entries; i++) {
    const value = randomBytes(120)
    batch.put(randomBytes(33), value)
    bytes += 33 + value.length
  }
  return { batch, bytes }
}

export async function measureDurability(blocks = 200, entries = 600): Promise<DurabilityFigures> {
  const dir = tempDataDir('busan-bench-db-')
  const kv = await KeyValueStore.open(join(dir, 'chaindata'))
  try {
    const time = async (sync: boolean) => {
      const samples: number[] = []
      for (let i = 0; i < blocks; i++) {
        const { batch } = blockBatch(entries)
        const started = performance.now()
        await kv.write(batch, { sync })
        samples.push(performance.now() - started)
      }
      return samples
    }
    const unsynced = await time(false)
    const synced = await time(true)
    return { entries, bytes: blockBatch(entries).bytes, unsyncedMedianMs: percentile(unsynced, 50), syncedMedianMs: percentile(synced, 50), syncedP99Ms: percentile(synced, 99) }
  } finally {
    await kv.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export function durabilityTable(f: DurabilityFigures): string {
  return `| block write batch (${f.entries} entries, ${(f.bytes / 1024).toFixed(0)} KiB) | unsynced (median) | WAL fsynced, --db.sync (median / p99) |\n| --- | --- | --- |\n| per block | ${f.unsyncedMedianMs.toFixed(2)} ms | ${f.syncedMedianMs.toFixed(2)} / ${f.syncedP99Ms.toFixed(2)} ms |`
}
