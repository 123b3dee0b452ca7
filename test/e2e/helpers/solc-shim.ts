#!/usr/bin/env node
// A `solc` command line for forge (`forge script --use <this file>`, see forge.ts) over the npm `solc` package
// (the WebAssembly compiler the project already uses): forge needs a native solc binary and
// downloads one from the internet by default, which this machine cannot reach. forge asks
// `solc --version` (the last line must read `Version: <semver>`) and compiles with
// `solc --standard-json [--base-path ... --include-path ... --allow-paths ...]`, the input JSON on
// stdin with every source inlined, so the path flags can be ignored.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const solc = createRequire(import.meta.url)('solc') as { version(): string; compile(input: string): string }
const args = process.argv.slice(2)

if (args.includes('--version')) {
  // solc-js reports "0.8.37+commit.f401782d.Emscripten.clang"; forge only reads the version.
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version().replace('.Emscripten.clang', '')}\n`)
} else if (args.includes('--standard-json')) {
  process.stdout.write(solc.compile(readFileSync(0, 'utf8')))
} else {
  process.stderr.write(`solc-shim: only --version and --standard-json are supported, got: ${args.join(' ')}\n`)
  process.exit(1)
}
