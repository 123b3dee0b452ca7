// Hardhat 3 against a running node: `hardhat run scripts/hardhat/deploy-bench-token.ts
// --network busanDev` deploys BenchToken with hardhat-ethers through the busanDev entry of
// hardhat.config.ts (its URL from BUSAN_RPC_URL, here the node's; chainId 31337, dev keys), calls it, and prints
// the deployment; the test checks code, calls, receipts and logs over JSON-RPC.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { Interface, id, zeroPadValue } from 'ethers'
import { startDevNode, type DevNode } from '@busan/testkit'
import { Rpc, devSigners, type Receipt } from './fixtures-pool/rpc.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const hardhatCli = resolve(repoRoot, 'node_modules/hardhat/dist/src/cli.js')
const script = 'scripts/hardhat/deploy-bench-token.ts'

interface Deployment {
  network: string
  chainId: string
  address: string
  deployer: string
  recipient: string
  deployTx: string
  deployBlock: number
  transferTx: string
  transferBlock: number
  name: string
  totalSupply: string
  recipientBalance: string
}

describe('Hardhat 3 deployment to a running node (busanDev)', () => {
  let node: DevNode
  let rpc: Rpc
  let deployment: Deployment
  let artifact: { abi: ConstructorParameters<typeof Interface>[0]; deployedBytecode: string }
  let token: Interface

  before(async () => {
    // Any free port: hardhat.config.ts takes busanDev's URL from BUSAN_RPC_URL.
    node = await startDevNode({ period: 0 })
    rpc = new Rpc(node.rpcUrl)
  })

  after(async () => {
    if (node === undefined) return
    await node.stop()
    node.cleanup()
  })

  it('runs the deployment script with hardhat run --network busanDev', async () => {
    // `hardhat run` builds first (a no-op when the artifacts are current).
    const { stdout } = await promisify(execFile)(process.execPath, [hardhatCli, 'run', script, '--network', 'busanDev'], {
      cwd: repoRoot,
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', BUSAN_RPC_URL: node.rpcUrl },
    })
    const line = stdout.split('\n').find((text) => text.startsWith('DEPLOYED '))
    assert.ok(line !== undefined, `no DEPLOYED line in:\n${stdout}`)
    deployment = JSON.parse(line.slice('DEPLOYED '.length)) as Deployment
    assert.equal(deployment.network, 'busanDev')
    assert.equal(deployment.chainId, '31337')
    assert.equal(deployment.deployer.toLowerCase(), devSigners[0].address)
    assert.equal(deployment.recipient.toLowerCase(), devSigners[1].address)
    // What the script read back through hardhat-ethers.
    assert.equal(deployment.name, 'Bench Token')
    assert.equal(deployment.totalSupply, (1_000_000n * 10n ** 18n).toString())
    assert.equal(deployment.recipientBalance, '1234')

    artifact = JSON.parse(await readFile(resolve(repoRoot, 'artifacts/contracts/bench/BenchToken.sol/BenchToken.json'), 'utf8')) as typeof artifact
    token = new Interface(artifact.abi)
  })

  it('finds the contract code at the printed address', async () => {
    const code = await rpc.call<string>('eth_getCode', [deployment.address, 'latest'])
    assert.equal(code, artifact.deployedBytecode)
    const receipt = await rpc.call<Receipt>('eth_getTransactionReceipt', [deployment.deployTx])
    assert.equal(receipt.status, '0x1')
    assert.equal(receipt.from, devSigners[0].address)
    assert.equal(receipt.to, null)
    assert.equal(receipt.contractAddress, deployment.address.toLowerCase())
    assert.equal(Number(receipt.blockNumber), deployment.deployBlock)
  })

  it('answers calls with the deployed state', async () => {
    const call = async (method: string, args: unknown[] = []) => {
      const data = token.encodeFunctionData(method, args)
      const result = await rpc.call<string>('eth_call', [{ to: deployment.address, data }, 'latest'])
      return token.decodeFunctionResult(method, result)[0] as unknown
    }
    assert.equal(await call('name'), 'Bench Token')
    assert.equal(await call('symbol'), 'BENCH')
    assert.equal(await call('totalSupply'), 1_000_000n * 10n ** 18n)
    assert.equal(await call('balanceOf', [deployment.recipient]), 1234n)
    assert.equal(await call('balanceOf', [deployment.deployer]), 1_000_000n * 10n ** 18n - 1234n)
  })

  it('records the transfer and its Transfer event', async () => {
    const receipt = await rpc.call<Receipt>('eth_getTransactionReceipt', [deployment.transferTx])
    assert.equal(receipt.status, '0x1')
    assert.equal(receipt.to, deployment.address.toLowerCase())
    assert.equal(receipt.logs.length, 1)
    const [log] = receipt.logs
    assert.equal(log.address, deployment.address.toLowerCase())
    assert.deepEqual(log.topics, [id('Transfer(address,address,uint256)'), zeroPadValue(deployment.deployer, 32).toLowerCase(), zeroPadValue(deployment.recipient, 32).toLowerCase()])
    assert.equal(BigInt(log.data), 1234n)
    const logs = await rpc.call<unknown[]>('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', address: deployment.address }])
    // The mint in the constructor and the transfer.
    assert.equal(logs.length, 2)
  })
})
