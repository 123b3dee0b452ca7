import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { before, describe, it } from 'node:test'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { getAddress, Interface, TypedDataEncoder } from 'ethers'
import { devAccounts, devGenesis, STANDARD_PREDEPLOYS, validateGenesis } from '@busan/chain-config'
import {
  artifactsFromDirectory,
  buildGenesis,
  type BuiltGenesis,
  compileContracts,
  formatJson,
  type GenesisConfig,
  GenesisVm,
  readGenesisConfig,
  SYSTEM_CONTRACTS,
  type SystemContractKey,
} from '../src/index.ts'

const root = resolve(import.meta.dirname, '../../..')
const configPath = join(root, 'genesis/devnet.config.json')
const artifacts = artifactsFromDirectory(join(root, 'artifacts'))
const ERC1967_IMPLEMENTATION_SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc'
/** 2030-01-01: well inside the dev credentials' validity. */
const NOW = 1_893_456_000n

const [city, memberA, , issuer, treasury, custodian, operator, feeTreasury, resident, merchant] = devAccounts()

async function buildDevnet(config?: GenesisConfig): Promise<BuiltGenesis> {
  return buildGenesis(config ?? (await readGenesisConfig(configPath)), artifacts, { baseDir: join(root, 'genesis') })
}

/** eth_call / eth_sendTransaction against a genesis-loaded VM, through the deployed ABIs. */
function contractsIn(vm: GenesisVm, built: BuiltGenesis) {
  const handle = (key: SystemContractKey) => {
    const { address, abi } = built.deployments.contracts[key]
    const iface = new Interface(abi)
    return {
      address,
      async view(method: string, args: unknown[] = []) {
        const data = await vm.view({ from: city.address, to: address, data: iface.encodeFunctionData(method, args), timestamp: NOW })
        return iface.decodeFunctionResult(method, data)
      },
      async send(from: string, method: string, args: unknown[] = []) {
        await vm.call({ from, to: address, data: iface.encodeFunctionData(method, args), timestamp: NOW })
      },
      encode: (method: string, args: unknown[]) => iface.encodeFunctionData(method, args),
    }
  }
  return {
    council: handle('council'),
    registry: handle('bpassRegistry'),
    voucher: handle('voucher'),
    commodities: handle('commodities'),
    exchange: handle('exchange'),
  }
}

