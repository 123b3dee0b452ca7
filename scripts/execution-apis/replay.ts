// Replays ethereum/execution-apis' JSON-RPC test vectors (`tests/<method>/*.io`) against a
// running node and prints one line per vector and a summary; see docs/json-rpc.md
// ("Execution-apis conformance") for how replies are judged.
//   node scripts/execution-apis/replay.ts <testsDir> <rpcUrl> [--json out.json] [--filter substr] [--spec srcDir] [--timeout ms]
// The node must serve the vectors' chain (tests/chain.rlp imported on tests/genesis.json);
// test/e2e/execution-apis.test.ts does all of it. Exits 0 whatever the results (the test
// decides); 2 on bad arguments or unreadable vectors.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { formatResult, formatSummary, replayAll, summarize } from './replayer.ts'
import { loadResultSchemas, specDirFor } from './spec.ts'
import { loadVectors } from './vectors.ts'

const USAGE = 'usage: node scripts/execution-apis/replay.ts <testsDir> <rpcUrl> [--json out.json] [--filter substr] [--spec srcDir|none] [--timeout ms]'

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'string' }, filter: { type: 'string' }, spec: { type: 'string' }, timeout: { type: 'string' } },
  })
  if (positionals.length !== 2) throw new Error(USAGE)
  const [testsDir, url] = positionals
  const vectors = loadVectors(testsDir, values.filter)
  const specDir = values.spec === 'none' ? undefined : (values.spec ?? specDirFor(testsDir))
  const schemas = specDir === undefined ? undefined : loadResultSchemas(specDir)
  console.log(`${vectors.length} vectors from ${testsDir} against ${url}; speconly vectors checked ${specDir === undefined ? "for the example's shape (no spec: pass --spec <execution-apis>/src)" : `against the result schemas of ${specDir}`}`)
  const results = await replayAll(url, vectors, { checkResult: schemas?.check, timeoutMs: values.timeout === undefined ? undefined : Number(values.timeout) }, (result) => console.log(formatResult(result)))
  const summary = summarize(results)
  console.log(`\n${formatSummary(summary)}`)
  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({ url, testsDir, specDir: specDir ?? null, summary, results }, null, 2)}\n`)
}

main().catch((error: unknown) => {
  console.error((error as Error).message)
  process.exit(2)
})
