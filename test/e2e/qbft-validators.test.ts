// Changing QBFT validators over real node processes, both ways Besu offers:
// - header votes: more than half of the validators vote (qbft_proposeValidatorVote) to add a
//   fifth validator, which then proposes and seals; votes to drop it remove it again;
// - a validator contract: the city's ValidatorSet, deployed at genesis and owned by the
//   CityCouncil multisig, decides; a council decision adds a validator (it starts proposing)
//   and removes one (its seals stop counting); the vote RPCs are refused (-32604).
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devAccounts } from '@busan/chain-config'
import { artifactsFromDirectory, buildGenesis, readGenesisConfig, systemContract } from '@busan/genesis-builder'
import { Cluster, testKey, type ClusterNode } from './network-helpers/cluster.ts'
import { waitFor, waitForPeers, waitForSameHead } from './network-helpers/chain.ts'
import { checkQbftHeader, type HeaderJson } from './helpers/qbft.ts'

const repoRoot = resolve(import.meta.dirname, '../..')

async function validatorsAt(node: ClusterNode, tag = 'latest'): Promise<string[]> {
  return (await node.rpc<string[]>('qbft_getValidatorsByBlockNumber', [tag])).map((v) => v.toLowerCase()).sort()
}

/** Waits until a block proposed by `address` and one sealed by it appear, checking headers with ethers. */
async function waitForParticipation(node: ClusterNode, address: string, from: number): Promise<void> {
  const seen = { proposed: false, sealed: false }
  let next = from
  await waitFor(`${address} proposes and seals`, async () => {
    const head = Number(await node.rpc<string>('eth_blockNumber'))
    for (; next <= head; next++) {
      const header = await node.rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(next), false])
      const facts = checkQbftHeader(header)
      if (header.miner.toLowerCase() === address) seen.proposed = true
      if (facts.committers.includes(address)) seen.sealed = true
    }
    return seen.proposed && seen.sealed
  }, { timeoutMs: 60_000 })
}

describe('QBFT validators voted in block headers', { timeout: 240_000 }, () => {
  const cluster = Cluster.create({ name: 'qbftv', keys: 5, signers: 4, period: 1, consensus: 'qbft', qbft: { requesttimeoutseconds: 2 } })
  let nodes: ClusterNode[] = []

  before(async () => {
    nodes = await cluster.init('validator-0', 'validator-1', 'validator-2', 'validator-3', 'candidate')
    await Promise.all(nodes.map((node, i) => node.start({ key: cluster.keys[i], bootnodes: cluster.bootnodesFor(node) })))
    await waitForPeers(nodes, 4)
  })
  after(() => cluster.destroy())

  it('adds a fifth validator once more than half voted for it; it proposes and seals', async () => {
    const candidate = cluster.keys[4].address.toLowerCase()
    assert.ok(!(await validatorsAt(nodes[0])).includes(candidate))
    // Three of four: more than half. Each keeps voting in the blocks it proposes until it passes.
    for (const node of nodes.slice(0, 3)) assert.equal(await node.rpc('qbft_proposeValidatorVote', [candidate, true]), true)
    assert.deepEqual(await nodes[0].rpc('qbft_getPendingVotes'), { [candidate]: true })
    const added = await waitFor('the candidate in the validator set', async () => {
      const number = Number(await nodes[0].rpc<string>('eth_blockNumber'))
      return (await validatorsAt(nodes[0])).includes(candidate) ? number : undefined
    }, { timeoutMs: 60_000 })
    for (const node of nodes.slice(0, 3)) await node.rpc('qbft_discardValidatorVote', [candidate])
    await waitForParticipation(nodes[0], candidate, added)
    await waitForSameHead(nodes, 30_000)
  })

  it('drops it again when more than half of the five vote so', async () => {
    const candidate = cluster.keys[4].address.toLowerCase()
    for (const node of nodes.slice(0, 3)) await node.rpc('qbft_proposeValidatorVote', [candidate, false])
    const removed = await waitFor('the candidate out of the set', async () => {
      const number = Number(await nodes[0].rpc<string>('eth_blockNumber'))
      return (await validatorsAt(nodes[0])).includes(candidate) ? undefined : number
    }, { timeoutMs: 60_000 })
    // Blocks after the drop are sealed without it, and keep coming.
    await waitFor('three blocks after the drop', async () => Number(await nodes[0].rpc<string>('eth_blockNumber')) >= removed + 3, { timeoutMs: 30_000 })
    for (let n = removed + 1; n <= removed + 3; n++) {
      const facts = checkQbftHeader(await nodes[0].rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(n), false]))
      assert.ok(!facts.validators.includes(candidate) && !facts.committers.includes(candidate), `block ${n}`)
    }
  })
})

