// Runs forge (the npm build of Foundry, @foundry-rs/forge-linux-amd64) on the Foundry project in
// docs/examples/forge, as a developer would: `forge script ... --broadcast` against a node's RPC
// URL. The project is copied to a temporary folder first, because forge writes out/, cache/ and
// broadcast/ next to foundry.toml; the compiler is the solc-js shim (solc-shim.ts beside this file).
import { execFile } from 'node:child_process'
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, '../../..')
export const forgeBinary = join(repoRoot, 'node_modules/@foundry-rs/forge-linux-amd64/bin/forge')
const project = join(repoRoot, 'docs/examples/forge')
const solcShim = resolve(import.meta.dirname, 'solc-shim.ts')

/** One transaction of forge's broadcast log (broadcast/<script>/<chain id>/run-latest.json). */
export interface BroadcastTransaction {
  hash: string
  transactionType: string
  contractName: string | null
  contractAddress: string | null
  transaction: { from: string; to: string | null; input: string }
}

export interface ForgeScriptRun {
  /** forge's standard output, for failure messages. */
  stdout: string
  transactions: BroadcastTransaction[]
  receipts: { transactionHash: string; status: string; contractAddress: string | null; to: string | null }[]
  /** The project copy: out/<File>.sol/<Contract>.json holds the artifacts forge compiled. */
  dir: string
  cleanup(): void
}

/**
 * `forge script <script>:<contract> --rpc-url <rpcUrl> --broadcast --private-key <key>` in a
 * copy of the project, with `env` added to the environment (the script reads its inputs with
 * vm.env*). Resolves with forge's broadcast log; rejects with forge's output when it fails.
 */
export async function runForgeScript(options: { script: string; contract: string; rpcUrl: string; privateKey: string; chainId: number; env?: Record<string, string> }): Promise<ForgeScriptRun> {
  const dir = mkdtempSync(join(tmpdir(), 'busan-forge-'))
  cpSync(project, dir, { recursive: true, filter: (path) => !/\/(out|cache|broadcast)$/.test(path) })
  // forge runs the shim itself: it must stay executable whatever the checkout did to its mode.
  chmodSync(solcShim, 0o755)
  const args = ['script', `${options.script}:${options.contract}`, '--rpc-url', options.rpcUrl, '--broadcast', '--private-key', options.privateKey, '--use', solcShim, '--offline', '--color', 'never']
  // The shim's `#!/usr/bin/env node` must find this Node (24: it runs TypeScript), not an older one on PATH.
  const env = { ...process.env, ...options.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, FOUNDRY_DISABLE_NIGHTLY_WARNING: '1' }
  let stdout: string
  try {
    ;({ stdout } = await exec(forgeBinary, args, { cwd: dir, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }))
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    const failed = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(`forge script failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`)
  }
  const log = JSON.parse(readFileSync(join(dir, 'broadcast', options.script.split('/').pop()!, String(options.chainId), 'run-latest.json'), 'utf8'))
  return { stdout, transactions: log.transactions, receipts: log.receipts, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}
