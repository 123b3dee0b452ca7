#!/usr/bin/env node
// The busan executable. It turns on Node's on-disk compile cache (module.enableCompileCache,
// in os.tmpdir()/node-compile-cache unless NODE_COMPILE_CACHE names another directory) before
// it loads the command line, so a start compiles and strips the types of none of the ~400
// modules it compiled before: about 40% less load time on this machine for the node and for each
// RPC worker thread, which finds the directory in NODE_COMPILE_CACHE (docs/benchmarks.md, 2026-12-02).
import { enableCompileCache } from 'node:module'
import { relaunchForMemory } from './relaunch.ts'

// First: a command that runs a chain restarts itself on jemalloc with a small young generation (relaunch.ts).
relaunchForMemory()

const { directory } = enableCompileCache()
if (directory !== undefined) process.env.NODE_COMPILE_CACHE ??= directory
await import('./cli.ts')
