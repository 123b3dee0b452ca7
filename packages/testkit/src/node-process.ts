// Starts real node processes (the `busan` CLI) for tests, benchmarks and the local devnet.
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'

export const mainScript = resolve(import.meta.dirname, '../../node/src/main.ts')

export interface NodeProcess {
  rpcUrl: string
  wsUrl: string
  dataDir: string
  /** The node's libp2p peer id and listen multiaddrs (with /p2p/<id>), when it runs the network. */
  peerId?: string
  p2pAddrs: string[]
  process: ChildProcess
  /** Every log line the node printed, parsed. */
  logs: Record<string, unknown>[]
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>
  /** Hard kill (SIGKILL). */
  kill(): Promise<void>
  /** Removes the data directory (after stop). */
  cleanup(): void
}

const LISTENING = 'JSON-RPC listening (HTTP and WebSocket)'
const P2P_LISTENING = 'p2p listening'

/** Runs `busan <args>` (with `options.env` as its environment, the test's own by default) and resolves once its JSON-RPC endpoint listens. */
export async function startNodeProcess(args: string[], dataDir: string, options: { name?: string; echo?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<NodeProcess> {
  const child = spawn(process.execPath, [mainScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
  const logs: Record<string, unknown>[] = []
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)))
  let peerId: string | undefined
  let p2pAddrs: string[] = []
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      if (options.echo) process.stdout.write(`${options.name ?? 'node'} | ${line}\n`)
      try {
        const entry = JSON.parse(line) as Record<string, unknown>
        logs.push(entry)
        if (entry.msg === P2P_LISTENING) {
          peerId = entry.peerId as string
          p2pAddrs = entry.addrs as string[]
        }
        if (entry.msg === LISTENING) resolveUrl(entry.url as string)
      } catch {
        logs.push({ msg: line })
      }
    })
    exited.then((code) => reject(new Error(`node exited with ${code} before listening:\n${stderr}`)))
    setTimeout(() => reject(new Error(`node did not start within 60 s:\n${stderr}`)), 60_000).unref()
  }).catch((error: unknown) => {
    // Never leave an orphan behind a failed start.
    child.kill('SIGKILL')
    throw error
  })
  return {
    rpcUrl: url,
    wsUrl: url.replace(/^http/, 'ws'),
    dataDir,
    peerId,
    p2pAddrs,
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
