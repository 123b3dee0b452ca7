/** A block that breaks a rule; `code` is stable for logs, metrics and peer scoring. */
export class BlockError extends Error {
  readonly code: string

  constructor(code: string, detail: string) {
    super(`${code}: ${detail}`)
    this.code = code
    this.name = 'BlockError'
  }
}
