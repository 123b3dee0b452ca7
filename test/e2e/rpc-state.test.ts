// End to end: contract deployment, calls, storage, state at older blocks (the node is an
// archive) and Merkle proofs, on a real automining node.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { verifyMerkleProof } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { artifact, deploy } from './helpers/artifacts.ts'
import { mined, rpcError, startE2ENode, type E2ENode } from './helpers/node.ts'

const EMPTY_TRIE_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'
const EMPTY_CODE_HASH = ethers.keccak256('0x')

const word = (n: bigint | number | string) => ethers.zeroPadValue(ethers.toBeHex(n), 32)
/** Storage slot of items[key] for the mapping at slot 1. */
const itemSlot = (key: bigint) => ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['uint256', 'uint256'], [key, 1n]))

let e: E2ENode

before(async () => {
  e = await startE2ENode()
})

after(async () => {
  await e?.stop()
})

describe('a deployed storage contract', () => {
  let store: ethers.Contract
  let address: string
  let deployBlock: number
  let setBlock: number
  let deployer: ethers.Wallet
  let deployReceipt: ethers.TransactionReceipt

  before(async () => {
    deployer = e.wallets[1]
    const deployed = await deploy('Store', deployer, [42n], { overrides: { value: 1000n } })
    store = deployed.contract
    address = deployed.address
    deployReceipt = deployed.receipt
    deployBlock = deployed.receipt.blockNumber
  })

  it('the receipt names the created contract and eth_getCode returns its runtime code', async () => {
    const receipt = deployReceipt
    assert.equal(receipt.to, null)
    assert.equal(receipt.contractAddress, ethers.getCreateAddress({ from: deployer.address, nonce: 0 }))
    assert.equal(receipt.contractAddress, address)
    const raw = await e.rpc('eth_getTransactionReceipt', [receipt.hash])
    assert.equal(raw.to, null)
    assert.equal(raw.contractAddress, address.toLowerCase())
    const tx = await e.rpc('eth_getTransactionByHash', [receipt.hash])
    assert.equal(tx.to, null)
    assert.equal(tx.input, (await e.provider.getTransaction(receipt.hash))!.data)
    const code = await e.rpc('eth_getCode', [address, 'latest'])
    assert.equal(code, artifact('Store').deployedBytecode)
    assert.equal(await e.rpc('eth_getCode', [address, ethers.toQuantity(deployBlock - 1)]), '0x')
    assert.equal(await e.rpc('eth_getCode', [deployer.address, 'latest']), '0x')
    assert.equal(await e.provider.getBalance(address), 1000n)
    // A contract account starts at nonce 1 (EIP-161).
    assert.equal(await e.rpc('eth_getTransactionCount', [address, 'latest']), '0x1')
  })

  it('calls read state (ethers and raw eth_call)', async () => {
    assert.equal(await store.get(), 42n)
    assert.equal(await store.value(), 42n)
    assert.equal(await store.owner(), deployer.address)
    const data = store.interface.encodeFunctionData('get')
    assert.equal(await e.rpc('eth_call', [{ to: address, data }, 'latest']), word(42))
    // "input" is the same as "data"; no "from" is fine; the block defaults to latest.
    assert.equal(await e.rpc('eth_call', [{ to: address, input: data }]), word(42))
    // A call to an account without code returns empty data.
    assert.equal(await e.rpc('eth_call', [{ to: e.wallets[9].address, data }, 'latest']), '0x')
  })

  it('eth_getStorageAt reads known slots, in every slot notation', async () => {
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x0', 'latest']), word(42))
    assert.equal(await e.rpc('eth_getStorageAt', [address, ethers.ZeroHash, 'latest']), word(42))
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x2', 'latest']), ethers.zeroPadValue(deployer.address.toLowerCase(), 32))
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x5', 'latest']), ethers.ZeroHash)
    assert.equal(await e.rpc('eth_getStorageAt', [e.wallets[8].address, '0x0', 'latest']), ethers.ZeroHash)
    assert.equal(await e.provider.getStorage(address, 0), word(42))
  })

  it('writes change storage; older blocks keep their state (archive)', async () => {
    await mined(e, store.setItem(7n, 777n))
    // Read at the head first: what the node keeps of a head's reads (docs/json-rpc.md) must not
    // outlive the head.
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x0', 'latest']), word(42))
    const balanceThen = BigInt(await e.rpc('eth_getBalance', [deployer.address, 'latest']))
    const receipt = await mined(e, store.set(100n))
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x0', 'latest']), word(100))
    assert.ok(BigInt(await e.rpc('eth_getBalance', [deployer.address, 'latest'])) < balanceThen, 'the head moved: its balance is read anew')
    setBlock = receipt.blockNumber
    assert.ok(setBlock > deployBlock + 1)
    const before = ethers.toQuantity(setBlock - 1)
    const at = ethers.toQuantity(setBlock)
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x0', before]), word(42))
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x0', at]), word(100))
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x0', ethers.toQuantity(deployBlock - 1)]), ethers.ZeroHash)
    assert.equal(await e.rpc('eth_getStorageAt', [address, itemSlot(7n), 'latest']), word(777))
    assert.equal(await e.rpc('eth_getStorageAt', [address, itemSlot(7n), ethers.toQuantity(deployBlock)]), ethers.ZeroHash)
    assert.equal(await store.items(7n), 777n)
    // eth_call against older state.
    const data = store.interface.encodeFunctionData('get')
    assert.equal(await e.rpc('eth_call', [{ to: address, data }, before]), word(42))
    assert.equal(await e.rpc('eth_call', [{ to: address, data }, at]), word(100))
    assert.equal(await store.get({ blockTag: setBlock - 1 }), 42n)
    const blockHash = (await e.provider.getBlock(setBlock - 1))!.hash!
    assert.equal(await e.rpc('eth_call', [{ to: address, data }, { blockHash }]), word(42))
    assert.equal(await e.rpc('eth_getStorageAt', [address, '0x0', { blockHash }]), word(42))
    // Balances and nonces at older blocks.
    const senderNow = await e.provider.getBalance(deployer.address, setBlock)
    const senderBefore = await e.provider.getBalance(deployer.address, setBlock - 1)
    assert.ok(senderBefore > senderNow, 'the sender paid for the set() transaction')
    assert.equal(await e.provider.getTransactionCount(deployer.address, setBlock - 1), 2)
    assert.equal(await e.provider.getTransactionCount(deployer.address, setBlock), 3)
  })

  it('eth_getStorageValues: many slots of many accounts at one block (execution-apis), geth\'s limits', async () => {
    const other = e.wallets[8].address
    const before = ethers.toQuantity(setBlock - 1)
    // The values the contract's own code wrote (42 at deploy, 100 by set, 777 at items[7]).
    assert.deepEqual(await e.rpc('eth_getStorageValues', [{ [address]: ['0x0', itemSlot(7n), '0x2', '0x5'], [other]: [ethers.ZeroHash] }, 'latest']), {
      [address.toLowerCase()]: [word(100), word(777), ethers.zeroPadValue(deployer.address.toLowerCase(), 32), ethers.ZeroHash],
      [other.toLowerCase()]: [ethers.ZeroHash],
    })
    assert.deepEqual(await e.rpc('eth_getStorageValues', [{ [address]: ['0x0'] }, before]), { [address.toLowerCase()]: [word(42)] })
    // The block defaults to latest.
    assert.deepEqual(await e.rpc('eth_getStorageValues', [{ [address]: ['0x0'] }]), { [address.toLowerCase()]: [word(100)] })
    const empty = await rpcError(() => e.rpc('eth_getStorageValues', [{}, 'latest']))
    assert.deepEqual([empty.code, empty.message], [-32602, 'empty request'])
    const tooMany = await rpcError(() => e.rpc('eth_getStorageValues', [{ [address]: Array.from({ length: 600 }, (_, i) => ethers.toQuantity(i)), [other]: Array.from({ length: 425 }, (_, i) => ethers.toQuantity(i)) }, 'latest']))
    assert.deepEqual([tooMany.code, tooMany.message], [-38026, 'too many slots (max 1024)'])
    const badAddress = await rpcError(() => e.rpc('eth_getStorageValues', [{ '0x1234': ['0x0'] }, 'latest']))
    assert.equal(badAddress.code, -32602)
    const missing = await rpcError(() => e.rpc('eth_getStorageValues', [{ [address]: ['0x0'] }, '0xfffff']))
    assert.equal(missing.message, 'header not found')
  })

  it('eth_getProof: account proof verifies against the block state root; storage proof gives the value', async () => {
    const slot1 = itemSlot(7n)
    const block = await e.rpc('eth_getBlockByNumber', [ethers.toQuantity(setBlock), false])
    const proof = await e.rpc('eth_getProof', [address, ['0x0', slot1, '0x9'], ethers.toQuantity(setBlock)])
    assert.equal(proof.address, address.toLowerCase())
    assert.equal(proof.balance, '0x3e8')
    assert.equal(proof.nonce, '0x1')
    assert.equal(proof.codeHash, ethers.keccak256(artifact('Store').deployedBytecode))
    assert.ok(Array.isArray(proof.accountProof) && proof.accountProof.length > 0)
    assert.notEqual(proof.storageHash, EMPTY_TRIE_ROOT)
    // The first node hashes to the state root; the proof walks to the account's RLP.
    assert.equal(ethers.keccak256(proof.accountProof[0]), block.stateRoot)
    const account = await verifyMerkleProof(ethers.getBytes(address), proof.accountProof.map(ethers.getBytes), { useKeyHashing: true })
    assert.notEqual(account, null)
    const [nonce, balance, storageRoot, codeHash] = RLP.decode(account!) as Uint8Array[]
    assert.equal(ethers.toBigInt(nonce), 1n)
    assert.equal(ethers.toBigInt(balance), 1000n)
    assert.equal(ethers.hexlify(storageRoot), proof.storageHash)
    assert.equal(ethers.hexlify(codeHash), proof.codeHash)
    // Storage proofs: keys echoed (short as quantity, 32-byte as given), values as quantities.
    assert.equal(proof.storageProof.length, 3)
    assert.deepEqual(
      proof.storageProof.map((p: { key: string; value: string }) => [p.key, p.value]),
      [
        ['0x0', '0x64'],
        [slot1, '0x309'],
        ['0x9', '0x0'],
      ],
    )
    assert.equal(ethers.keccak256(proof.storageProof[0].proof[0]), proof.storageHash)
    const value = await verifyMerkleProof(ethers.getBytes(ethers.ZeroHash), proof.storageProof[0].proof.map(ethers.getBytes), { useKeyHashing: true })
    assert.equal(ethers.toBigInt(RLP.decode(value!) as Uint8Array), 100n)
    // An absent slot has a proof of absence.
    assert.ok(proof.storageProof[2].proof.length > 0)
    assert.equal(await verifyMerkleProof(ethers.getBytes(word(9)), proof.storageProof[2].proof.map(ethers.getBytes), { useKeyHashing: true }), null)
  })

  it('eth_getProof at an older block and for an absent account', async () => {
    const old = await e.rpc('eth_getProof', [address, ['0x0'], ethers.toQuantity(setBlock - 1)])
    assert.equal(old.storageProof[0].value, '0x2a')
    const absent = await e.rpc('eth_getProof', ['0x00000000000000000000000000000000DeaDBeef', [], 'latest'])
    assert.equal(absent.balance, '0x0')
    assert.equal(absent.nonce, '0x0')
    assert.equal(absent.codeHash, EMPTY_CODE_HASH)
    assert.equal(absent.storageHash, EMPTY_TRIE_ROOT)
    assert.deepEqual(absent.storageProof, [])
    assert.ok(absent.accountProof.length > 0)
    const latest = await e.rpc('eth_getBlockByNumber', ['latest', false])
    assert.equal(ethers.keccak256(absent.accountProof[0]), latest.stateRoot)
    const found = await verifyMerkleProof(ethers.getBytes('0x00000000000000000000000000000000DeaDBeef'), absent.accountProof.map(ethers.getBytes), { useKeyHashing: true })
    assert.equal(found, null)
    // A dev account (EOA): empty code and storage.
    const eoa = await e.rpc('eth_getProof', [e.wallets[7].address, [], 'latest'])
    assert.equal(BigInt(eoa.balance), ethers.parseEther('10000'))
    assert.equal(eoa.codeHash, EMPTY_CODE_HASH)
    assert.equal(eoa.storageHash, EMPTY_TRIE_ROOT)
  })

  it('state queries on a block that does not exist fail with "header not found"', async () => {
    const err = await rpcError(() => e.rpc('eth_getStorageAt', [address, '0x0', '0xfffff']))
    assert.equal(err.code, -32000)
    assert.equal(err.message, 'header not found')
    const callErr = await rpcError(() => e.rpc('eth_call', [{ to: address, data: '0x' }, '0xfffff']))
    assert.equal(callErr.message, 'header not found')
    const proofErr = await rpcError(() => e.rpc('eth_getProof', [address, [], '0xfffff']))
    assert.equal(proofErr.message, 'header not found')
  })
})
