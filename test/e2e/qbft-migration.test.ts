// A Clique network moving to QBFT without a new genesis (`config.qbft.startblock`), over real
// node processes: four Clique sealers seal blocks 1..5, the same nodes commit block 6 on as QBFT
// validators (the Clique signers of block 5), every QBFT header checked with ethers, and a
// follower that joins afterwards syncs across the switch.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import type { GenesisFile } from '@busan/chain-config'
import { Cluster, type ClusterNode } from './network-helpers/cluster.ts'
import { waitFor, waitForPeers, waitForSameHead } from './network-helpers/chain.ts'
import { checkQbftHeader, quorumOf, type HeaderJson } from './helpers/qbft.ts'

const SWITCH = 6

describe('Clique to QBFT at a configured block', { timeout: 240_000 }, () => {
  const cluster = Cluster.create({ name: 'migrate', keys: 4, signers: 4, period: 1 })
  let sealers: ClusterNode[] = []
  let follower: ClusterNode

  before(async () => {
    // The operator's edit: a qbft section with the first QBFT block, beside the clique one.
    const genesis = JSON.parse(readFileSync(cluster.genesisPath, 'utf8')) as GenesisFile
    genesis.config.qbft = { startblock: SWITCH, blockperiodseconds: 1, requesttimeoutseconds: 2 }
    writeFileSync(cluster.genesisPath, JSON.stringify(genesis, null, 2))
    const nodes = await cluster.init('sealer-0', 'sealer-1', 'sealer-2', 'sealer-3', 'follower')
    sealers = nodes.slice(0, 4)
    follower = nodes[4]
    await Promise.all(sealers.map((node, i) => node.start({ key: cluster.keys[i], bootnodes: cluster.bootnodesFor(node, sealers) })))
    await waitForPeers(sealers, 3)
  })
  after(() => cluster.destroy())

  it(`seals blocks 1..${SWITCH - 1} with Clique and commits from ${SWITCH} on with QBFT, by the same validators`, async () => {
    await waitFor(`block ${SWITCH + 4}`, async () => Number(await sealers[0].rpc<string>('eth_blockNumber')) >= SWITCH + 4, { timeoutMs: 90_000 })
    const signers = (await sealers[0].rpc<string[]>('clique_getSigners', [ethers.toQuantity(SWITCH - 1)])).map((s) => s.toLowerCase()).sort()
    assert.deepEqual(signers, cluster.keys.map((k) => k.address.toLowerCase()).sort())
    for (let n = 1; n < SWITCH; n++) {
      const header = await sealers[0].rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(n), false])
      assert.ok(['0x1', '0x2'].includes(header.difficulty), `block ${n} is a Clique block`)
      assert.equal(ethers.dataLength(header.extraData), 32 + 65, `block ${n}: Clique extraData (vanity + seal)`)
    }
    for (let n = SWITCH; n <= SWITCH + 4; n++) {
      const header = await sealers[0].rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(n), false])
      const facts = checkQbftHeader(header)
      assert.deepEqual(facts.validators, signers, `block ${n}: the Clique signers validate`)
      assert.ok(facts.committers.length >= quorumOf(4) && facts.committers.every((c) => signers.includes(c)), `block ${n}: a quorum of seals`)
    }
    const [latest, finalized] = await Promise.all(['latest', 'finalized'].map((tag) => sealers[1].rpc<HeaderJson>('eth_getBlockByNumber', [tag, false])))
    assert.ok(Number(latest.number) - Number(finalized.number) <= 1, 'QBFT blocks are final at once')
  })

  it('lets a follower that joins afterwards sync across the switch', async () => {
    await follower.start({ bootnodes: sealers.map((s) => s.enode) })
    await waitForSameHead([...sealers, follower], 60_000)
    const header = await follower.rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(SWITCH), false])
    checkQbftHeader(header)
  })
})
