// Go's time.ParseDuration, which geth applies to durations given as text (a trace's
// `timeout`, its duration flags): "5s", "1m30s", "1.5h", "300ms", "-1s".

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const TERM = /^(\d*)(?:\.(\d*))?([^\d.]*)/

/**
 * Parses a Go duration into milliseconds (fractional for sub-millisecond units). Throws an
 * Error with Go's message (`time: invalid duration "abc"`, `time: missing unit in duration
 * "5"`, `time: unknown unit "d" in duration "1d"`) when the text is not one.
 */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text)
  let rest = text
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest === '') throw new Error(`time: invalid duration ${quoted}`)
  let total = 0
  while (rest !== '') {
    const match = TERM.exec(rest)
    const [term, whole, fraction, unit] = match ?? ['', '', undefined, '']
    if (whole === '' && (fraction === undefined || fraction === '')) throw new Error(`time: invalid duration ${quoted}`)
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`)
    const ms = UNIT_MS[unit]
    if (ms === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`)
    total += Number(`${whole || '0'}.${fraction ?? '0'}`) * ms
    rest = rest.slice(term.length)
  }
  return sign * total
}
