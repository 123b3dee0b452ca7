// The city explorer: a single-page app (Preact, built by Vite into dist/) that the node serves
// at /explorer/ on its JSON-RPC port. It reads the chain only through JSON-RPC and the ots_ API,
// so the same build runs against any node that serves them.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Where `npm run build:explorer` writes the app (index.html and assets/). */
export const EXPLORER_DIST = fileURLToPath(new URL('./dist/', import.meta.url))

/** Whether the app has been built (the setup scripts build it; a bare checkout has not). */
export function explorerBuilt(): boolean {
  return existsSync(`${EXPLORER_DIST}index.html`)
}
