// The standard predeploys' data is the canonical state: each account is re-derived here from the
// deployment input its file records (the keyless pre-signed transaction whose signer and CREATE
// address are fixed, or the CREATE2 factory, salt and initcode whose hash fixes the address), by
// running that input in the EthereumJS EVM; and each code hash is compared with the hash of the
// same contract's runtime bytes as the OP Stack ships them (ethereum-optimism/optimism,
// packages/contracts-bedrock/src/libraries/Preinstalls.sol at commit d317e96c: MultiCall3Code,
// DeterministicDeploymentProxyCode, EntryPoint_v070Code, SenderCreator_v070Code), which were
// compared byte for byte with these files when they were written.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ethers } from 'ethers'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createEVM } from '@ethereumjs/evm'
import { SimpleStateManager } from '@ethereumjs/statemanager'
import { createLegacyTxFromRLP } from '@ethereumjs/tx'
import { Account, bytesToHex, createAddressFromString, hexToBytes, setLengthLeft, type Address } from '@ethereumjs/util'
import { devGenesis, STANDARD_PREDEPLOYS, withStandardPredeploys, type GenesisFile, type Predeploy } from '../src/index.ts'

/** keccak256 of the OP Stack's copy of each runtime (see the header). */
const PUBLISHED_CODE_HASHES: Record<string, string> = {
  '0xcA11bde05977b3631167028862bE2a173976CA11': '0xd5c15df687b16f2ff992fc8d767b4216323184a2bbc6ee2f9c398c318e770891',
  '0x4e59b44847b379578588920cA78FbF26c0B4956C': '0x2fa86add0aed31f33a762c9d88e807c475bd51d0f52bd0955754b2608f7e4989',
  '0x0000000071727De22E5E9d8BAf0edAc6f37da032': '0x8db5ff695839d655407cc8490bb7a5d82337a86a6b39c3f0258aa6c3b582fc58',
  '0xEFC2c1444eBCC4Db75e7613d20C6a62fF67A167C': '0x283c9d14378f5f4c4e24045b87d621d48443fa5b4af7dd7180a599b3756a7689',
}

/** The deployers of the keyless transactions, as their projects publish them. */
const PUBLISHED_DEPLOYERS: Record<string, string> = {
  Multicall3: '0x05f32B3cC3888453ff71B01135B34FF8e41263F2',
  DeterministicDeploymentProxy: '0x3fAB184622Dc19b6109349B94811493BF2a45362',
}

/** A state manager that records the storage a constructor writes. */
class RecordingState extends SimpleStateManager {
  readonly writes = new Map<string, Record<string, string>>()

  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const slots = this.writes.get(address.toString()) ?? {}
    slots[bytesToHex(setLengthLeft(key, 32))] = bytesToHex(setLengthLeft(value, 32))
    this.writes.set(address.toString(), slots)
    await super.putStorage(address, key, value)
  }
}

/** Runs `initCode` as the creation of `address` (whose nonce is `nonce` beforehand) from `caller`. */
async function create(caller: string, address: string, initCode: Uint8Array, nonce: bigint) {
  const state = new RecordingState()
  const evm = await createEVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Cancun }), stateManager: state })
  const at = createAddressFromString(address)
  await state.putAccount(at, new Account(nonce))
  const result = await evm.runCall({ caller: createAddressFromString(caller), to: at, code: initCode, data: new Uint8Array(), gasLimit: 30_000_000n })
  assert.equal(result.execResult.exceptionError, undefined, `creation of ${address} failed`)
  const account = async (target: string) => ({
    code: bytesToHex(await state.getCode(createAddressFromString(target))),
    nonce: (await state.getAccount(createAddressFromString(target)))?.nonce ?? 0n,
    storage: state.writes.get(target.toLowerCase()) ?? {},
  })
  return { runtime: bytesToHex(result.execResult.returnValue), account }
}

const all = Object.values(STANDARD_PREDEPLOYS)
const byName = (name: string): Predeploy => all.find((p) => p.name === name)!

