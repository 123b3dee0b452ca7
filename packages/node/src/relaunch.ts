// How a node process starts its memory: on jemalloc when the machine has it (as Besu's launcher
// preloads it, and as RocksDB recommends), and with a small V8 young generation. Both need to be
// in place before the process starts, so the commands that run a chain replace their own process
// with one that has them (process.execve: same pid, same stdio, same signals), once.
//
// Measured (docs/benchmarks.md, issue 11): a dev node sealing 1,000,000 ERC-20 transfers levels
// off at 1.3 GiB resident on glibc's malloc, whose per-thread arenas keep freed memory (RocksDB's
// background threads, the RPC worker threads); jemalloc returns it. V8 sizes the young
// generation from the machine's memory (128 MB on a 24 GB machine, for each thread's heap).
// With both, the same load levels off under 1 GiB.
import { existsSync } from 'node:fs'

/** Where Debian, Ubuntu, Fedora and Alpine put jemalloc 5 (Debian's package libjemalloc2). */
const JEMALLOC_PATHS = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2', '/usr/lib64/libjemalloc.so.2', '/usr/lib/libjemalloc.so.2']

/**
 * jemalloc's settings unless MALLOC_CONF gives others: a background thread returns freed pages
 * after 1 s instead of the default 10 s of dirty pages, which under the node's churn of short-lived
 * buffers (trie nodes, RPC bodies) held a few hundred MB (docs/benchmarks.md).
 */
const JEMALLOC_CONF = 'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0'

/** V8's semi-space (half the young generation) in MB: young objects die fast, the rest is promoted. */
export const SEMI_SPACE_MB = 16
const SEMI_SPACE_FLAG = `--max-semi-space-size=${SEMI_SPACE_MB}`

/** The commands that run a chain (and hold RocksDB and worker threads); help and version start as they are. */
const CHAIN_COMMANDS = new Set(['dev', 'run', 'import', 'export', 'init'])

/** The jemalloc library this machine has, if any. */
export function jemallocPath(): string | undefined {
  return process.platform === 'linux' ? JEMALLOC_PATHS.find((path) => existsSync(path)) : undefined
}

/**
 * Replaces this process with the same command on jemalloc and with SEMI_SPACE_FLAG, when it
 * runs a chain and does not have them yet; returns when there is nothing to change.
 * BUSAN_ALLOCATOR=system keeps glibc's malloc (and then only adds the V8 flag).
 */
export function relaunchForMemory(argv: string[] = process.argv): void {
  if (!argv.slice(2).some((arg) => CHAIN_COMMANDS.has(arg))) return
  const library = process.env.BUSAN_ALLOCATOR === 'system' ? undefined : jemallocPath()
  const preload = process.env.LD_PRELOAD ?? ''
  const needsLibrary = library !== undefined && !preload.split(/[: ]/).includes(library)
  const needsFlag = !process.execArgv.some((arg) => arg.startsWith('--max-semi-space-size'))
  if (!needsLibrary && !needsFlag) return
  const env = needsLibrary ? { ...process.env, LD_PRELOAD: preload === '' ? library : `${library}:${preload}`, MALLOC_CONF: process.env.MALLOC_CONF ?? JEMALLOC_CONF } : process.env
  const execArgv = needsFlag ? [...process.execArgv, SEMI_SPACE_FLAG] : process.execArgv
  process.execve!(process.execPath, [process.execPath, ...execArgv, ...argv.slice(1)], env as Record<string, string>)
}
