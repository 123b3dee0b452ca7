// anvil (Foundry's development node, from npm), run as a second implementation to compare
// our answers with: it serves geth's debug_trace* formats and Otterscan's ots_* API.
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { ethers } from 'ethers'
import { RpcCallError } from './node.ts'

export interface Anvil {
  url: string
  provider: ethers.JsonRpcProvider
  /** One JSON-RPC call; throws RpcCallError for an error answer. */
  rpc<T = any>(method: string, params?: unknown[]): Promise<T>
  stop(): Promise<void>
}

/** The anvil binary of the pinned @foundry-rs/anvil-linux-amd64 package. */
export function anvilBinary(): string {
  const manifest = createRequire(import.meta.url).resolve('@foundry-rs/anvil-linux-amd64/package.json')
  return join(dirname(manifest), 'bin', 'anvil')
}

/**
 * Starts anvil on a free port with the dev chain's accounts (the same mnemonic, chain id
 * 31337) under Prague rules, recording opcode steps so struct-log traces are available.
 */
export async function startAnvil(extraArgs: string[] = []): Promise<Anvil> {
  const child: ChildProcess = spawn(anvilBinary(), ['--port', '0', '--hardfork', 'prague', '--steps-tracing', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
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
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 })
  let id = 1
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) })
    const body = (await response.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } }
    if (body.error !== undefined) throw new RpcCallError(body.error)
    return body.result as T
  }
  return {
    url,
    provider,
    rpc,
    async stop() {
      provider.destroy()
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
