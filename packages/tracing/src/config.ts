// geth's TraceConfig (eth/tracers/api.go, logger.Config): which tracer, its options, and the
// time it may take. Parsed here from the JSON-RPC argument into plain data that crosses to
// the worker thread running the trace, where `createTracer` builds the tracer.
import { CallTracer } from './call-tracer.ts'
import { parseGoDuration } from './duration.ts'
import { FourByteTracer, NoopTracer } from './four-byte-tracer.ts'
import { InternalOperationsTracer, OtsTraceTracer } from './otterscan.ts'
import { PrestateTracer } from './prestate-tracer.ts'
import { StructLogger } from './struct-logger.ts'
import type { Tracer } from './tracer.ts'

/** The built-in tracers (geth's native ones); `structLogger` is geth's default when none is named. */
export const TRACER_NAMES = ['callTracer', 'prestateTracer', '4byteTracer', 'noopTracer'] as const
/** Also the node's own: `otsTrace` and `otsInternalOperations` answer Otterscan's methods (not selectable by name). */
export type TracerName = (typeof TRACER_NAMES)[number] | 'structLogger' | 'otsTrace' | 'otsInternalOperations'

/** geth's default trace timeout (eth/tracers/api.go defaultTraceTimeout). */
export const DEFAULT_TRACE_TIMEOUT_MS = 5_000

/** A parsed trace config: plain data (structured-cloneable). */
export interface TraceOptions {
  tracer: TracerName
  /** Per transaction, as geth's `timeout`; past it the trace fails with "execution timeout". */
  timeoutMs: number
  /** Struct logger options (geth logger.Config). */
  enableMemory: boolean
  disableStack: boolean
  disableStorage: boolean
  enableReturnData: boolean
  limit: number
  /** callTracer options. */
  onlyTopCall: boolean
  withLog: boolean
  /** prestateTracer options. */
  diffMode: boolean
  disableCode: boolean
  includeEmpty: boolean
  /** Bound on a struct-logger trace's JSON, in bytes (the node's, not geth's). */
  maxBytes: number
}

/** A trace config that is not one: JSON-RPC -32602 (wrong types) or -32000 (geth's own refusals). */
export class TraceConfigError extends Error {
  readonly code: number
  constructor(message: string, code = -32000) {
    super(message)
    this.name = 'TraceConfigError'
    this.code = code
  }
}

type Fields = Record<string, unknown>

/**
 * Parses geth's TraceConfig object (undefined or null = all defaults) at parameter `position`.
 * Throws TraceConfigError: wrong field types as geth's JSON decoding words them (-32602), an
 * unparsable `timeout` with Go's message, and an unknown tracer (JavaScript tracers are not run).
 */
export function parseTraceConfig(raw: unknown, position: number, maxBytes: number): TraceOptions {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new TraceConfigError(`invalid argument ${position}: json: cannot unmarshal ${jsonKind(raw)} into Go value of type tracers.TraceConfig`, -32602)
  }
  const fields = (raw ?? {}) as Fields
  const field = <T>(name: string, kind: 'boolean' | 'number' | 'string' | 'object', fallback: T, from: Fields = fields, struct = 'TraceConfig'): T => {
    const value = from[name]
    if (value === undefined || value === null) return fallback
    if (typeof value !== kind || (kind === 'object' && Array.isArray(value))) {
      throw new TraceConfigError(`invalid argument ${position}: json: cannot unmarshal ${jsonKind(value)} into Go struct field ${struct}.${name} of type ${goType(kind)}`, -32602)
    }
    if (kind === 'number' && !Number.isSafeInteger(value)) {
      throw new TraceConfigError(`invalid argument ${position}: json: cannot unmarshal number ${String(value)} into Go struct field ${struct}.${name} of type int`, -32602)
    }
    return value as T
  }
  const name = field<string>('tracer', 'string', '')
  const tracer = name === '' ? 'structLogger' : name
  if (tracer !== 'structLogger' && !(TRACER_NAMES as readonly string[]).includes(tracer)) {
    throw new TraceConfigError(`tracer not found: ${JSON.stringify(tracer)} (built in: ${TRACER_NAMES.join(', ')}; JavaScript tracers are not supported)`)
  }
  const tracerConfig = field<Fields>('tracerConfig', 'object', {})
  const option = (key: string, struct: string) => field<boolean>(key, 'boolean', false, tracerConfig, struct)
  const timeoutText = field<string | undefined>('timeout', 'string', undefined)
  let timeoutMs = DEFAULT_TRACE_TIMEOUT_MS
  if (timeoutText !== undefined) {
    try {
      timeoutMs = parseGoDuration(timeoutText)
    } catch (error) {
      throw new TraceConfigError((error as Error).message)
    }
  }
  const limit = field<number>('limit', 'number', 0)
  return {
    tracer: tracer as TracerName,
    timeoutMs,
    enableMemory: field('enableMemory', 'boolean', false),
    disableStack: field('disableStack', 'boolean', false),
    disableStorage: field('disableStorage', 'boolean', false),
    enableReturnData: field('enableReturnData', 'boolean', false),
    limit: limit < 0 ? 0 : limit,
    onlyTopCall: tracer === 'callTracer' && option('onlyTopCall', 'callTracerConfig'),
    withLog: tracer === 'callTracer' && option('withLog', 'callTracerConfig'),
    diffMode: tracer === 'prestateTracer' && option('diffMode', 'PrestateTracerConfig'),
    disableCode: tracer === 'prestateTracer' && option('disableCode', 'PrestateTracerConfig'),
    includeEmpty: tracer === 'prestateTracer' && option('includeEmpty', 'PrestateTracerConfig'),
    maxBytes,
  }
}

/** What a tracer needs to know of the block it runs in. */
export interface TraceContext {
  /** Logs the block's earlier transactions emitted (the first log's index in the block). */
  firstLogIndex: number
  /** Whether an address is an active precompile. */
  isPrecompile: (address: Uint8Array) => boolean
}

/** A fresh tracer for one transaction. Throws TraceConfigError for option combinations geth refuses. */
export function createTracer(options: TraceOptions, context: TraceContext): Tracer {
  switch (options.tracer) {
    case 'structLogger':
      return new StructLogger(options)
    case 'callTracer':
      return new CallTracer({ onlyTopCall: options.onlyTopCall, withLog: options.withLog }, context.firstLogIndex)
    case 'prestateTracer':
      if (options.diffMode && options.includeEmpty) throw new TraceConfigError('cannot use diffMode with includeEmpty')
      return new PrestateTracer(options)
    case '4byteTracer':
      return new FourByteTracer(context.isPrecompile)
    case 'noopTracer':
      return new NoopTracer()
    case 'otsTrace':
      return new OtsTraceTracer()
    case 'otsInternalOperations':
      return new InternalOperationsTracer()
  }
}

function jsonKind(value: unknown): string {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'number') return 'number'
  if (typeof value === 'boolean') return 'bool'
  return Array.isArray(value) ? 'array' : 'object'
}

function goType(kind: 'boolean' | 'number' | 'string' | 'object'): string {
  return { boolean: 'bool', number: 'int', string: 'string', object: 'json.RawMessage' }[kind]
}
