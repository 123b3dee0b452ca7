// The standard contracts most EVM chains carry at their canonical addresses, placed in every
// genesis the project makes (devGenesis(), and whatever the genesis builder writes): Multicall3,
// Arachnid's deterministic deployment proxy (forge's CREATE2 deployer), and ERC-4337's EntryPoint
// v0.7 with the SenderCreator its constructor creates. Each account is the state the canonical
// deployment leaves: the runtime code, the nonce and the storage its constructor wrote, so the
// same address means the same contract here as on mainnet.
//
// The data lives in ../predeploys/*.json, one file per contract, each with the deployment input
// it came from (a pre-signed transaction, or CREATE2 factory + salt + initcode);
// test/predeploys.test.ts re-derives every account from that input and checks each code hash
// against a value published independently.
import deterministicDeploymentProxy from '../predeploys/deterministic-deployment-proxy.json' with { type: 'json' }
import entryPointV07 from '../predeploys/entry-point-v0.7.json' with { type: 'json' }
import multicall3 from '../predeploys/multicall3.json' with { type: 'json' }
import senderCreatorV07 from '../predeploys/sender-creator-v0.7.json' with { type: 'json' }
import type { GenesisAccount, GenesisFile } from './genesis.ts'

/** How a predeploy reached its address on public chains (the input its data is checked against). */
export type PredeployDeployment =
  /** A keyless, pre-EIP-155 transaction: CREATE from `from` at nonce 0, the same on every chain. */
  | { type: 'presignedTransaction'; from: string; transaction: string }
  /** CREATE2 through `factory` (the deterministic deployment proxy): calldata is `salt ++ initCode`. */
  | { type: 'create2'; factory: string; salt: string; initCodeHash: string; initCodeSource: string; initCode: string }
  /** Created by another predeploy's constructor, with CREATE at `creatorNonce`. */
  | { type: 'createdBy'; creator: string; creatorNonce: number }

/** One standard contract: where it lives, what state it has there, and where that comes from. */
export interface Predeploy {
  /** Human name, e.g. "Multicall3". */
  name: string
  /** EIP-55 checksummed canonical address. */
  address: string
  /** keccak256 of `code`, as `eth_getCode`'s result hashes (and EXTCODEHASH returns) on public chains. */
  codeHash: string
  /** Account nonce after the canonical deployment (0x-hex): 1 after a creation (EIP-161), plus one per contract the constructor created. */
  nonce: string
  /** Storage the constructor wrote: 32-byte slot -> 32-byte value, 0x-hex. */
  storage: Record<string, string>
  /** Project or release the contract comes from (a URL). */
  source: string
  deployment: PredeployDeployment
  /** The ABI, kept only where it is small (Multicall3). */
  abi?: unknown[]
  /** Runtime bytecode, 0x-hex. */
  code: string
}

export type PredeployKey = 'multicall3' | 'deterministicDeploymentProxy' | 'entryPointV07' | 'senderCreatorV07'

/** The standard predeploys by key, in the order they are listed in deployments files. */
export const STANDARD_PREDEPLOYS: Readonly<Record<PredeployKey, Predeploy>> = Object.freeze({
  multicall3: multicall3 as Predeploy,
  deterministicDeploymentProxy: deterministicDeploymentProxy as Predeploy,
  entryPointV07: entryPointV07 as Predeploy,
  senderCreatorV07: senderCreatorV07 as Predeploy,
})

/** The genesis `alloc` entry of a predeploy (lowercase address key, as the genesis builder writes keys). */
function allocEntry(predeploy: Predeploy, balance: string): GenesisAccount {
  const entry: GenesisAccount = { balance, nonce: predeploy.nonce, code: predeploy.code }
  if (Object.keys(predeploy.storage).length > 0) entry.storage = { ...predeploy.storage }
  return entry
}

/**
 * `genesis` with every standard predeploy in its alloc. An account already there with exactly
 * the predeploy's code is left as it is; one holding only a balance keeps it and gains the
 * code, nonce and storage. Throws when an account at a predeploy address holds other code,
 * storage or a nonce: a chain whose Multicall3 address runs something else would mislead every
 * tool that trusts the address.
 */
export function withStandardPredeploys(genesis: GenesisFile): GenesisFile {
  const alloc = { ...genesis.alloc }
  for (const predeploy of Object.values(STANDARD_PREDEPLOYS)) {
    const key = Object.keys(alloc).find((address) => address.toLowerCase() === predeploy.address.toLowerCase())
    const existing = key === undefined ? undefined : alloc[key]
    if (existing?.code !== undefined && existing.code.toLowerCase() === predeploy.code.toLowerCase()) continue
    if (existing !== undefined && (existing.code !== undefined || existing.storage !== undefined || BigInt(existing.nonce ?? 0) !== 0n)) {
      throw new Error(`genesis alloc holds another account at ${predeploy.name}'s address ${predeploy.address}: remove it, the genesis builder places ${predeploy.name} there`)
    }
    if (key !== undefined) delete alloc[key]
    alloc[predeploy.address.toLowerCase()] = allocEntry(predeploy, existing?.balance ?? '0x0')
  }
  return { ...genesis, alloc }
}