describe('genesis builder', () => {
  let built: BuiltGenesis

  before(async () => {
    await compileContracts(root)
    built = await buildDevnet()
  })

  it('writes a valid genesis on top of the dev genesis, with every system contract at its fixed address', () => {
    validateGenesis(built.genesis)
    assert.equal(built.genesis.config.chainId, 31337)
    for (const account of devAccounts()) assert.ok(built.genesis.alloc[account.address.toLowerCase()] !== undefined)
    for (const contract of SYSTEM_CONTRACTS) {
      const proxy = built.genesis.alloc[contract.address]
      const implementation = built.genesis.alloc[contract.implementation]
      assert.ok(proxy?.code !== undefined && implementation?.code !== undefined, `${contract.name} deployed`)
      assert.equal(proxy.nonce, '0x1')
      assert.equal(built.deployments.contracts[contract.key].address, getAddress(contract.address))
      assert.equal(built.deployments.contracts[contract.key].implementation, getAddress(contract.implementation))
      assert.equal(built.deployments.contracts[contract.key].name, contract.name)
    }
    assert.equal(SYSTEM_CONTRACTS[0].address, '0x00000000000000000000000000000000b0500001')
  })

  it('leaves contracts that answer calls once the genesis is loaded into a fresh VM', async () => {
    const vm = await GenesisVm.fromGenesis(built.genesis)
    const { council, registry, voucher, commodities, exchange } = contractsIn(vm, built)

    for (const contract of SYSTEM_CONTRACTS) {
      const word = await vm.storageAt(contract.address, ERC1967_IMPLEMENTATION_SLOT)
      assert.equal(getAddress(`0x${word.slice(26)}`), getAddress(contract.implementation), `${contract.name} proxy points at its implementation`)
    }
    const [owners] = await council.view('owners')
    assert.deepEqual(
      owners.map((owner: [string, bigint]) => [owner[0], owner[1]]),
      [
        [city.address, 3n],
        [memberA.address, 1n],
        [devAccounts()[2].address, 1n],
      ],
    )
    assert.equal((await council.view('threshold'))[0], 4n)

    const [issuerRole] = await registry.view('ISSUER_ROLE')
    assert.equal((await registry.view('hasRole', [issuerRole, issuer.address]))[0], true)
    assert.equal((await registry.view('isVerified', [resident.address]))[0], true)
    assert.equal((await registry.view('hasBPassRole', [merchant.address, 2]))[0], true)
    assert.equal((await registry.view('isVerified', [treasury.address]))[0], false)

    const [adminRole] = await voucher.view('DEFAULT_ADMIN_ROLE')
    for (const contract of [registry, voucher, commodities, exchange]) {
      assert.equal((await contract.view('hasRole', [adminRole, council.address]))[0], true, 'the council administers every contract')
    }
    assert.equal((await voucher.view('decimals'))[0], 0n)
    assert.equal((await voucher.view('name'))[0], 'Busan Dongbaekjeon')
    assert.equal((await commodities.view('uri', [1]))[0], 'ipfs://busan-commodities/gold.json')
    assert.equal((await commodities.view('asset', [3]))[0].custodian, custodian.address)
    assert.equal((await exchange.view('feeBps'))[0], 30n)
    assert.equal((await exchange.view('feeTreasury'))[0], feeTreasury.address)
    assert.equal((await exchange.view('isPaymentTokenAllowed', [voucher.address]))[0], true)
    const [operatorRole] = await exchange.view('OPERATOR_ROLE')
    assert.equal((await exchange.view('hasRole', [operatorRole, operator.address]))[0], true)
  })

  it('leaves contracts that work: vouchers are issued and move, and the council governs', async () => {
    const vm = await GenesisVm.fromGenesis(built.genesis)
    const { council, voucher } = contractsIn(vm, built)
    await voucher.send(treasury.address, 'issue', [resident.address, 10_000])
    await voucher.send(resident.address, 'transfer', [merchant.address, 2_500])
    assert.equal((await voucher.view('balanceOf', [merchant.address]))[0], 2_500n)
    await assert.rejects(voucher.send(resident.address, 'transfer', [treasury.address, 1]), 'the treasury holds no B-Pass')

    await council.send(city.address, 'propose', [voucher.address, 0, voucher.encode('pause', [])])
    await council.send(memberA.address, 'confirm', [0])
    await council.send(city.address, 'execute', [0])
    assert.equal((await voucher.view('paused'))[0], true)
  })

  it('is deterministic and matches the committed devnet files', async () => {
    const again = await buildDevnet()
    assert.equal(formatJson(again.genesis), formatJson(built.genesis))
    assert.equal(formatJson(again.deployments), formatJson(built.deployments))
    assert.equal(await readFile(join(root, 'genesis/devnet.json'), 'utf8'), formatJson(built.genesis), 'run the genesis builder and commit genesis/devnet.json')
    assert.equal(await readFile(join(root, 'deployments/devnet.json'), 'utf8'), formatJson(built.deployments), 'commit deployments/devnet.json')
  })

  it('carries the standard predeploys on any base genesis, and lists them in the deployments', async () => {
    // A base genesis file without them (devGenesis() has them already).
    const { alloc, ...rest } = devGenesis()
    const bare = { ...rest, alloc: Object.fromEntries(devAccounts().map((account) => [account.address.toLowerCase(), alloc[account.address.toLowerCase()]])) }
    const dir = await mkdtemp(join(tmpdir(), 'busan-genesis-'))
    await writeFile(join(dir, 'base.json'), JSON.stringify(bare))
    const config = await readGenesisConfig(configPath)
    const fromFile = await buildGenesis({ ...config, baseGenesis: 'base.json' }, artifacts, { baseDir: dir }).finally(() => rm(dir, { recursive: true }))
    for (const result of [built, fromFile]) {
      for (const [key, predeploy] of Object.entries(STANDARD_PREDEPLOYS)) {
        const entry = result.genesis.alloc[predeploy.address.toLowerCase()]
        assert.deepEqual(entry, { balance: '0x0', nonce: predeploy.nonce, code: predeploy.code, ...(Object.keys(predeploy.storage).length > 0 ? { storage: predeploy.storage } : {}) }, predeploy.name)
        const listed = result.deployments.predeploys[key as keyof typeof STANDARD_PREDEPLOYS]
        assert.deepEqual(listed, { name: predeploy.name, address: predeploy.address, codeHash: predeploy.codeHash, source: predeploy.source, ...(predeploy.abi === undefined ? {} : { abi: predeploy.abi }) })
      }
    }
  })

  it("publishes the exchange's EIP-712 order domain and types, which hash orders as the contract does", async () => {
    const { domain, types, primaryType, sides } = built.deployments.eip712.exchangeOrder
    assert.deepEqual(domain, { name: 'Busan City Exchange', version: '1', chainId: 31337, verifyingContract: built.deployments.contracts.exchange.address })
    assert.equal(primaryType, 'Order')
    assert.deepEqual(sides, { buy: 0, sell: 1 })
    const vm = await GenesisVm.fromGenesis(built.genesis)
    const { exchange } = contractsIn(vm, built)
    const order = { signer: resident.address, side: sides.sell, assetId: 1n, amount: 5n, price: 70_000n, paymentToken: built.deployments.contracts.voucher.address, expiry: NOW + 60n, salt: 7n }
    assert.equal((await exchange.view('hashOrder', [order]))[0], TypedDataEncoder.hash(domain, types, order))
  })

  it('reports a policy the contracts refuse with their decoded error', async () => {
    const config = await readGenesisConfig(configPath)
    await assert.rejects(buildDevnet({ ...config, council: { ...config.council, threshold: 6 } }), /deploying and initialising CityCouncil reverted: InvalidThreshold\(6, 5\)/)
    const unaccredited = { ...config.bpass.identities[0], issuer: resident.address }
    await assert.rejects(buildDevnet({ ...config, bpass: { ...config.bpass, identities: [unaccredited] } }), /AccessControlUnauthorizedAccount/)
    await assert.rejects(buildDevnet({ ...config, exchange: { ...config.exchange, feeTreasury: 'nobody' } }), /exchange.feeTreasury must be an address/)
  })
})
