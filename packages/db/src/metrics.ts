import { Gauge, type Registry } from 'prom-client'
import type { KeyValueStore } from './store.ts'

/**
 * RocksDB's WAL counters as gauges, read at scrape time: `db_wal_writes` and `db_wal_syncs`
 * since the database was opened. Every committed block is one WAL write; synced blocks
 * (`--db.sync`, and every block a sealer seals) are one sync each.
 */
export function registerDbMetrics(kv: KeyValueStore, registry: Registry): void {
  new Gauge({ name: 'db_wal_writes', help: 'RocksDB WAL writes since the database was opened', registers: [registry], collect() { this.set(kv.walStats().writes) } })
  new Gauge({ name: 'db_wal_syncs', help: 'RocksDB WAL fsyncs since the database was opened (synced block commits)', registers: [registry], collect() { this.set(kv.walStats().syncs) } })
  new Gauge({
    name: 'db_memory_bytes',
    help: "RocksDB's native memory by part: memtables (unflushed writes), table_readers (SST index and filter blocks), block_cache",
    labelNames: ['part'],
    registers: [registry],
    collect() {
      const { memtables, tableReaders, blockCache } = kv.memoryStats()
      this.set({ part: 'memtables' }, memtables)
      this.set({ part: 'table_readers' }, tableReaders)
      this.set({ part: 'block_cache' }, blockCache)
    },
  })
}