describe('standard predeploys', () => {
  it('have the code hashes the OP Stack copies of the same contracts have', () => {
    assert.deepEqual(all.map((p) => p.address).sort(), Object.keys(PUBLISHED_CODE_HASHES).sort())
    for (const predeploy of all) {
      assert.equal(predeploy.address, ethers.getAddress(predeploy.address), `${predeploy.name}: address not checksummed`)
      assert.equal(ethers.keccak256(predeploy.code), predeploy.codeHash, `${predeploy.name}: codeHash is not keccak256(code)`)
      assert.equal(predeploy.codeHash, PUBLISHED_CODE_HASHES[predeploy.address], predeploy.name)
    }
  })

  for (const name of ['Multicall3', 'DeterministicDeploymentProxy']) {
    it(`${name} is what its keyless deployment transaction creates`, async () => {
      const predeploy = byName(name)
      assert.equal(predeploy.deployment.type, 'presignedTransaction')
      if (predeploy.deployment.type !== 'presignedTransaction') return
      const tx = createLegacyTxFromRLP(hexToBytes(predeploy.deployment.transaction as `0x${string}`), { common: new Common({ chain: Mainnet, hardfork: Hardfork.Homestead }) })
      const from = ethers.getAddress(tx.getSenderAddress().toString())
      assert.equal(from, PUBLISHED_DEPLOYERS[name])
      assert.equal(predeploy.deployment.from, from)
      assert.equal(tx.nonce, 0n)
      assert.equal(tx.to, undefined, 'a contract creation')
      assert.equal(ethers.getCreateAddress({ from, nonce: 0 }), predeploy.address)
      const { runtime } = await create(from, predeploy.address, tx.data, 0n)
      assert.equal(runtime, predeploy.code)
      assert.equal(predeploy.nonce, '0x1')
      assert.deepEqual(predeploy.storage, {})
    })
  }

  it('EntryPoint v0.7 and its SenderCreator are what the CREATE2 deployment of v0.7.0 leaves', async () => {
    const entryPoint = STANDARD_PREDEPLOYS.entryPointV07
    const senderCreator = STANDARD_PREDEPLOYS.senderCreatorV07
    const { deployment } = entryPoint
    assert.equal(deployment.type, 'create2')
    if (deployment.type !== 'create2') return
    assert.equal(deployment.factory, STANDARD_PREDEPLOYS.deterministicDeploymentProxy.address)
    assert.equal(ethers.keccak256(deployment.initCode), deployment.initCodeHash)
    // The address commits to the initcode: these bytes are the ones deployed on every chain.
    assert.equal(ethers.getCreate2Address(deployment.factory, deployment.salt, deployment.initCodeHash), entryPoint.address)

    const { runtime, account } = await create(deployment.factory, entryPoint.address, hexToBytes(deployment.initCode as `0x${string}`), 1n)
    assert.equal(runtime, entryPoint.code)
    const afterCreation = await account(entryPoint.address)
    assert.equal(afterCreation.nonce, BigInt(entryPoint.nonce), 'nonce 1, plus the SenderCreator its constructor created')
    assert.deepEqual(afterCreation.storage, entryPoint.storage, 'the reentrancy guard the constructor sets')

    assert.deepEqual(senderCreator.deployment, { type: 'createdBy', creator: entryPoint.address, creatorNonce: 1 })
    assert.equal(ethers.getCreateAddress({ from: entryPoint.address, nonce: 1 }), senderCreator.address)
    const created = await account(senderCreator.address)
    assert.equal(created.code, senderCreator.code)
    assert.equal(created.nonce, BigInt(senderCreator.nonce))
    assert.deepEqual(created.storage, senderCreator.storage)
    // EntryPoint keeps the SenderCreator's address as an immutable in its runtime code.
    assert.ok(entryPoint.code.toLowerCase().includes(senderCreator.address.slice(2).toLowerCase()))
  })

  it('are in the dev genesis, with their code, nonce and storage', () => {
    for (const options of [{}, { consensus: 'qbft' as const }, { period: 0 }]) {
      const genesis = devGenesis(options)
      for (const predeploy of all) {
        const entry = genesis.alloc[predeploy.address.toLowerCase()]
        assert.ok(entry !== undefined, `${predeploy.name} missing`)
        assert.equal(entry.code, predeploy.code)
        assert.equal(entry.nonce, predeploy.nonce)
        assert.deepEqual(entry.storage ?? {}, predeploy.storage)
      }
    }
  })

  it('are added to any genesis once, keep a balance there, and refuse another contract at their address', () => {
    const base: GenesisFile = { config: { chainId: 7 }, extraData: '0x', gasLimit: '0x1c9c380', alloc: { [STANDARD_PREDEPLOYS.multicall3.address]: { balance: '0x5' } } }
    const once = withStandardPredeploys(base)
    assert.deepEqual(withStandardPredeploys(once), once)
    assert.equal(Object.keys(once.alloc).length, all.length)
    assert.equal(once.alloc[STANDARD_PREDEPLOYS.multicall3.address.toLowerCase()].balance, '0x5')
    assert.equal(base.alloc[STANDARD_PREDEPLOYS.multicall3.address].code, undefined, 'the input is not modified')
    const squatted = { ...base, alloc: { [STANDARD_PREDEPLOYS.entryPointV07.address.toLowerCase()]: { balance: '0x0', code: '0x00' } } }
    assert.throws(() => withStandardPredeploys(squatted), /another account at EntryPoint v0\.7's address/)
  })
})
