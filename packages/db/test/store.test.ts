import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Bucket, KeyValueStore, TrieNodeStore, WriteBatch, bucketKey, decodeNumber, encodeNumber } from '../src/index.ts'

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'busan-db-'))
}

test('staged trie nodes are readable at once but reach RocksDB only with the block batch', async () => {
  const dir = tempDir()
  try {
    let kv = await KeyValueStore.open(dir)
    const nodes = new TrieNodeStore(kv)
    await nodes.put('aa'.repeat(32), Uint8Array.of(1, 2, 3))
    assert.deepEqual(await nodes.get('aa'.repeat(32)), Uint8Array.of(1, 2, 3))
    await nodes.put('bb'.repeat(32), Uint8Array.of(4))
    const batch = new WriteBatch()
    nodes.stageInto(batch)
    batch.put(bucketKey(Bucket.canonical, encodeNumber(1n)), Uint8Array.of(9))
    await kv.write(batch)
    // A node staged after the write is lost with the process, like an unsealed block.
    await nodes.put('cc'.repeat(32), Uint8Array.of(5))
    await kv.close()

    kv = await KeyValueStore.open(dir)
    const reopened = new TrieNodeStore(kv)
    assert.deepEqual(Buffer.from((await reopened.get('aa'.repeat(32)))!), Buffer.from([1, 2, 3]))
    assert.deepEqual(Buffer.from((await reopened.get('bb'.repeat(32)))!), Buffer.from([4]))
    assert.equal(await reopened.get('cc'.repeat(32)), undefined)
    assert.deepEqual(Buffer.from(kv.getSync(bucketKey(Bucket.canonical, encodeNumber(1n)))!), Buffer.from([9]))
    await kv.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('discarded staged nodes never reach the database', async () => {
  const dir = tempDir()
  try {
    const kv = await KeyValueStore.open(dir)
    const nodes = new TrieNodeStore(kv)
    await nodes.batch([{ type: 'put', key: 'dd'.repeat(32), value: Uint8Array.of(1) }])
    nodes.discardStaged()
    const batch = new WriteBatch()
    nodes.stageInto(batch)
    assert.equal(batch.size, 0)
    assert.equal(await nodes.get('dd'.repeat(32)), undefined)
    await kv.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('range scans over a bucket come back in numeric order', async () => {
  const dir = tempDir()
  try {
    const kv = await KeyValueStore.open(dir)
    const address = new Uint8Array(20).fill(0xab)
    const batch = new WriteBatch()
    for (const n of [300n, 2n, 70_000n, 5n]) batch.put(bucketKey(Bucket.logAddress, address, encodeNumber(n)), new Uint8Array())
    batch.put(bucketKey(Bucket.logAddress, new Uint8Array(20).fill(0xac), encodeNumber(3n)), new Uint8Array())
    await kv.write(batch)
    const found: bigint[] = []
    for await (const [key] of kv.entries({ gte: bucketKey(Bucket.logAddress, address, encodeNumber(3n)), lt: bucketKey(Bucket.logAddress, address, encodeNumber(100_000n)) })) {
      found.push(decodeNumber(key, 21))
    }
    assert.deepEqual(found, [5n, 300n, 70_000n])
    await kv.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('each write applies its own batch only (one native batch is refilled for every write)', async () => {
  const dir = tempDir()
  try {
    const kv = await KeyValueStore.open(dir)
    const [k, j] = [Uint8Array.of(1), Uint8Array.of(2)]
    const put = new WriteBatch()
    put.put(k, Uint8Array.of(7))
    await kv.write(put)
    const del = new WriteBatch()
    del.del(k)
    await kv.write(del)
    const other = new WriteBatch()
    other.put(j, Uint8Array.of(8))
    await kv.write(other, { sync: true })
    // Had the native batch kept the first write's put, the last write would have restored k.
    assert.equal(kv.getSync(k), undefined)
    assert.deepEqual(Buffer.from(kv.getSync(j)!), Buffer.from([8]))
    // A write that fails (a key the binding refuses) leaves nothing behind for the next one.
    const bad = new WriteBatch()
    bad.put(Uint8Array.of(3), Uint8Array.of(9))
    bad.ops.push({ type: 'put', key: undefined as unknown as Buffer, value: Buffer.of(1) })
    await assert.rejects(kv.write(bad))
    await kv.write(other)
    assert.equal(kv.getSync(Uint8Array.of(3)), undefined)
    await kv.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("RocksDB's native memory stays within its bounds as the data grows: memtables, index and filter blocks in the block cache", async () => {
  const dir = tempDir()
  try {
    const kv = await KeyValueStore.open(dir)
    const MiB = 2 ** 20
    const keys: Uint8Array[] = []
    // 48 MiB of 32-byte keys with 160-byte values, in batches of 4,096: memtable flushes, so the
    // data lies in SST files whose index and filter blocks are read back below.
    for (let written = 0; written < 48 * MiB; written += 4096 * 192) {
      const batch = new WriteBatch()
      for (let i = 0; i < 4096; i++) {
        const key = crypto.getRandomValues(new Uint8Array(32))
        batch.put(key, crypto.getRandomValues(new Uint8Array(160)))
        if (i === 0) keys.push(key)
      }
      await kv.write(batch)
      const { memtables } = kv.memoryStats()
      // The budget's bound: at most six write buffers of 16 MiB.
      assert.ok(memtables <= 6 * 16 * MiB, `memtables ${memtables}`)
    }
    for (const key of keys) assert.equal(kv.getSync(key)?.length, 160)
    const { tableReaders, blockCache } = kv.memoryStats()
    // Index and filter blocks are charged to the block cache, not held beside each open table
    // (where these 250,000 keys' would take about 450 KiB: 10 bits of filter a key, plus the index).
    assert.ok(tableReaders < 128 * 1024, `table readers ${tableReaders}`)
    assert.ok(blockCache > 0 && blockCache <= 32 * MiB, `block cache ${blockCache}`)
    await kv.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
