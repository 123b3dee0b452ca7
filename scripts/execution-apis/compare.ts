// Judging one response against the one a vector expects, the way hive's rpc-compat simulator
// does (simulators/ethereum/rpc-compat/main.go), with one grade more:
//   - the whole reply is compared (jsonrpc, id, result or error): JSON equality, object key
//     order irrelevant, numbers by value;
//   - strict: error messages too;
//   - lenient (hive's own rule, for every client): wherever both replies hold an `error` object
//     (the top-level one, or one nested in a result such as eth_simulateV1's calls[].error),
//     its `message` is left out; the code and the data still have to match;
//   - `speconly` vectors: a reply without an error passes when its result is valid against the
//     method's OpenRPC result schema (hive's rule); without the spec at hand, when it has the
//     example's shape (a fallback, see shapeDifference). A reply with an error is compared as above;
//   - the node answering -32601 (method not found) where the vector expects anything else means
//     the method is not served.
import { isDeepStrictEqual } from 'node:util'

export type Outcome = 'pass' | 'strict-fail' | 'fail' | 'not-served'

export interface Verdict {
  outcome: Outcome
  /** Where the reply first differs (the strict difference for `strict-fail`). */
  detail?: string
}

/** Validates a successful result against the method's result schema; undefined when valid. */
export type ResultCheck = (method: string, result: unknown) => string | undefined

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const METHOD_NOT_FOUND = -32601

function kind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return kind(value) === 'object'
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)'
  const text = JSON.stringify(value)
  return text.length > 100 ? `${text.slice(0, 97)}...` : text
}

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path === '' ? key : `${path}.${key}`
}

/** The first path where `got` and `want` differ, as `path: got X, want Y`; undefined when equal. */
export function firstDifference(got: unknown, want: unknown, path = ''): string | undefined {
  const at = path === '' ? '(root)' : path
  if (kind(got) !== kind(want)) return `${at}: got ${show(got)}, want ${show(want)}`
  if (Array.isArray(want)) {
    const array = got as unknown[]
    for (let i = 0; i < Math.min(array.length, want.length); i++) {
      const difference = firstDifference(array[i], want[i], child(path, i))
      if (difference !== undefined) return difference
    }
    if (array.length !== want.length) return `${at}: got ${array.length} items, want ${want.length}`
    return undefined
  }
  if (isObject(want)) {
    const object = got as Record<string, unknown>
    for (const key of Object.keys(want).sort()) {
      if (!(key in object)) return `${child(path, key)}: missing, want ${show(want[key])}`
      const difference = firstDifference(object[key], want[key], child(path, key))
      if (difference !== undefined) return difference
    }
    const extra = Object.keys(object).filter((key) => !(key in want)).sort()
    if (extra.length > 0) return `${child(path, extra[0])}: unexpected, got ${show(object[extra[0]])}`
    return undefined
  }
  return isDeepStrictEqual(got, want) ? undefined : `${at}: got ${show(got)}, want ${show(want)}`
}

/**
 * Copies of both replies without the `message` of every `error` object present in both
 * (walking the expected reply, not descending into error objects), as hive's
 * redactErrorMessages; `redacted` says whether any was removed.
 */
export function withoutErrorMessages(got: unknown, want: unknown): { got: unknown; want: unknown; redacted: boolean } {
  const copies = { got: structuredClone(got) as Json, want: structuredClone(want) as Json, redacted: false }
  const walk = (g: Json, w: Json): void => {
    if (Array.isArray(w)) {
      if (Array.isArray(g)) w.forEach((item, i) => i < g.length && walk(g[i], item))
      return
    }
    if (!isObject(w) || !isObject(g)) return
    for (const key of Object.keys(w)) {
      if (!(key in g)) continue
      if (key !== 'error') {
        walk(g[key], w[key])
        continue
      }
      const [ge, we] = [g[key], w[key]]
      if (isObject(ge) && isObject(we) && 'message' in ge && 'message' in we) {
        delete ge.message
        delete we.message
        copies.redacted = true
      }
    }
  }
  walk(copies.got, copies.want)
  return copies
}

const HEX = /^0x[0-9a-fA-F]*$/

/**
 * A speconly check without the spec, weaker than the schema: the result has the example's
 * shape where both have a value. The same JSON kind (a hex string where the example has one);
 * the keys both objects have shaped alike (a key only one side has passes: the example may hold
 * optional fields, as blockTimestamp in txpool_content); every item of an array shaped like the
 * example's first item.
 */
export function shapeDifference(got: unknown, want: unknown, path = ''): string | undefined {
  const at = path === '' ? '(root)' : path
  if (kind(got) !== kind(want)) return `${at}: got ${kind(got)} ${show(got)}, want a ${kind(want)} like ${show(want)}`
  if (typeof want === 'string' && HEX.test(want) && !HEX.test(got as string)) return `${at}: got ${show(got)}, want a hex string`
  if (Array.isArray(want)) {
    if (want.length === 0) return undefined
    const array = got as unknown[]
    for (let i = 0; i < array.length; i++) {
      const difference = shapeDifference(array[i], want[0], child(path, i))
      if (difference !== undefined) return difference
    }
  } else if (isObject(want)) {
    const object = got as Record<string, unknown>
    for (const key of Object.keys(want).sort()) {
      if (!(key in object)) continue
      const difference = shapeDifference(object[key], want[key], child(path, key))
      if (difference !== undefined) return difference
    }
  }
  return undefined
}

/** Judges one reply (already parsed) against the vector's expected reply. */
export function judge(got: unknown, want: unknown, options: { method: string; speconly: boolean; checkResult?: ResultCheck }): Verdict {
  if (!isObject(got)) return { outcome: 'fail', detail: `not a JSON-RPC reply: ${show(got)}` }
  const wanted = isObject(want) ? want : {}
  const error = isObject(got.error) ? got.error : undefined
  const wantedError = isObject(wanted.error) ? wanted.error : undefined
  if (error?.code === METHOD_NOT_FOUND && wantedError?.code !== METHOD_NOT_FOUND) {
    return { outcome: 'not-served', detail: `-32601 ${show(error.message)}` }
  }
  if (options.speconly && !('error' in got)) {
    const detail = options.checkResult !== undefined
      ? options.checkResult(options.method, got.result)
      : 'result' in wanted ? shapeDifference(got.result, wanted.result, 'result') : 'got a result, want an error'
    return detail === undefined ? { outcome: 'pass' } : { outcome: 'fail', detail }
  }
  const strict = firstDifference(got, want)
  if (strict === undefined) return { outcome: 'pass' }
  if (error !== undefined && 'result' in wanted) return { outcome: 'fail', detail: `got error ${show(error)}, want result ${show(wanted.result)}` }
  const redacted = withoutErrorMessages(got, want)
  if (redacted.redacted && firstDifference(redacted.got, redacted.want) === undefined) return { outcome: 'strict-fail', detail: strict }
  return { outcome: 'fail', detail: firstDifference(redacted.got, redacted.want) ?? strict }
}
