// anvil (Foundry's development node, from the pinned npm package @foundry-rs/anvil-linux-amd64,
// a binary with no install script), started as a second implementation for tests to compare
// answers with and as the benchmark's native reference node.
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** A running anvil process. */
export interface AnvilProcess {
  /** Its JSON-RPC URL, http://127.0.0.1:PORT. */
  url: string
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>
}

/** The anvil binary of the pinned @foundry-rs/anvil-linux-amd64 package. */
export function anvilBinary(): string {
  const manifest = createRequire(import.meta.url).resolve('@foundry-rs/anvil-linux-amd64/package.json')
  return join(dirname(manifest), 'bin', 'anvil')
}

/**
 * Starts anvil on a free port with the dev accounts (its default mnemonic is the dev chain's,
 * chain id 31337) and `args`; resolves once it listens (20 s at most).
 */
export async function startAnvilProcess(args: string[] = []): Promise<AnvilProcess> {
  const child: ChildProcess = spawn(anvilBinary(), ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const url = await new Promise<string>((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`anvil did not start within 20 s:\n${seen}`)), 20_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      const match = /Listening on ([\d.]+:\d+)/.exec(seen)
      if (match !== null) {
        clearTimeout(timer)
        resolve(`http://${match[1]}`)
      }
    })
    child.on('exit', (code) => reject(new Error(`anvil exited with ${code}:\n${seen}`)))
  })
  child.stdout!.resume()
  child.stderr!.resume()
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
