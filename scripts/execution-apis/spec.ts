// The OpenRPC result schema of each method, built from an execution-apis checkout's `src/` the
// way its specgen tool builds `openrpc.json -deref` (tools/internal/specgen): every file of the
// schema folders is a map of named schemas (`#/components/schemas/<Name>`), every file of the
// method folders a list of methods; `$ref`s are expanded (siblings of a `$ref` win) and each
// `allOf` is merged into its parent (properties united, parent wins; required concatenated).
// hive's rpc-compat validates a `speconly` vector's result against it (JSON Schema 2019-09).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2019 } from 'ajv/dist/2019.js'
import type { ValidateFunction } from 'ajv'
import { parse } from 'yaml'
import type { ResultCheck } from './compare.ts'

type Schema = Record<string, unknown>

/** The folders of execution-apis' Makefile (SPECFLAGS). */
const SCHEMA_DIRS = ['schemas', 'engine/openrpc/schemas']
const METHOD_DIRS = ['eth', 'debug', 'txpool', 'engine/openrpc/methods', 'testing']
const REF_PREFIX = '#/components/schemas/'

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort().map((name) => join(dir, name))
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Expands every `$ref` of `node` from `named`; a cycle is an error (the spec has none). */
export function dereference(node: unknown, named: Record<string, Schema>, visiting = new Set<string>()): unknown {
  if (Array.isArray(node)) return node.map((item) => dereference(item, named, visiting))
  if (!isSchema(node)) return node
  const out: Schema = {}
  for (const [key, value] of Object.entries(node)) if (key !== '$ref') out[key] = dereference(value, named, visiting)
  const ref = node.$ref
  if (typeof ref !== 'string') return out
  if (!ref.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${ref}`)
  const [name, ...pointer] = ref.slice(REF_PREFIX.length).split('/')
  let target: unknown = named[name]
  if (target === undefined) throw new Error(`$ref ${ref}: no such schema`)
  for (const part of pointer) target = isSchema(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined
  if (!isSchema(target)) throw new Error(`$ref ${ref}: not a schema`)
  if (pointer.length === 0 && visiting.has(name)) throw new Error(`$ref ${ref}: cycle`)
  if (pointer.length === 0) visiting.add(name)
  const base = dereference(target, named, visiting) as Schema
  if (pointer.length === 0) visiting.delete(name)
  for (const [key, value] of Object.entries(base)) if (!(key in out)) out[key] = value
  return out
}

/** Merges every `allOf` into the object holding it, as specgen's mergeAllOf. */
export function mergeAllOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(mergeAllOf)
  if (!isSchema(node)) return node
  const out: Schema = {}
  for (const [key, value] of Object.entries(node)) if (key !== 'allOf') out[key] = mergeAllOf(value)
  if (!Array.isArray(node.allOf)) return out
  for (const entry of node.allOf) {
    const sub = mergeAllOf(entry) as Schema
    if (isSchema(sub.properties)) out.properties = { ...sub.properties, ...(isSchema(out.properties) ? out.properties : {}) }
    if (Array.isArray(sub.required)) out.required = [...new Set([...(Array.isArray(out.required) ? out.required : []), ...sub.required])].sort()
    for (const [key, value] of Object.entries(sub)) if (key !== 'properties' && key !== 'required' && !(key in out)) out[key] = value
  }
  return out
}

export interface ResultSchemas {
  /** Methods with a result schema. */
  methods: string[]
  check: ResultCheck
}

/** Reads the spec from an execution-apis `src/` folder. */
export function loadResultSchemas(srcDir: string): ResultSchemas {
  const named: Record<string, Schema> = {}
  for (const file of SCHEMA_DIRS.flatMap((dir) => yamlFiles(join(srcDir, dir)))) Object.assign(named, parse(readFileSync(file, 'utf8')) as Record<string, Schema>)
  const results = new Map<string, unknown>()
  for (const file of METHOD_DIRS.flatMap((dir) => yamlFiles(join(srcDir, dir)))) {
    for (const method of (parse(readFileSync(file, 'utf8')) ?? []) as { name?: string; result?: { schema?: unknown } }[]) {
      if (typeof method.name === 'string' && method.result?.schema !== undefined) results.set(method.name, method.result.schema)
    }
  }
  if (results.size === 0) throw new Error(`${srcDir}: no OpenRPC methods found (want execution-apis' src folder)`)
  const ajv = new Ajv2019({ strict: false, allErrors: false, validateFormats: false })
  const compiled = new Map<string, ValidateFunction>()
  return {
    methods: [...results.keys()].sort(),
    check(method, result) {
      const schema = results.get(method)
      if (schema === undefined) return `no result schema for ${method} in the spec`
      let validate = compiled.get(method)
      if (validate === undefined) {
        validate = ajv.compile(mergeAllOf(dereference(schema, named)) as Schema)
        compiled.set(method, validate)
      }
      if (validate(result)) return undefined
      const [first] = validate.errors ?? []
      return `result${first?.instancePath.replace(/\//g, '.') ?? ''}: ${first?.message ?? 'invalid'} (${method} result schema)`
    },
  }
}

/** The `src/` folder next to a `tests/` folder of an execution-apis checkout, when there is one. */
export function specDirFor(testsDir: string): string | undefined {
  const dir = join(testsDir, '..', 'src')
  return existsSync(join(dir, 'schemas')) ? dir : undefined
}
