// End to end: the chain's configuration as clients read it: the next base fee and the blob
// base fee (EIP-1559 and EIP-4844 formulas computed here), eth_config (EIP-7910, checked
// against the EIP's names and a CRC32 of the genesis hash), eth_capabilities and rpc_modules.
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { rpcError, signed, startE2ENode, type E2ENode } from './helpers/node.ts'

let e: E2ENode

before(async () => {
  e = await startE2ENode()
})

after(async () => {
  await e?.stop()
})

describe('fees and modules', () => {
  it('eth_baseFee is the next block\'s base fee by EIP-1559\'s formula; eth_blobBaseFee EIP-4844\'s at the head\'s excess blob gas', async () => {
    const head = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const [baseFee, gasUsed, gasLimit] = [BigInt(head.baseFeePerGas), BigInt(head.gasUsed), BigInt(head.gasLimit)]
    // EIP-1559: target = limit / 2 (elasticity 2), change bounded by 1/8.
    const target = gasLimit / 2n
    const next =
      gasUsed === target ? baseFee
      : gasUsed > target ? baseFee + (((baseFee * (gasUsed - target)) / target / 8n) > 1n ? (baseFee * (gasUsed - target)) / target / 8n : 1n)
      : baseFee - (baseFee * (target - gasUsed)) / target / 8n
    assert.equal(await e.rpc('eth_baseFee'), ethers.toQuantity(next))
    // EIP-4844's fake_exponential(MIN_BASE_FEE_PER_BLOB_GAS = 1, excess, Prague's update fraction 5007716, EIP-7691).
    const fakeExponential = (factor: bigint, numerator: bigint, denominator: bigint) => {
      let [i, output, accum] = [1n, 0n, factor * denominator]
      while (accum > 0n) {
        output += accum
        accum = (accum * numerator) / (denominator * i)
        i++
      }
      return output / denominator
    }
    assert.equal(await e.rpc('eth_blobBaseFee'), ethers.toQuantity(fakeExponential(1n, BigInt(head.excessBlobGas), 5_007_716n)))
  })

  it('eth_config (EIP-7910): Osaka since genesis, its precompiles and system contracts, EIP-2124\'s fork id', async () => {
    const genesis = await e.rpc('eth_getBlockByNumber', ['0x0', false])
    // EIP-2124: CRC32 of the genesis hash, updated with each fork after genesis (none here).
    const forkId = `0x${crc32(Buffer.from(genesis.hash.slice(2), 'hex')).toString(16).padStart(8, '0')}`
    const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}`
    // Names and addresses as EIP-7910's example and the execution-apis vector (an Osaka chain) give
    // them: 0x01-0x11, and EIP-7951's P256VERIFY at 0x100.
    const names = ['ECREC', 'SHA256', 'RIPEMD160', 'ID', 'MODEXP', 'BN254_ADD', 'BN254_MUL', 'BN254_PAIRING', 'BLAKE2F', 'KZG_POINT_EVALUATION',
      'BLS12_G1ADD', 'BLS12_G1MSM', 'BLS12_G2ADD', 'BLS12_G2MSM', 'BLS12_PAIRING_CHECK', 'BLS12_MAP_FP_TO_G1', 'BLS12_MAP_FP2_TO_G2']
    const precompiles = { ...Object.fromEntries(names.map((name, i) => [name, address(i + 1)])), P256VERIFY: address(0x100) }
    const config = await e.rpc('eth_config')
    assert.deepEqual(config, {
      current: {
        activationTime: 0,
        blobSchedule: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
        chainId: '0x7a69',
        forkId,
        precompiles,
        systemContracts: {
          BEACON_ROOTS_ADDRESS: '0x000f3df6d732807ef1319fb7b8bb8522d0beac02',
          CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS: '0x0000bbddc7ce488642fb579f8b00f3a590007251',
          DEPOSIT_CONTRACT_ADDRESS: '0x0000000000000000000000000000000000000000',
          HISTORY_STORAGE_ADDRESS: '0x0000f90827f1c53a10cb7a02335b175320002935',
          WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS: '0x00000961ef480eb55e80d19ad83579a64c007002',
        },
      },
      next: null,
      last: null,
    })
    // Keys in EIP-7910's order (sorted), as the vector's canonical JSON has them.
    assert.deepEqual(Object.keys(config.current.precompiles), Object.keys(precompiles).sort())
  })

  it('eth_capabilities: an archive node serves every kind of data from block 0 (execution-apis schema)', async () => {
    const head = await e.rpc('eth_getBlockByNumber', ['latest', false])
    const capabilities = await e.rpc('eth_capabilities')
    const all = { disabled: false, oldestBlock: '0x0' }
    assert.deepEqual(capabilities, { head: { number: head.number, hash: head.hash }, state: all, tx: all, logs: all, receipts: all, blocks: all, stateproofs: all })
  })

  it('rpc_modules lists the namespaces served, and rpc, at version 1.0 (geth)', async () => {
    const dev = ['admin', 'clique', 'debug', 'erigon', 'eth', 'net', 'ots', 'personal', 'rpc', 'txpool', 'web3']
    assert.deepEqual(await e.rpc('rpc_modules'), Object.fromEntries(dev.map((name) => [name, '1.0'])))
  })
})

describe('Osaka on the dev chain', () => {
  it('P256VERIFY (EIP-7951) accepts a secp256r1 signature made by node:crypto, as a passkey makes it, and refuses a tampered one', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const message = Buffer.from('B-Pass: transfer 10 vouchers to the market stall')
    const signature = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }) // r || s
    const jwk = publicKey.export({ format: 'jwk' })
    const coordinate = (base64url: string) => Buffer.from(base64url, 'base64url').toString('hex').padStart(64, '0')
    const hash = createHash('sha256').update(message).digest('hex')
    // EIP-7951 input: hash (32) | r (32) | s (32) | x (32) | y (32); 1 as a 32-byte word when valid, empty otherwise.
    const input = `0x${hash}${signature.toString('hex')}${coordinate(jwk.x!)}${coordinate(jwk.y!)}`
    const call = (data: string) => e.rpc('eth_call', [{ to: `0x${'00'.repeat(18)}0100`, data }, 'latest'])
    assert.equal(await call(input), `0x${'00'.repeat(31)}01`)
    const tampered = `${input.slice(0, 2 + 64)}${(BigInt(`0x${input.slice(66, 130)}`) ^ 1n).toString(16).padStart(64, '0')}${input.slice(130)}`
    assert.equal(await call(tampered), '0x')
  })

  it('the pool refuses a transaction above EIP-7825\'s per-transaction cap of 2^24 gas, in geth\'s words', async () => {
    const wallet = e.wallets[3]
    const { raw } = await signed(wallet, { to: e.wallets[4].address, value: 1n, gasLimit: 2n ** 24n + 1n, type: 2 })
    const error = await rpcError(() => e.rpc('eth_sendRawTransaction', [raw]))
    assert.equal(error.code, -32000)
    assert.equal(error.message, `transaction gas limit too high (cap: ${2n ** 24n}, tx: ${2n ** 24n + 1n})`)
    // At the cap it is accepted and mined.
    const receipt = await (await wallet.sendTransaction({ to: e.wallets[4].address, value: 1n, gasLimit: 2n ** 24n })).wait()
    assert.equal(receipt?.status, 1)
  })
})
