#!/usr/bin/env node
// `npx busan` from the clone (the root package's bin). Plain JavaScript, so that an older Node
// than 24 can load it and say why it cannot go on (scripts/require-node.cjs) instead of failing
// on the TypeScript entry point it cannot strip.
import '../../../scripts/require-node.cjs'

await import('../src/main.ts')
