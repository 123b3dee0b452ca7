// Starts real node processes on temporary data directories for tests and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

const mainScript = resolve(import.meta.dirname, '../../node/src/main.ts')

export interface DevNodeOptions {
  /** Clique period in seconds; 0 seals as soon as transactions are pending. Default 0. */
  period?: number
  /** Reuse a data directory (restart tests); a fresh temporary one otherwise. */
  dataDir?: string
  logLevel?: string
  extraArgs?: string[]
}

export interface DevNode {
  rpcUrl: string
  wsUrl: string
  dataDir: string
  process: ChildProcess
  /** Every log line the node printed, parsed. */
  logs: Record<string, unknown>[]
  /** Graceful stop (SIGTERM) and wait for exit. */
  stop(): Promise<number | null>
  /** Hard kill (SIGKILL) and wait for exit. */
  kill(): Promise<void>
  /** Removes the data directory (after stop). */
  cleanup(): void
}

export function tempDataDir(prefix = 'busan-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function startDevNode(options: DevNodeOptions = {}): Promise<DevNode> {
  const dataDir = options.dataDir ?? tempDataDir()
  const args = [mainScript, 'dev', '--datadir', dataDir, '--http.port', '0', '--period', String(options.period ?? 0), '--log-level', options.logLevel ?? 'info', ...(options.extraArgs ?? [])]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: Record<string, unknown>[] = []
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>
        logs.push(entry)
        if (entry.msg === 'JSON-RPC listening (HTTP and WebSocket)') resolveUrl(entry.url as string)
      } catch {
        logs.push({ msg: line })
      }
    })
    exited.then((code) => reject(new Error(`node exited with ${code} before listening:\n${stderr}`)))
    setTimeout(() => reject(new Error(`node did not start within 30 s:\n${stderr}`)), 30_000).unref()
  })
  return {
    rpcUrl: url,
    wsUrl: url.replace(/^http/, 'ws'),
    dataDir,
    process: child,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
