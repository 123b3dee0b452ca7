// The dev chain signs for its dev accounts as anvil, Hardhat and geth --dev do, through ethers'
// JsonRpcSigner (provider.getSigner(): eth_accounts, eth_sendTransaction, personal_sign,
// eth_signTypedData_v4) and the raw methods; every signature is checked by ethers' own recovery.
// A node run with `busan run` holds no keys: it lists no accounts and refuses with geth's words.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ethers } from 'ethers'
import { devAccounts, devGenesis } from '@busan/chain-config'
import { startDevNode, startNodeProcess, type DevNode, type NodeProcess } from '@busan/testkit'
import { Rpc } from './fixtures-pool/rpc.ts'

const dir = mkdtempSync(join(tmpdir(), 'busan-signing-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const RECIPIENT = '0x00000000000000000000000000000000000d0e5a'

describe('dev accounts sign over JSON-RPC', () => {
  let dev: DevNode
  let run: NodeProcess
  let provider: ethers.JsonRpcProvider
  let rpc: Rpc
  const account = devAccounts()[2].address

  before(async () => {
    const genesis = join(dir, 'genesis.json')
    writeFileSync(genesis, JSON.stringify(devGenesis()))
    ;[dev, run] = await Promise.all([
      startDevNode({ period: 0 }),
      startNodeProcess(['run', '--datadir', join(dir, 'run'), '--genesis', genesis, '--http.port', '0', '--p2p.port', '0', '--p2p.addr', '127.0.0.1'], join(dir, 'run')),
    ])
    provider = new ethers.JsonRpcProvider(dev.rpcUrl, undefined, { staticNetwork: true, batchMaxCount: 1 })
    rpc = new Rpc(dev.rpcUrl)
  })
  after(async () => {
    provider?.destroy()
    await Promise.all([dev?.stop(), run?.stop()])
    dev?.cleanup()
  })

  it("sends a transaction from a dev account through ethers' provider.getSigner(), nonce, fees and gas filled by the node", async () => {
    const signer = await provider.getSigner(account)
    const balance = async () => BigInt(await rpc.call<string>('eth_getBalance', [RECIPIENT, 'latest']))
    const before = await balance()
    const sent = await signer.sendTransaction({ to: RECIPIENT, value: 12_345n })
    const receipt = await sent.wait()
    assert.equal(receipt?.status, 1)
    assert.equal(receipt?.from, account)
    assert.equal((await balance()) - before, 12_345n)
    const mined = await provider.getTransaction(sent.hash)
    assert.equal(mined?.type, 2)
    assert.equal(mined?.gasLimit, 21_000n, "the node's estimate for a plain transfer")
    // The signature is the sender's: ethers recovers it from the mined transaction's fields.
    assert.equal(ethers.Transaction.from(mined!).from, account)
  })

  it('signs messages (personal_sign, eth_sign) and EIP-712 typed data that ethers verifies', async () => {
    const signer = await provider.getSigner(account)
    const message = 'Busan B-Pass consent'
    const personal = await signer.signMessage(message)
    assert.equal(ethers.verifyMessage(message, personal), account)
    const hexMessage = ethers.hexlify(ethers.toUtf8Bytes(message))
    assert.equal(await rpc.call('eth_sign', [account, hexMessage]), personal, 'eth_sign signs the same EIP-191 digest')

    const domain = { name: 'CityExchange', version: '1', chainId: (await provider.getNetwork()).chainId, verifyingContract: '0x00000000000000000000000000000000b0500005' }
    const types = { Order: [{ name: 'maker', type: 'address' }, { name: 'amount', type: 'uint256' }, { name: 'nonce', type: 'uint256' }] }
    const order = { maker: account, amount: 1000n, nonce: 7n }
    const typed = await signer.signTypedData(domain, types, order)
    assert.equal(ethers.verifyTypedData(domain, types, order, typed), account)
    // MetaMask sends the typed data as JSON text with EIP712Domain among the types.
    const payload = ethers.TypedDataEncoder.getPayload(domain, types, order)
    assert.equal(await rpc.call('eth_signTypedData_v4', [account, JSON.stringify(payload)]), typed)
  })

  it("signs a complete transaction without sending it (eth_signTransaction), and refuses an incomplete one with geth's words", async () => {
    const nonce = await provider.getTransactionCount(account, 'pending')
    const request = { from: account, to: RECIPIENT, value: '0x5', gas: '0x5208', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00', nonce: ethers.toQuantity(nonce) }
    const signed = await rpc.call<{ raw: string; tx: { hash: string; from: string } }>('eth_signTransaction', [request])
    const tx = ethers.Transaction.from(signed.raw)
    assert.equal(tx.from, account)
    assert.equal(tx.hash, signed.tx.hash)
    assert.deepEqual([tx.to?.toLowerCase(), tx.value, tx.gasLimit, tx.nonce, tx.maxFeePerGas, tx.chainId], [RECIPIENT, 5n, 21_000n, nonce, 2_000_000_000n, (await provider.getNetwork()).chainId])
    assert.equal(await provider.getTransactionCount(account, 'pending'), nonce, 'not sent')

    const { gas: _gas, ...noGas } = request
    assert.deepEqual((await rpc.reply('eth_signTransaction', [noGas])).error, { code: -32000, message: 'gas not specified' })
    const { nonce: _nonce, ...noNonce } = request
    assert.deepEqual((await rpc.reply('eth_signTransaction', [noNonce])).error, { code: -32000, message: 'nonce not specified' })
    const stranger = ethers.Wallet.createRandom().address
    assert.deepEqual((await rpc.reply('eth_sendTransaction', [{ from: stranger, to: RECIPIENT }])).error, { code: -32000, message: 'unknown account' })
    assert.deepEqual((await rpc.reply('personal_sign', ['0x00', stranger])).error, { code: -32000, message: 'unknown account' })
  })

  it('holds no keys on busan run: no accounts, every signing method refused', async () => {
    const plain = new Rpc(run.rpcUrl)
    assert.deepEqual(await plain.call('eth_accounts', []), [])
    assert.deepEqual((await plain.reply('eth_sendTransaction', [{ from: account, to: RECIPIENT }])).error, { code: -32000, message: 'unknown account' })
    assert.deepEqual((await plain.reply('eth_sign', [account, '0x00'])).error, { code: -32000, message: 'unknown account' })
  })
})
