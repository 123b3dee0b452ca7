// The Grafana dashboard (ops/grafana/busan-chain.json) and the Prometheus scrape configuration
// (ops/prometheus/prometheus.yml) against live nodes: every query parses as PromQL (Prometheus'
// own Lezer grammar), and every metric the queries name is exposed at GET /metrics by a real
// sealer and a real follower on a libp2p network, after blocks, pool rejections, RPC calls and
// gossip have happened.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parser } from '@prometheus-io/lezer-promql'
import { parse as parseYaml } from 'yaml'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { devWallets, sendTransfer, waitForPeers, waitForReceipt, waitForSameHead } from './network-helpers/chain.ts'

const repo = join(import.meta.dirname, '../..')

interface Dashboard {
  panels: { type: string; title: string; targets?: { expr: string }[] }[]
  templating: { list: { name: string; query?: { query: string } | string }[] }
}

const dashboard = JSON.parse(readFileSync(join(repo, 'ops/grafana/busan-chain.json'), 'utf8')) as Dashboard

/** Every PromQL expression of the dashboard: panel queries and the variables' label_values(). */
function expressions(): { where: string; expr: string }[] {
  const panels = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr })))
  const variables = dashboard.templating.list.flatMap((variable) => {
    const query = typeof variable.query === 'object' ? variable.query.query : undefined
    const inner = query === undefined ? undefined : /^label_values\((\w+),/.exec(query)?.[1]
    return inner === undefined ? [] : [{ where: `variable ${variable.name}`, expr: inner }]
  })
  return [...panels, ...variables]
}

/** The metric names an expression selects (its vector selectors' identifiers), by Prometheus' grammar; throws on a syntax error. */
function metricNames(expr: string): string[] {
  const names: string[] = []
  // Grafana's variables are not PromQL: $instance inside a string is fine, [$__rate_interval] would not be.
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`PromQL syntax error at ${node.from}: ${expr}`)
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to))
    },
  })
  return names
}

/**
 * The names /metrics exposes: every sample's name, and every declared family with the series
 * names its type gives it (a histogram x has x_bucket, x_sum, x_count), so a labelled counter that
 * has not counted yet still exists.
 */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)$/.exec(line)
    if (type !== null) {
      names.add(type[1])
      if (type[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${type[1]}${suffix}`)
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)
    if (sample !== null) names.add(sample[1])
  }
  return names
}

describe('the Grafana dashboard against live /metrics', { timeout: 180_000 }, () => {
  const cluster = Cluster.create({ name: 'ops', keys: 1, signers: 1, period: 0 })
  let sealer: ClusterNode
  let follower: ClusterNode

  before(async () => {
    ;[sealer, follower] = await cluster.init('sealer', 'follower')
    await sealer.start({ key: cluster.keys[0] })
    await follower.start({ bootnodes: [sealer.enode] })
    await waitForPeers([sealer, follower], 1)
  }, { timeout: 120_000 })

  after(async () => {
    await cluster.destroy()
  }, { timeout: 60_000 })

  it('every query parses, and every metric it names is exposed by the sealer or the follower', async () => {
    const [from, to] = devWallets
    // Blocks (sealed and gossiped), a pool rejection (a nonce already used), RPC calls that succeed and fail, a worker job.
    const first = await sendTransfer(sealer, from, { nonce: 0, to: to.address, value: 1n })
    await waitForReceipt(sealer, first)
    await sendTransfer(sealer, from, { nonce: 1, to: to.address, value: 1n }).then((hash) => waitForReceipt(sealer, hash))
    // The follower must hold the block first: until then nonce 0 may sit in its pool, gossiped,
    // and the replay is a replacement ("replacement fee too low"), not a used nonce.
    await waitForSameHead([sealer, follower])
    await assert.rejects(sendTransfer(follower, from, { nonce: 0, to: to.address, value: 2n }), /nonce too low/)
    await follower.rpc('eth_call', [{ to: to.address, data: '0x' }, 'latest'])
    await assert.rejects(follower.rpc('eth_getBlockByNumber', ['not a block', false]))
    await waitForSameHead([sealer, follower])

    const exposed = new Set<string>()
    for (const node of [sealer, follower]) {
      const response = await fetch(new URL('/metrics', node.rpcUrl))
      assert.equal(response.status, 200)
      for (const name of exposedNames(await response.text())) exposed.add(name)
    }
    const queries = expressions()
    assert.ok(queries.length >= 25, `${queries.length} queries`)
    const missing: string[] = []
    for (const { where, expr } of queries) {
      const names = metricNames(expr)
      assert.ok(names.length > 0, `${where}: selects no metric: ${expr}`)
      for (const name of names) if (!exposed.has(name)) missing.push(`${where}: ${name}`)
    }
    assert.deepEqual(missing, [], 'metrics the dashboard queries that the nodes do not expose')
    // The list, by the metric each needs.
    for (const name of ['chain_head_block', 'chain_head_timestamp_seconds', 'chain_transactions_total', 'txpool_pending', 'txpool_rejected_total', 'rpc_requests_total', 'rpc_request_duration_seconds_bucket', 'network_peers', 'network_sync_distance_blocks', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      assert.ok(queries.some(({ expr }) => metricNames(expr).includes(name)), `the dashboard shows ${name}`)
    }
  })
})

describe('the Prometheus scrape configuration', () => {
  it('scrapes /metrics of the devnet\'s RPC node (8545) and its four sealers (8546-8549)', () => {
    const config = parseYaml(readFileSync(join(repo, 'ops/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] }
    const [job] = config.scrape_configs
    assert.equal(job.metrics_path, '/metrics')
    const targets = job.static_configs.flatMap((group) => group.targets)
    assert.deepEqual(targets, ['127.0.0.1:8545', '127.0.0.1:8546', '127.0.0.1:8547', '127.0.0.1:8548', '127.0.0.1:8549'])
  })
})
