import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ethers } from 'ethers'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { createChainCommon, devAccounts, devGenesis, keccak256, privateKeyToAddress, publicKeyToAddress, recoverPublicKey, signDigest } from '../src/index.ts'

test('native keccak256 agrees with the reference implementation around the block size', () => {
  for (const length of [0, 1, 31, 32, 135, 136, 137, 272, 1000]) {
    const data = Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff)
    assert.equal(bytesToHex(keccak256(data)), ethers.keccak256(data), `length ${length}`)
  }
})

test('native signatures verify with the reference curve and recover the signer', () => {
  const [account] = devAccounts(1)
  const key = hexToBytes(account.privateKey as `0x${string}`)
  assert.equal(bytesToHex(privateKeyToAddress(key)), account.address.toLowerCase())
  const digest = keccak256(new TextEncoder().encode('busan'))
  const { r, s, recovery } = signDigest(digest, key)
  const reference = ethers.recoverAddress(digest, { r: bytesToHex(r), s: bytesToHex(s), v: 27 + recovery })
  assert.equal(reference.toLowerCase(), account.address.toLowerCase())
  assert.equal(bytesToHex(publicKeyToAddress(recoverPublicKey(digest, recovery, r, s))), account.address.toLowerCase())
})

test('the dev chain\'s Common runs Osaka without the merge and seals with native crypto', () => {
  const common = createChainCommon(devGenesis())
  assert.equal(common.hardfork(), 'osaka')
  assert.equal(common.isActivatedEIP(7702), true)
  assert.equal(common.isActivatedEIP(7951), true, 'secp256r1 precompile')
  assert.equal(common.isActivatedEIP(4399), false, 'DIFFICULTY stays DIFFICULTY on a Clique chain')
  assert.equal(common.chainId(), 31337n)
  assert.equal(common.customCrypto.keccak256, keccak256)
})
