// Trace options as geth reads them: Go's duration syntax (time.ParseDuration's documented
// examples and errors) and geth's TraceConfig fields.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseGoDuration, parseTraceConfig, TraceConfigError } from '../src/index.ts'

describe('parseGoDuration (Go time.ParseDuration)', () => {
  it('reads the forms Go documents', () => {
    assert.equal(parseGoDuration('300ms'), 300)
    assert.equal(parseGoDuration('-1.5h'), -5_400_000)
    assert.equal(parseGoDuration('2h45m'), 9_900_000)
    assert.equal(parseGoDuration('1m30s'), 90_000)
    assert.equal(parseGoDuration('1.5s'), 1500)
    assert.equal(parseGoDuration('0'), 0)
    assert.equal(parseGoDuration('1500us'), 1.5)
    assert.equal(parseGoDuration('1000000ns'), 1)
  })

  it("refuses with Go's messages", () => {
    assert.throws(() => parseGoDuration('abc'), { message: 'time: invalid duration "abc"' })
    assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' })
    assert.throws(() => parseGoDuration('5'), { message: 'time: missing unit in duration "5"' })
    assert.throws(() => parseGoDuration('1d'), { message: 'time: unknown unit "d" in duration "1d"' })
  })
})

describe('parseTraceConfig (geth TraceConfig)', () => {
  it('defaults to the struct logger with a 5 s timeout', () => {
    const options = parseTraceConfig(undefined, 1, 1000)
    assert.equal(options.tracer, 'structLogger')
    assert.equal(options.timeoutMs, 5000)
    assert.equal(options.disableStack, false)
  })

  it('reads the tracer, its config and the logger options', () => {
    const options = parseTraceConfig({ tracer: 'callTracer', tracerConfig: { onlyTopCall: true, withLog: true }, timeout: '10s', enableMemory: true }, 1, 1000)
    assert.deepEqual([options.tracer, options.onlyTopCall, options.withLog, options.timeoutMs, options.enableMemory], ['callTracer', true, true, 10_000, true])
  })

  it('refuses wrong types (-32602), unknown tracers and bad timeouts (-32000)', () => {
    const refused = (raw: unknown, code: number, message: RegExp) =>
      assert.throws(() => parseTraceConfig(raw, 1, 1000), (error: unknown) => error instanceof TraceConfigError && error.code === code && message.test(error.message))
    refused({ disableStack: 'yes' }, -32602, /cannot unmarshal string into Go struct field TraceConfig.disableStack of type bool/)
    refused({ tracerConfig: { diffMode: 1 }, tracer: 'prestateTracer' }, -32602, /PrestateTracerConfig.diffMode of type bool/)
    refused('callTracer', -32602, /cannot unmarshal string into Go value of type tracers.TraceConfig/)
    refused({ tracer: 'muxTracer' }, -32000, /^tracer not found: "muxTracer"/)
    refused({ timeout: '5' }, -32000, /^time: missing unit in duration "5"$/)
  })
})
