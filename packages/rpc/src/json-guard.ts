// Cheap checks of a JSON-RPC message's shape before JSON.parse, on its bytes as they arrive.
// JSON.parse gets much slower than linear with nesting (5 MB of brackets: 0.8 s, 31 MB: 8.6 s,
// all on the thread that seals), and no JSON-RPC request nests deeper than a few levels, so a
// body nested deeper than MAX_JSON_DEPTH is refused as soon as the scan sees it, without
// buffering or parsing the rest (geth's decoder stops at 10,000 levels).

/** Deepest nesting of JSON arrays and objects accepted. */
export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Follows a JSON text's nesting across chunks of bytes (multi-byte UTF-8 bytes are all >= 0x80,
 * so brackets and quotes are found on bytes), ignoring brackets inside strings.
 */
export class JsonDepthGuard {
  private depth = 0
  private inString = false
  private escaped = false

  /** Scans the next chunk; false once the text nests deeper than MAX_JSON_DEPTH. */
  feed(chunk: Uint8Array): boolean {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (c === BACKSLASH) this.escaped = true
        else if (c === QUOTE) this.inString = false
      } else if (c === QUOTE) this.inString = true
      else if (c === 0x5b || c === 0x7b) {
        if (++this.depth > MAX_JSON_DEPTH) return false
      } else if (c === 0x5d || c === 0x7d) this.depth--
    }
    return true
  }
}

/** Whether a whole message (a WebSocket frame) nests within MAX_JSON_DEPTH. */
export function withinJsonDepth(message: Uint8Array): boolean {
  return new JsonDepthGuard().feed(message)
}
