import { createRequire } from 'node:module'
import { defineConfig } from 'hardhat/config'
import hardhatEthers from '@nomicfoundation/hardhat-ethers'
import hardhatNetworkHelpers from '@nomicfoundation/hardhat-network-helpers'
import hardhatNodeTestRunner from '@nomicfoundation/hardhat-node-test-runner'

// The machine has no route to the solc download mirror: Hardhat compiles with the solcjs
// build shipped in the `solc` npm package, which it needs as an absolute path.
const soljsonPath = createRequire(import.meta.url).resolve('solc/soljson.js')

/** Private keys #0..#9 of the dev mnemonic "test test ... junk" (the accounts devGenesis() funds). */
const DEV_PRIVATE_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
]

const compilerSettings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'prague',
}

export default defineConfig({
  plugins: [hardhatEthers, hardhatNetworkHelpers, hardhatNodeTestRunner],
  solidity: {
    // Both profiles compile identically so that the bytecode the tests exercise, the bytecode
    // measured in docs/gas.md and the bytecode the genesis builder embeds are the same.
    // Isolated: each source is compiled in a job of its own dependencies only. Solc's metadata
    // hash, appended to the bytecode, covers the job's remappings, so in a shared job the
    // bytecode of a system contract would change whenever an unrelated contract is added; the
    // genesis builder needs it to depend on the contract's own sources only.
    profiles: {
      default: { version: '0.8.37', path: soljsonPath, settings: compilerSettings, isolated: true },
      production: { version: '0.8.37', path: soljsonPath, settings: compilerSettings, isolated: true },
    },
    // The proxy every system contract sits behind; compiled so tests and the genesis builder
    // deploy OpenZeppelin's audited bytecode rather than a copy of it.
    npmFilesToBuild: ['@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol'],
  },
  paths: {
    // Only the contract suites: the root test/ folder may hold suites run by other tools.
    tests: { nodejs: 'test/contracts' },
  },
  networks: {
    busanDev: {
      type: 'http',
      // BUSAN_RPC_URL points Hardhat at another node (a devnet's RPC node, a remote dev chain).
      url: process.env.BUSAN_RPC_URL ?? 'http://127.0.0.1:8545',
      chainId: 31337,
      accounts: DEV_PRIVATE_KEYS,
    },
  },
})
