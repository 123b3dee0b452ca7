// geth's 4byteTracer (eth/tracers/native/4byte.go): how often each 4-byte selector was called,
// keyed "0x<selector>-<size of the arguments>". Precompiles and creations are not counted.
import { bytesToHex } from '@ethereumjs/util'
import type { FrameStart, Tracer } from './tracer.ts'

/** geth's 4byteTracer: `result()` maps `0x<selector>-<argument bytes>` to how many calls used it. */
export class FourByteTracer implements Tracer {
  readonly wantsOpcodes = false
  private readonly ids = new Map<string, number>()
  private readonly isPrecompile: (address: Uint8Array) => boolean

  /** `isPrecompile`: whether an address is an active precompile at the traced block. */
  constructor(isPrecompile: (address: Uint8Array) => boolean) {
    this.isPrecompile = isPrecompile
  }

  onEnter(frame: FrameStart): void {
    if (frame.input.length < 4 || frame.type === 'CREATE' || frame.type === 'CREATE2') return
    if (frame.to !== undefined && this.isPrecompile(frame.to)) return
    const key = `${bytesToHex(frame.input.subarray(0, 4))}-${frame.input.length - 4}`
    this.ids.set(key, (this.ids.get(key) ?? 0) + 1)
  }

  result(): string {
    return JSON.stringify(Object.fromEntries(this.ids))
  }
}

/** geth's noopTracer: traces nothing, answers `{}` (to time a re-execution). */
export class NoopTracer implements Tracer {
  readonly wantsOpcodes = false
  result(): string {
    return '{}'
  }
}
