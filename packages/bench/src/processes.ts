// Real `busan run` processes for the benchmark's network phases: an encrypted keystore per
// signing key, `busan init` from a genesis file, then `busan run` on 127.0.0.1 with OS-picked
// JSON-RPC and p2p ports.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encryptKeystoreJson } from 'ethers'
import { mainScript, startNodeProcess, type NodeProcess } from '@busan/testkit'

/** `--keystore`/`--password` flags for `key`, written into `dir` as `<name>.json` and `<name>.password`. */
export async function keystoreArgs(dir: string, name: string, key: { address: string; privateKey: string }): Promise<string[]> {
  const password = `bench-${name}`
  const keystore = join(dir, `${name}.json`)
  const passwordFile = join(dir, `${name}.password`)
  // A light scrypt (geth's --lightkdf): the node decrypts it at every start.
  writeFileSync(keystore, await encryptKeystoreJson(key, password, { scrypt: { N: 1 << 12 } }))
  writeFileSync(passwordFile, password)
  return ['--keystore', keystore, '--password', passwordFile]
}

/**
 * `busan init --genesis genesisPath --datadir dataDir`, then `busan run` on it with `extra`
 * flags; `nodeOptions` (e.g. `--cpu-prof`) reach that one process through NODE_OPTIONS.
 */
export function initAndRun(genesisPath: string, dataDir: string, extra: string[], nodeOptions?: string): Promise<NodeProcess> {
  execFileSync(process.execPath, [mainScript, 'init', '--genesis', genesisPath, '--datadir', dataDir], { stdio: 'pipe' })
  const args = ['run', '--datadir', dataDir, '--http.port', '0', '--p2p.addr', '127.0.0.1', '--p2p.port', '0', ...extra]
  if (nodeOptions === undefined) return startNodeProcess(args, dataDir)
  // startNodeProcess spawns before its first await: the child inherits the environment as it is now.
  const saved = process.env.NODE_OPTIONS
  process.env.NODE_OPTIONS = `${saved ?? ''} ${nodeOptions}`.trim()
  try {
    return startNodeProcess(args, dataDir)
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS
    else process.env.NODE_OPTIONS = saved
  }
}
