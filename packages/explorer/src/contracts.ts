// The city's system contracts (deployments/devnet.json, the same file dApps use): their names
// and verified ABIs, to name addresses and decode calls, events and custom errors.
import { Interface, type LogDescription, type TransactionDescription } from 'ethers'
import deployments from '../../../deployments/devnet.json'

interface Deployment {
  name: string
  address: string
  abi: unknown[]
}

const contracts = Object.values((deployments as { contracts: Record<string, Deployment> }).contracts).map((deployment) => ({
  name: deployment.name,
  address: deployment.address.toLowerCase(),
  contract: new Interface(deployment.abi as never),
}))

/** The system contract at `address`, if it is one. */
export function systemContract(address: string | null | undefined): { name: string; contract: Interface } | undefined {
  if (address === null || address === undefined) return undefined
  return contracts.find((c) => c.address === address.toLowerCase())
}

/** The system contract address of `name` ("CityVoucher", ...). */
export function addressOf(name: string): string {
  const found = contracts.find((c) => c.name === name)
  if (found === undefined) throw new Error(`no system contract ${name}`)
  return found.address
}

/** A log decoded with the emitting system contract's ABI. */
export function decodeLog(log: { address: string; topics: string[]; data: string }): LogDescription | undefined {
  try {
    return systemContract(log.address)?.contract.parseLog(log) ?? undefined
  } catch {
    return undefined
  }
}

/** A call decoded with the called system contract's ABI. */
export function decodeCall(to: string | null, input: string): TransactionDescription | undefined {
  try {
    return systemContract(to)?.contract.parseTransaction({ data: input }) ?? undefined
  } catch {
    return undefined
  }
}

/** Revert data as a reason: Error(string), Panic(uint256), or a system contract's custom error. */
export function decodeRevert(data: string): string | undefined {
  if (data === '0x' || data.length < 10) return undefined
  for (const { contract } of contracts) {
    try {
      const error = contract.parseError(data)
      if (error !== null) return error.name === 'Error' ? String(error.args[0]) : `${error.name}(${error.args.map(String).join(', ')})`
    } catch {
      // not this contract's error
    }
  }
  return undefined
}

/** The system contract's `function` encoded, for eth_call. */
export function encodeCall(name: string, fn: string, args: unknown[]): { to: string; data: string } {
  const found = contracts.find((c) => c.name === name)
  if (found === undefined) throw new Error(`no system contract ${name}`)
  return { to: found.address, data: found.contract.encodeFunctionData(fn, args) }
}

/** An eth_call result decoded with the system contract's ABI. */
export function decodeResult(name: string, fn: string, data: string): unknown[] {
  const found = contracts.find((c) => c.name === name)
  if (found === undefined) throw new Error(`no system contract ${name}`)
  return [...found.contract.decodeFunctionResult(fn, data)]
}
