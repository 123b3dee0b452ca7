// The test vectors of ethereum/execution-apis (`tests/<method>/<name>.io`), read as hive's
// rpc-compat simulator reads them (simulators/ethereum/rpc-compat/testload.go): `//` comment
// lines before the first message form the header (a header line starting `speconly:` marks the
// vector as checked against the method's result schema only), `>>` is a request, `<<` the
// response expected to the request before it, blank lines are ignored, anything else is an error.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Exchange {
  /** The request exactly as the vector has it (sent as is). */
  request: string
  /** The JSON-RPC method of the request. */
  method: string
  /** The response the vector expects, parsed. */
  expected: unknown
}

export interface Vector {
  /** Path under the tests folder, e.g. `eth_getBalance/get-balance.io`. */
  file: string
  /** The method the vector is about: its folder's name. */
  method: string
  /** The header comment, without the `//`. */
  comment: string
  /** Only the shape of a successful result is checked (hive validates it against the OpenRPC result schema). */
  speconly: boolean
  exchanges: Exchange[]
}

export class VectorError extends Error {}

/** Parses one `.io` file's text. */
export function parseVector(file: string, text: string): Vector {
  const vector: Vector = { file, method: file.includes('/') ? file.slice(0, file.indexOf('/')) : '', comment: '', speconly: false, exchanges: [] }
  let inHeader = true
  let pending: { request: string; method: string } | undefined
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    const where = `${file}:${index + 1}`
    if (line === '') return
    if (line.startsWith('//')) {
      if (!inHeader) return
      const comment = line.slice(2).replace(/^ /, '')
      vector.comment += `${comment}\n`
      if (comment.startsWith('speconly:')) vector.speconly = true
      return
    }
    if (!line.startsWith('>>') && !line.startsWith('<<')) throw new VectorError(`${where}: not a comment, request or response: ${line.slice(0, 60)}`)
    inHeader = false
    const data = line.slice(2).trim()
    let parsed: unknown
    try {
      parsed = JSON.parse(data)
    } catch {
      throw new VectorError(`${where}: invalid JSON`)
    }
    if (line.startsWith('>>')) {
      if (pending !== undefined) throw new VectorError(`${where}: a request before the previous one's response`)
      const method = (parsed as { method?: unknown } | null)?.method
      pending = { request: data, method: typeof method === 'string' ? method : '' }
    } else {
      if (pending === undefined) throw new VectorError(`${where}: a response without a request`)
      vector.exchanges.push({ ...pending, expected: parsed })
      pending = undefined
    }
  })
  if (pending !== undefined) throw new VectorError(`${file}: the last request has no response`)
  if (vector.exchanges.length === 0) throw new VectorError(`${file}: no request`)
  if (vector.method === '') vector.method = vector.exchanges[0].method
  return vector
}

/**
 * Every `.io` file under `testsDir`, in the order hive runs them: Go's filepath.Walk, which
 * visits each folder's entries sorted by name (so `a/` comes before `a-b/`, unlike a sort of
 * the full paths). The order matters: some vectors change the node's state (the pool).
 */
export function vectorFiles(testsDir: string, filter?: string): string[] {
  const files: string[] = []
  const walk = (relative: string): void => {
    const entries = readdirSync(join(testsDir, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.io') && (filter === undefined || path.includes(filter))) files.push(path)
    }
  }
  walk('')
  return files
}

/** Reads and parses the vectors of `testsDir` (optionally only paths containing `filter`). */
export function loadVectors(testsDir: string, filter?: string): Vector[] {
  return vectorFiles(testsDir, filter).map((file) => parseVector(file, readFileSync(join(testsDir, file), 'utf8')))
}
