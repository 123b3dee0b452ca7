// Besu's health endpoints over real HTTP: GET /liveness, and GET /readiness with its peer rule
// (Besu: ready with at least `minPeers` peers and not more than `maxBlocksBehind` behind),
// on the dev chain (no peer network: 0 peers wanted) and on `busan run` with a peer network
// and no peer yet (1 wanted by default, --min-peers to change it).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { devGenesis } from '@busan/chain-config'
import { startDevNode, startNodeProcess, type DevNode, type NodeProcess } from '@busan/testkit'

const dir = mkdtempSync(join(tmpdir(), 'busan-health-'))
after(() => rmSync(dir, { recursive: true, force: true }))

async function get(url: string): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(url)
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> }
}

describe('health endpoints', () => {
  let dev: DevNode
  let run: NodeProcess
  let strict: NodeProcess

  before(async () => {
    const genesis = join(dir, 'genesis.json')
    writeFileSync(genesis, JSON.stringify(devGenesis()))
    const runArgs = (name: string, extra: string[] = []) => ['run', '--datadir', join(dir, name), '--genesis', genesis, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1', ...extra]
    ;[dev, run, strict] = await Promise.all([
      startDevNode({ period: 0 }),
      startNodeProcess(runArgs('run'), join(dir, 'run')),
      startNodeProcess(runArgs('strict', ['--min-peers', '3']), join(dir, 'strict')),
    ])
  })
  after(async () => {
    await Promise.all([dev?.stop(), run?.stop(), strict?.stop()])
    dev?.cleanup()
  })

  it('GET /liveness answers UP', async () => {
    for (const url of [dev.rpcUrl, run.rpcUrl]) {
      const live = await get(`${url}/liveness`)
      assert.equal(live.status, 200)
      assert.match(live.type ?? '', /^application\/json/)
      assert.deepEqual(live.body, { status: 'UP' })
    }
  })

  it('GET /readiness: the dev chain wants no peer; a node on a peer network wants one by default', async () => {
    const devReady = await get(`${dev.rpcUrl}/readiness`)
    assert.equal(devReady.status, 200)
    assert.deepEqual(devReady.body, { status: 'UP', peers: 0, minPeers: 0, syncing: false, blocksBehind: 0, maxBlocksBehind: 2 })

    const lonely = await get(`${run.rpcUrl}/readiness`)
    assert.equal(lonely.status, 503)
    assert.equal(lonely.body.status, 'DOWN')
    assert.equal(lonely.body.minPeers, 1)
    assert.equal(lonely.body.peers, 0)

    // --min-peers sets the default; Besu's query parameter asks for another number.
    assert.equal((await get(`${strict.rpcUrl}/readiness`)).body.minPeers, 3)
    const relaxed = await get(`${run.rpcUrl}/readiness?minPeers=0`)
    assert.equal(relaxed.status, 200)
    assert.equal(relaxed.body.status, 'UP')
    const wanting = await get(`${dev.rpcUrl}/readiness?minPeers=2&maxBlocksBehind=0`)
    assert.equal(wanting.status, 503)
    assert.deepEqual([wanting.body.minPeers, wanting.body.maxBlocksBehind], [2, 0])
  })

  it('refuses a malformed parameter with 400 and keeps serving', async () => {
    for (const query of ['minPeers=abc', 'minPeers=-1', 'maxBlocksBehind=1.5', 'minPeers=99999999999']) {
      const bad = await get(`${dev.rpcUrl}/readiness?${query}`)
      assert.equal(bad.status, 400, query)
      assert.equal(bad.body.status, 'DOWN')
    }
    assert.equal((await get(`${dev.rpcUrl}/liveness`)).status, 200)
  })
})
