// Deploys BenchToken with hardhat-ethers to the network named by --network (the e2e test
// uses busanDev: a Busan node on http://127.0.0.1:8545), calls it, and prints one JSON line
// with the deployment for the caller to check over JSON-RPC.
//   npx hardhat run scripts/hardhat/deploy-bench-token.ts --network busanDev
import { network } from 'hardhat'

const SUPPLY = 1_000_000n * 10n ** 18n
const TRANSFER = 1234n

const connection = await network.create()
const { ethers } = connection
const [deployer, recipient] = await ethers.getSigners()
const chainId = (await ethers.provider.getNetwork()).chainId

const token = await ethers.deployContract('BenchToken', [SUPPLY], deployer)
await token.waitForDeployment()
const address = await token.getAddress()
const deployment = token.deploymentTransaction()
const deployReceipt = await deployment?.wait()

const transfer = await token.transfer(recipient.address, TRANSFER)
const transferReceipt = await transfer.wait()

const result = {
  network: connection.networkName,
  chainId: chainId.toString(),
  address,
  deployer: deployer.address,
  recipient: recipient.address,
  deployTx: deployment?.hash,
  deployBlock: deployReceipt?.blockNumber,
  transferTx: transfer.hash,
  transferBlock: transferReceipt?.blockNumber,
  name: await token.name(),
  totalSupply: (await token.totalSupply()).toString(),
  recipientBalance: (await token.balanceOf(recipient.address)).toString(),
}
await connection.close()
console.log(`DEPLOYED ${JSON.stringify(result)}`)
