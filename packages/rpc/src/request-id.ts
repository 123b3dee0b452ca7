// Request ids echoed byte for byte, as geth does (it keeps the id as raw JSON): JSON-RPC 2.0 says
// the response carries the same id, and a client matching replies by id compares what it sent.
// JSON.parse turns 9007199254740993 into 9007199254740992 and 1e3 into 1000; for those (and for
// string ids written with escapes) the id is kept as its source text (the JSON.parse source
// text access and JSON.rawJSON of TC39's proposal, in V8 since Node 21), which JSON.stringify
// writes back unchanged.

/** An id kept as its source text: a frozen object JSON.stringify writes as the text. */
export interface RawJsonId {
  readonly rawJSON: string
}

interface JsonWithSource {
  parse(text: string, reviver: (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown): unknown
  rawJSON(text: string): RawJsonId
  isRawJSON(value: unknown): value is RawJsonId
}
const json = JSON as unknown as JsonWithSource

/**
 * Numeric ids that may not survive a parse and a stringify (17+ significant digits, a
 * fraction or an exponent, -0) and string ids with escapes. Only messages holding one pay for
 * the reviver: a large batch of plain ids parses at full speed.
 */
const FRAGILE_ID = /"id"\s*:\s*(?:-?\d{16,}|-?\d+[.eE]|-0\b|"[^"\\]*\\)/

/** Whether `holder` is a JSON-RPC request object (its `id` is the request's, not a parameter's). */
function isRequest(holder: unknown): boolean {
  return typeof holder === 'object' && holder !== null && !Array.isArray(holder) && (Object.hasOwn(holder, 'jsonrpc') || Object.hasOwn(holder, 'method'))
}

/** JSON.parse of a request or batch, with fragile ids kept as their source text. Throws SyntaxError as JSON.parse does. */
export function parseRequest(text: string): unknown {
  if (!FRAGILE_ID.test(text)) return JSON.parse(text)
  return json.parse(text, function (key, value, context) {
    if (key !== 'id' || context.source === undefined || !isRequest(this)) return value
    if (typeof value === 'number' && String(value) !== context.source) return json.rawJSON(context.source)
    if (typeof value === 'string' && JSON.stringify(value) !== context.source) return json.rawJSON(context.source)
    return value
  })
}

/** Whether `id` is an id parseRequest kept as source text. */
export function isRawId(id: unknown): id is RawJsonId {
  return json.isRawJSON(id)
}
