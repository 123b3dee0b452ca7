// Starts real node processes on temporary data directories for tests and benchmarks.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startNodeProcess, type NodeProcess } from './node-process.ts'

export interface DevNodeOptions {
  /** Clique period in seconds; 0 seals as soon as transactions are pending. Default 0. */
  period?: number
  /** Reuse a data directory (restart tests); a fresh temporary one otherwise. */
  dataDir?: string
  /** 'debug' or 'trace' for more; quieter levels are raised to 'info', whose lines say where the node listens. */
  logLevel?: 'info' | 'debug' | 'trace' | 'warn' | 'error'
  extraArgs?: string[]
}

/** A dev-chain node process (`busan dev`). */
export type DevNode = NodeProcess

export function tempDataDir(prefix = 'busan-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function startDevNode(options: DevNodeOptions = {}): Promise<DevNode> {
  const dataDir = options.dataDir ?? tempDataDir()
  const logLevel = options.logLevel === 'debug' || options.logLevel === 'trace' ? options.logLevel : 'info'
  const args = ['dev', '--datadir', dataDir, '--http.port', '0', '--period', String(options.period ?? 0), '--log-level', logLevel, ...(options.extraArgs ?? [])]
  return startNodeProcess(args, dataDir)
}