describe('QBFT validators from the ValidatorSet contract, governed by the council', { timeout: 240_000 }, () => {
  const validatorSet = systemContract('validatorSet').address
  let cluster: Cluster
  let nodes: ClusterNode[] = []
  const [cityHall, memberA] = devAccounts(2).map((a) => new ethers.Wallet(a.privateKey))

  before(async () => {
    // The devnet genesis (the city's system contracts) with the ValidatorSet naming four test validators.
    const config = await readGenesisConfig(resolve(repoRoot, 'genesis/devnet.config.json'))
    const validators = [0, 1, 2, 3].map((i) => testKey(`qbftc-key-${i}`).address)
    const { genesis } = await buildGenesis({ ...config, validatorSet: { validators } }, artifactsFromDirectory(resolve(repoRoot, 'artifacts')), { baseDir: resolve(repoRoot, 'genesis') })
    cluster = Cluster.create({ name: 'qbftc', keys: 5, signers: 4, period: 1, consensus: 'qbft', qbft: { requesttimeoutseconds: 2, validatorcontractaddress: validatorSet.toLowerCase() }, base: genesis })
    nodes = await cluster.init('validator-0', 'validator-1', 'validator-2', 'validator-3', 'newcomer')
    await Promise.all(nodes.map((node, i) => node.start({ key: cluster.keys[i], bootnodes: cluster.bootnodesFor(node) })))
    await waitForPeers(nodes, 4)
  })
  after(() => cluster?.destroy())

  /** The council (city hall, weight 3, and member A, weight 1: the threshold of 4) calls ValidatorSet. */
  async function councilDecides(node: ClusterNode, method: 'addValidator' | 'removeValidator', validator: string): Promise<number> {
    const provider = new ethers.JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
    try {
      const council = new ethers.Contract(systemContract('council').address, ['function propose(address,uint256,bytes) returns (uint256)', 'function confirm(uint256)', 'function execute(uint256)', 'function proposalCount() view returns (uint256)'], provider)
      const data = new ethers.Interface([`function ${method}(address)`]).encodeFunctionData(method, [validator])
      const id: bigint = await council.proposalCount()
      await (await (council.connect(cityHall.connect(provider)) as ethers.Contract).getFunction('propose')(validatorSet, 0n, data)).wait()
      await (await (council.connect(memberA.connect(provider)) as ethers.Contract).getFunction('confirm')(id)).wait()
      const receipt = await (await (council.connect(cityHall.connect(provider)) as ethers.Contract).getFunction('execute')(id)).wait()
      assert.equal(receipt?.status, 1)
      return receipt!.blockNumber
    } finally {
      provider.destroy()
    }
  }

  it('takes the validators from the contract, lists none in headers, and refuses header votes', async () => {
    const expected = [0, 1, 2, 3].map((i) => cluster.keys[i].address.toLowerCase()).sort()
    await waitFor('block 2', async () => Number(await nodes[0].rpc<string>('eth_blockNumber')) >= 2, { timeoutMs: 30_000 })
    assert.deepEqual(await validatorsAt(nodes[0]), expected)
    const facts = checkQbftHeader(await nodes[0].rpc<HeaderJson>('eth_getBlockByNumber', ['latest', false]))
    assert.deepEqual(facts.validators, [], 'contract-mode headers list no validators')
    assert.ok(facts.committers.every((c) => expected.includes(c)))
    const refused = await fetch(nodes[0].rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'qbft_proposeValidatorVote', params: [cluster.keys[4].address, true] }) })
    assert.deepEqual(((await refused.json()) as { error?: unknown }).error, { code: -32604, message: 'Method not enabled' })
  })

  it('adds a validator by council decision: it proposes and seals the blocks after', async () => {
    const newcomer = cluster.keys[4].address.toLowerCase()
    const decided = await councilDecides(nodes[0], 'addValidator', newcomer)
    await waitFor('the newcomer among the validators', async () => (await validatorsAt(nodes[0])).includes(newcomer), { timeoutMs: 30_000 })
    await waitForParticipation(nodes[0], newcomer, decided + 1)
  })

  it('removes a validator by council decision: its seals stop counting and the chain goes on', async () => {
    const leaving = cluster.keys[0].address.toLowerCase()
    const decided = await councilDecides(nodes[1], 'removeValidator', leaving)
    await waitFor('three blocks after the removal', async () => Number(await nodes[1].rpc<string>('eth_blockNumber')) >= decided + 4, { timeoutMs: 30_000 })
    assert.ok(!(await validatorsAt(nodes[1])).includes(leaving))
    for (let n = decided + 2; n <= decided + 4; n++) {
      const facts = checkQbftHeader(await nodes[1].rpc<HeaderJson>('eth_getBlockByNumber', [ethers.toQuantity(n), false]))
      assert.ok(!facts.committers.includes(leaving), `block ${n} carries no seal of the removed validator`)
    }
  })
})
