// The standard predeploys on a real `busan dev` node, used the way dApp tooling uses them:
// eth_getCode at each canonical address returns the canonical runtime (its keccak256 the hash the
// OP Stack's copy of the same contract has); viem's `multicall` works with a chain definition
// that only names Multicall3's address; a forge script's `new X{salt: s}()` deploys through the
// CREATE2 proxy at the address the CREATE2 formula gives; EntryPoint v0.7 answers viem's
// entryPoint07Abi and takes a deposit. A node started with `busan run` from devGenesis() (what
// `busan dev` falls back to without genesis/devnet.json) has them too.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  getContractAddress,
  http,
  keccak256,
  parseEther,
  parseEventLogs,
  type Abi,
  type Address,
  type Chain,
  type Hex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { entryPoint07Abi, entryPoint07Address, getUserOperationHash, toPackedUserOperation, type UserOperation } from 'viem/account-abstraction'
import { devAccounts, devGenesis } from '@busan/chain-config'
import { startDevNode, startNodeProcess, tempDataDir, type DevNode } from '@busan/testkit'
import { readDeployments, repoRoot } from './city-helpers/city.ts'
import { runForgeScript } from './helpers/forge.ts'

/** keccak256 of the OP Stack's copies (Preinstalls.sol), as packages/chain-config/test/predeploys.test.ts states. */
const PUBLISHED_CODE_HASHES: Record<string, Hex> = {
  '0xcA11bde05977b3631167028862bE2a173976CA11': '0xd5c15df687b16f2ff992fc8d767b4216323184a2bbc6ee2f9c398c318e770891',
  '0x4e59b44847b379578588920cA78FbF26c0B4956C': '0x2fa86add0aed31f33a762c9d88e807c475bd51d0f52bd0955754b2608f7e4989',
  '0x0000000071727De22E5E9d8BAf0edAc6f37da032': '0x8db5ff695839d655407cc8490bb7a5d82337a86a6b39c3f0258aa6c3b582fc58',
  '0xEFC2c1444eBCC4Db75e7613d20C6a62fF67A167C': '0x283c9d14378f5f4c4e24045b87d621d48443fa5b4af7dd7180a599b3756a7689',
}

interface PredeployData {
  name: string
  address: Address
  codeHash: Hex
  code: Hex
}
/** The runtime bytes, from the repository's data files (the genesis builder's input). */
const canonical = (file: string): PredeployData => JSON.parse(readFileSync(join(repoRoot, 'packages/chain-config/predeploys', file), 'utf8'))
const PREDEPLOY_FILES = ['multicall3.json', 'deterministic-deployment-proxy.json', 'entry-point-v0.7.json', 'sender-creator-v0.7.json']

const deployments = readDeployments() as ReturnType<typeof readDeployments> & {
  predeploys: Record<string, { name: string; address: Address; codeHash: Hex; abi?: Abi }>
}
const [funder, , , , , , , , , other] = devAccounts()

let node: DevNode
let busanDev: Chain
let publicClient: ReturnType<typeof createPublicClient>
/** Every JSON-RPC request body viem sent (to see which calls `multicall` made). */
const requests: { method: string; params: unknown[] }[] = []

before(async () => {
  node = await startDevNode({ period: 0 })
  // The chain as a dApp defines it: id, RPC URL and Multicall3's address, nothing else.
  busanDev = defineChain({
    id: deployments.chainId,
    name: 'Busan dev',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.rpcUrl] } },
    contracts: { multicall3: { address: deployments.predeploys.multicall3.address, blockCreated: 0 } },
  })
  const transport = http(undefined, {
    async onFetchRequest(request) {
      const body = JSON.parse(await request.clone().text())
      for (const entry of Array.isArray(body) ? body : [body]) requests.push({ method: entry.method, params: entry.params })
    },
  })
  publicClient = createPublicClient({ chain: busanDev, transport })
})

after(async () => {
  if (node === undefined) return
  await node.stop()
  node.cleanup()
})

