// geth-compatible transaction tracing over the EthereumJS EVM: the tracers of geth's debug
// namespace (struct logger, callTracer, prestateTracer, 4byteTracer, noopTracer), their
// configuration, and the adapter from EVM events to geth's tracing hooks.
export { attachTracer } from './attach.ts'
export type { TraceableEvm } from './attach.ts'
export { createTracer, parseTraceConfig, DEFAULT_TRACE_TIMEOUT_MS, TRACER_NAMES, TraceConfigError } from './config.ts'
export type { TraceContext, TraceOptions, TracerName } from './config.ts'
export { parseGoDuration } from './duration.ts'
export { decodeRevertReason } from './revert-reason.ts'
export { TraceLimitError } from './tracer.ts'
export type { FrameEnd, FrameStart, FrameType, LogEvent, OpcodeStep, StateReader, Tracer, TxEnd, TxStart } from './tracer.ts'
export { gethErrorText } from './geth-errors.ts'
