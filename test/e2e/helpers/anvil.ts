// anvil (Foundry's development node, from npm), run as a second implementation to compare
// our answers with: it serves geth's debug_trace* formats and Otterscan's ots_* API.
import { ethers } from 'ethers'
import { startAnvilProcess } from '@busan/testkit'
import { RpcCallError } from './node.ts'

export interface Anvil {
  url: string
  provider: ethers.JsonRpcProvider
  /** One JSON-RPC call; throws RpcCallError for an error answer. */
  rpc<T = any>(method: string, params?: unknown[]): Promise<T>
  stop(): Promise<void>
}

/**
 * Starts anvil on a free port with the dev chain's accounts (the same mnemonic, chain id
 * 31337) under Osaka rules (the dev chain's), recording opcode steps so struct-log traces are available.
 */
export async function startAnvil(extraArgs: string[] = []): Promise<Anvil> {
  const { url, stop } = await startAnvilProcess(['--hardfork', 'osaka', '--steps-tracing', ...extraArgs])
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 })
  let id = 1
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) })
    const body = (await response.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } }
    if (body.error !== undefined) throw new RpcCallError(body.error)
    return body.result as T
  }
  return {
    url,
    provider,
    rpc,
    async stop() {
      provider.destroy()
      await stop()
    },
  }
}