describe('standard predeploys on busan dev', () => {
  it('serve the canonical runtime code at each canonical address, listed in deployments/devnet.json', async () => {
    assert.deepEqual(Object.values(deployments.predeploys).map((p) => p.address).sort(), Object.keys(PUBLISHED_CODE_HASHES).sort())
    for (const file of PREDEPLOY_FILES) {
      const { name, address, code } = canonical(file)
      for (const blockTag of ['earliest', 'latest'] as const) {
        const served = await publicClient.getCode({ address, blockTag })
        assert.equal(served, code, `${name} at ${address} (${blockTag})`)
        assert.equal(keccak256(served!), PUBLISHED_CODE_HASHES[address], `${name}: code hash`)
      }
      const listed = Object.values(deployments.predeploys).find((p) => p.address === address)
      assert.equal(listed?.codeHash, PUBLISHED_CODE_HASHES[address], `${name} in deployments/devnet.json`)
    }
    assert.equal(entryPoint07Address, deployments.predeploys.entryPointV07.address, "viem's EntryPoint v0.7 address")
  })

  it("answers viem's multicall through Multicall3, with only the chain definition", async () => {
    const voucher = deployments.contracts.voucher
    const multicall3 = deployments.predeploys.multicall3
    const before = requests.length
    const results = await publicClient.multicall({
      contracts: [
        { address: voucher.address as Address, abi: voucher.abi as Abi, functionName: 'symbol' },
        { address: voucher.address as Address, abi: voucher.abi as Abi, functionName: 'decimals' },
        { address: multicall3.address, abi: multicall3.abi!, functionName: 'getEthBalance', args: [funder.address] },
        { address: multicall3.address, abi: multicall3.abi!, functionName: 'getChainId' },
        // A call that reverts fails alone (allowFailure), the others still answer.
        { address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'getSenderAddress', args: ['0x'] },
      ],
    })
    assert.deepEqual(
      results.slice(0, 4).map((r) => r.result),
      ['DBJ', 0, await publicClient.getBalance({ address: funder.address as Address }), BigInt(deployments.chainId)],
    )
    assert.equal(results[4].status, 'failure')
    const calls = requests.slice(before, before + 1)
    assert.equal(calls[0]?.method, 'eth_call', 'one eth_call for the five reads')
    assert.equal(((calls[0].params[0] as { to: string }).to).toLowerCase(), multicall3.address.toLowerCase())
  })

  it("deploys a forge script's `new X{salt: s}()` through the CREATE2 proxy, at the CREATE2 formula's address", async () => {
    const proxy = deployments.predeploys.deterministicDeploymentProxy.address
    const salt = 0xb05a2026n
    const run = await runForgeScript({
      script: 'script/DeployWithSalt.s.sol',
      contract: 'DeployWithSalt',
      rpcUrl: node.rpcUrl,
      privateKey: funder.privateKey,
      chainId: deployments.chainId,
      env: { COUNTER_SALT: String(salt), COUNTER_START: '42' },
    })
    try {
      assert.equal(run.transactions.length, 1, run.stdout)
      const [sent] = run.transactions
      assert.equal(sent.transaction.to?.toLowerCase(), proxy.toLowerCase(), 'forge sends the creation to the proxy')
      assert.equal(run.receipts[0].status, '0x1')
      // The address computed independently: keccak256(0xff ++ proxy ++ salt ++ keccak256(initcode))[12:].
      const artifact = JSON.parse(readFileSync(join(run.dir, 'out/DeployWithSalt.s.sol/Counter.json'), 'utf8')) as { bytecode: { object: Hex }; abi: Abi }
      const initcode = `${artifact.bytecode.object}${encodeAbiParameters([{ type: 'uint256' }], [42n]).slice(2)}` as Hex
      const saltWord = encodeAbiParameters([{ type: 'uint256' }], [salt])
      assert.equal(sent.transaction.input, `${saltWord}${initcode.slice(2)}`, 'calldata: salt ++ initcode')
      const expected = getContractAddress({ opcode: 'CREATE2', from: proxy, salt: saltWord, bytecode: initcode })
      assert.equal(sent.contractAddress?.toLowerCase(), expected.toLowerCase())
      assert.equal(await publicClient.readContract({ address: expected, abi: artifact.abi, functionName: 'start' }), 42n)
      assert.equal(await publicClient.readContract({ address: expected, abi: artifact.abi, functionName: 'count' }), 42n)
    } finally {
      run.cleanup()
    }
  })

  it('runs EntryPoint v0.7: nonces, deposits, user-operation hashes, and the SenderCreator behind getSenderAddress', async () => {
    const account = privateKeyToAccount(funder.privateKey as Hex)
    const wallet = createWalletClient({ account, chain: busanDev, transport: http(node.rpcUrl) })
    const holder = other.address as Address
    const read = <T>(functionName: string, args: readonly unknown[]) => publicClient.readContract({ address: entryPoint07Address, abi: entryPoint07Abi, functionName, args } as never) as Promise<T>

    assert.equal(await read<bigint>('getNonce', [holder, 0n]), 0n)
    // A 2-D nonce: key in the high 192 bits, sequence 0 in the low 64.
    assert.equal(await read<bigint>('getNonce', [holder, 5n]), 5n << 64n)
    assert.equal(await read<bigint>('balanceOf', [holder]), 0n)

    const hash = await wallet.writeContract({ address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'depositTo', args: [holder], value: parseEther('1') })
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    const [deposited] = parseEventLogs({ abi: entryPoint07Abi, logs: receipt.logs, eventName: 'Deposited' })
    assert.deepEqual(deposited.args, { account: holder, totalDeposit: parseEther('1') })
    assert.equal(await read<bigint>('balanceOf', [holder]), parseEther('1'))
    assert.equal(await publicClient.getBalance({ address: entryPoint07Address }), parseEther('1'))

    // The contract's user-operation hash (EIP-712 over the packed op, chain id and entry point) is viem's.
    const userOperation: UserOperation<'0.7'> = {
      sender: holder,
      nonce: 7n,
      callData: '0x1234',
      callGasLimit: 100_000n,
      verificationGasLimit: 200_000n,
      preVerificationGas: 50_000n,
      maxFeePerGas: 2_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      signature: '0x',
    }
    assert.equal(
      await read<Hex>('getUserOpHash', [toPackedUserOperation(userOperation)]),
      getUserOperationHash({ userOperation, entryPointAddress: entryPoint07Address, entryPointVersion: '0.7', chainId: deployments.chainId }),
    )

    // getSenderAddress has the SenderCreator (at its predeployed address) call the factory named by
    // initCode and reports the first word it returns. Multicall3.getChainId() returns 31337.
    const multicall3 = deployments.predeploys.multicall3
    const initCode = `${multicall3.address}${encodeFunctionData({ abi: multicall3.abi!, functionName: 'getChainId' }).slice(2)}` as Hex
    const revert = await publicClient.simulateContract({ address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'getSenderAddress', args: [initCode] }).then(
      () => assert.fail('getSenderAddress always reverts'),
      (error: BaseError) => error.walk((cause) => cause instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null,
    )
    assert.equal(revert?.data?.errorName, 'SenderAddressResult')
    assert.deepEqual(revert?.data?.args, [getAddress(`0x${(31337).toString(16).padStart(40, '0')}`)])
  })
})

describe('standard predeploys without genesis/devnet.json', () => {
  it('are in devGenesis(), the genesis `busan dev` falls back to, as a node serves it', async () => {
    const dataDir = tempDataDir()
    const genesisFile = join(dataDir, 'dev-genesis.json')
    writeFileSync(genesisFile, JSON.stringify(devGenesis()))
    const fallback = await startNodeProcess(['run', '--datadir', dataDir, '--genesis', genesisFile, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1', '--http.api', 'eth'], dataDir)
    try {
      const client = createPublicClient({ transport: http(fallback.rpcUrl) })
      for (const file of PREDEPLOY_FILES) {
        const { name, address } = canonical(file)
        const served = await client.getCode({ address, blockTag: 'earliest' })
        assert.equal(served === undefined ? undefined : keccak256(served), PUBLISHED_CODE_HASHES[address], name)
      }
    } finally {
      await fallback.stop()
      fallback.cleanup()
    }
  })
})
