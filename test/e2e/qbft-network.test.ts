// QBFT over real node processes: four validators and a follower on 127.0.0.1. Every header is
// checked with ethers against Besu's format (block hash without seals, a quorum of commit
// seals by the parent's validators); finality is immediate (finalized = head); and the
// network survives the faults the EEA spec promises to: one validator of four down (f = 1),
// two down (no quorum: it stops, it does not fork) and back, a restart of every validator.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { Cluster, type ClusterNode, type HeadInfo } from './network-helpers/cluster.ts'
import { devWallets, sendTransfer, waitFor, waitForPeers, waitForReceipt, waitForSameHead } from './network-helpers/chain.ts'
import { checkQbftHeader, quorumOf, type HeaderJson } from './helpers/qbft.ts'

const VALIDATORS = 4
/** Round 0 waits 2 s before a round change (round r: 2 x 2^r s). */
const REQUEST_TIMEOUT_S = 2

describe('QBFT: four validators and a follower', { timeout: 300_000 }, () => {
  const cluster = Cluster.create({ name: 'qbft', keys: VALIDATORS, signers: VALIDATORS, period: 1, consensus: 'qbft', qbft: { requesttimeoutseconds: REQUEST_TIMEOUT_S } })
  let validators: ClusterNode[] = []
  let follower: ClusterNode
  let nonce = 0

  const head = (node: ClusterNode) => node.rpc<HeaderJson>('eth_getBlockByNumber', ['latest', false])
  const number = async (node: ClusterNode) => Number((await head(node)).number)

  before(async () => {
    const nodes = await cluster.init('validator-0', 'validator-1', 'validator-2', 'validator-3', 'follower')
    validators = nodes.slice(0, VALIDATORS)
    follower = nodes[VALIDATORS]
    await Promise.all(validators.map((node, i) => node.start({ key: cluster.keys[i], bootnodes: cluster.bootnodesFor(node, validators) })))
    await follower.start({ bootnodes: validators.map((v) => v.enode) })
    await waitForPeers(validators, VALIDATORS - 1)
  })

  after(() => cluster.destroy())

  it('commits a block every period; every header holds a quorum of commit seals by the validators (checked with ethers)', async (t) => {
    await waitFor('block 5 on every node', async () => (await Promise.all([...validators, follower].map(number))).every((n) => n >= 5), { timeoutMs: 30_000 })
    const set = (await validators[0].rpc<string[]>('qbft_getValidatorsByBlockNumber', ['latest'])).map((v) => v.toLowerCase()).sort()
    assert.deepEqual(set, cluster.keys.map((k) => k.address.toLowerCase()).sort())
    const latest = await number(follower)
    const proposers = new Map<string, number>()
    for (let n = 1; n <= latest; n++) {
      const header = await follower.rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(n), false])
      const facts = checkQbftHeader(header)
      assert.deepEqual(facts.validators, set, `block ${n} lists the validators, sorted`)
      assert.ok(new Set(facts.committers).size === facts.committers.length, `block ${n}: no validator sealed twice`)
      assert.ok(facts.committers.every((c) => set.includes(c)), `block ${n}: sealed by validators`)
      assert.ok(facts.committers.length >= quorumOf(VALIDATORS), `block ${n}: ${facts.committers.length} seals, quorum ${quorumOf(VALIDATORS)}`)
      assert.ok(set.includes(header.miner.toLowerCase()), `block ${n}: proposed by a validator`)
      assert.equal(header.difficulty, '0x1')
      assert.equal(header.mixHash, '0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365')
      proposers.set(header.miner.toLowerCase(), (proposers.get(header.miner.toLowerCase()) ?? 0) + 1)
    }
    t.diagnostic(`blocks 1..${latest} by proposer: ${JSON.stringify(Object.fromEntries(proposers))}`)
    assert.ok(proposers.size >= 3, 'the proposer rotates')
    // Besu's qbft_getSignerMetrics: blocks proposed per validator over [from, to), every validator listed.
    const lastHeader = await follower.rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(latest), false])
    const lastProposer = lastHeader.miner.toLowerCase()
    proposers.set(lastProposer, (proposers.get(lastProposer) ?? 0) - 1)
    const metrics = await follower.rpc<{ address: string; proposedBlockCount: string }[]>('qbft_getSignerMetrics', ['0x1', ethers.toQuantity(latest)])
    assert.deepEqual(
      Object.fromEntries(metrics.map((m) => [m.address, Number(m.proposedBlockCount)])),
      Object.fromEntries(set.map((v) => [v, proposers.get(v) ?? 0])),
    )
    const scrape = await (await fetch(`${validators[0].rpcUrl}/metrics`)).text()
    for (const name of ['qbft_round', 'qbft_round_changes_total', 'qbft_commit_seconds', 'qbft_messages_total', 'qbft_commit_seals_total']) assert.match(scrape, new RegExp(`^# TYPE ${name} `, 'm'))
  })

  it('is final at once: finalized and safe are the head on every node, and a transaction sent to the follower is committed', async () => {
    const hash = await sendTransfer(follower, devWallets[1], { nonce: nonce++, to: ethers.getAddress(`0x${'a1'.repeat(20)}`), value: 7n })
    const receipt = await waitForReceipt(follower, hash, 20_000)
    for (const node of [...validators, follower]) {
      await waitFor(`${node.name} at block ${Number(receipt.blockNumber)}`, async () => (await number(node)) >= Number(receipt.blockNumber), { timeoutMs: 10_000 })
      const [latest, finalized, safe] = await Promise.all(['latest', 'finalized', 'safe'].map((tag) => node.rpc<HeaderJson>('eth_getBlockByNumber', [tag, false])))
      assert.ok(Number(finalized.number) >= Number(receipt.blockNumber), `${node.name}: the transaction's block is final`)
      assert.ok(Number(latest.number) - Number(finalized.number) <= 1 && finalized.hash === safe.hash, `${node.name}: finalized follows the head`)
    }
  })

  it('keeps committing with one validator of four SIGKILLed, within two round timeouts; it catches up when back', async () => {
    const victim = validators[1]
    await victim.kill()
    const alive = validators.filter((v) => v !== victim)
    const start = await number(alive[0])
    // A round led by the dead validator costs one round timeout; the next proposer takes over.
    const budgetMs = (REQUEST_TIMEOUT_S * 1000 + 1000) * 2 + 2000
    for (let i = 0; i < 3; i++) {
      const before = await number(alive[0])
      const started = Date.now()
      await waitFor(`a block after ${before} without ${victim.name}`, async () => (await number(alive[0])) > before, { timeoutMs: budgetMs })
      assert.ok(Date.now() - started < budgetMs)
    }
    assert.ok((await number(alive[0])) >= start + 3)
    await victim.start({ key: victim.options.key, bootnodes: cluster.bootnodesFor(victim, validators) })
    const target = await number(alive[0])
    await waitFor(`${victim.name} back at ${target}`, async () => (await number(victim)) >= target, { timeoutMs: 30_000 })
    await waitForSameHead([...validators, follower], 30_000)
  })

  it('stops without a quorum (two of four down) and never forks; resumes from where it stopped when one returns', async () => {
    const [a, b] = [validators[2], validators[3]]
    await Promise.all([a.kill(), b.kill()])
    const alive = validators.filter((v) => v !== a && v !== b)
    await sleep(1500)
    const stalled: HeadInfo = await waitForSameHead([...alive, follower], 15_000)
    await sleep(REQUEST_TIMEOUT_S * 1000 * 3 + 1000)
    for (const node of [...alive, follower]) {
      const now = await head(node)
      assert.equal(now.hash, stalled.hash, `${node.name}: no block without a quorum`)
    }
    await a.start({ key: a.options.key, bootnodes: cluster.bootnodesFor(a, validators) })
    await waitFor('a block after the quorum returned', async () => (await number(alive[0])) > stalled.number, { timeoutMs: 60_000 })
    const resumed = await follower.rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(stalled.number + 1), false])
    assert.equal(resumed.parentHash, stalled.hash, 'the chain resumed on the block it stopped at')
    await b.start({ key: b.options.key, bootnodes: cluster.bootnodesFor(b, validators) })
    await waitForSameHead([...validators, follower], 30_000)
  })

  it('resumes after every validator restarts on its data directory', async () => {
    await Promise.all(validators.map((v) => v.stop()))
    const stopped = await number(follower)
    await Promise.all(validators.map((v) => v.start({ key: v.options.key, bootnodes: cluster.bootnodesFor(v, validators) })))
    await waitFor('blocks after the restart', async () => (await number(follower)) >= stopped + 3, { timeoutMs: 60_000 })
    const hash = await sendTransfer(validators[0], devWallets[1], { nonce: nonce++, to: ethers.getAddress(`0x${'a2'.repeat(20)}`), value: 1n })
    await waitForReceipt(follower, hash, 20_000)
  })

  it('commits nothing on either side of a 2|2 partition, and heals onto one chain with no reorg', async () => {
    const stalledHash = async (node: ClusterNode) => (await head(node)).hash
    // Each pair allowlists only its partner: two validators of four, no quorum on either side.
    await Promise.all(validators.map((v) => v.stop()))
    const pairs = [[validators[0], validators[1]], [validators[2], validators[3]]]
    // All four at once: a bootnode not yet up is redialled (from 1 s, doubling).
    await Promise.all(pairs.flatMap(([a, b]) => [
      a.start({ key: a.options.key, bootnodes: [b.enode], allowlist: [b.peerId] }),
      b.start({ key: b.options.key, bootnodes: [a.enode], allowlist: [a.peerId] }),
    ]))
    const before = await Promise.all(validators.map(stalledHash))
    await sleep(REQUEST_TIMEOUT_S * 1000 * 3 + 1000)
    assert.deepEqual(await Promise.all(validators.map(stalledHash)), before, 'no block on either side')
    await Promise.all(validators.map((v) => v.stop()))
    await Promise.all(validators.map((v) => v.start({ key: v.options.key, bootnodes: cluster.bootnodesFor(v, validators) })))
    const stalled = Math.min(...(await Promise.all(validators.map(number))))
    await waitFor('blocks after healing', async () => (await number(validators[0])) >= stalled + 3, { timeoutMs: 60_000 })
    await waitForSameHead([...validators, follower], 30_000)
    const atStall = await Promise.all(validators.map((v) => v.rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(stalled), false])))
    assert.equal(new Set(atStall.map((b) => b.hash)).size, 1, 'one chain')
    assert.ok(!validators.some((v) => v.allLogs().some((line) => line.msg === 'chain reorganised')), 'no reorg anywhere')
  })

  it('resumes with a validator restarted on an empty chain database: it syncs, then seals again', async () => {
    const victim = validators[3]
    await victim.stop()
    cluster.resetChainData(victim)
    await victim.start({ key: victim.options.key, bootnodes: cluster.bootnodesFor(victim, validators) })
    const target = await number(validators[0])
    await waitFor(`${victim.name} synced to ${target}`, async () => (await number(victim)) >= target, { timeoutMs: 60_000 })
    const from = await number(validators[0])
    await waitFor(`${victim.name} sealing again`, async () => {
      const latest = await head(validators[0])
      return Number(latest.number) > from && checkQbftHeader(latest).committers.includes(victim.address!)
    }, { timeoutMs: 30_000 })
  })
})
