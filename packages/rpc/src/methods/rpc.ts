// The rpc_ namespace, served whatever --http.api says (geth registers it on every server).
import { method, type MethodTable } from '../context.ts'

/** rpc_modules: each namespace this server answers, with version "1.0" (geth's answer). */
export function rpcMethods(namespaces: string[]): MethodTable {
  const modules = Object.fromEntries([...namespaces, 'rpc'].sort().map((name) => [name, '1.0']))
  return { rpc_modules: method([], () => modules) }
}
