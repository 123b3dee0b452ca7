// Length-prefixed messages over libp2p 3 streams, with size limits, back-pressure and deadlines.
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { PeerFaultError } from './errors.ts'

/** Aborts `stream` when `signal` fires (the reader then fails); returns the detach function. */
export function abortOnSignal(stream: Stream, signal: AbortSignal): () => void {
  const onAbort = () => stream.abort(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  return () => signal.removeEventListener('abort', onAbort)
}

/** Reads one length-prefixed message of at most `maxBytes`. */
export async function readOne(stream: Stream, maxBytes: number): Promise<Uint8Array> {
  try {
    for await (const message of lp.decode(stream, { maxDataLength: maxBytes })) return message.subarray()
  } catch (error) {
    throw lengthFault(error)
  }
  throw new PeerFaultError('malformedMessage', 'stream ended before a message')
}

/** Reads length-prefixed messages until the remote closes, each at most `maxBytes`, `maxCount` and `maxTotal` in all. */
export async function readAll(stream: Stream, limits: { maxBytes: number; maxCount: number; maxTotal: number }): Promise<Uint8Array[]> {
  const messages: Uint8Array[] = []
  let total = 0
  try {
    for await (const message of lp.decode(stream, { maxDataLength: limits.maxBytes })) {
      total += message.byteLength
      if (messages.length === limits.maxCount) throw new PeerFaultError('badResponse', `more than ${limits.maxCount} messages`)
      if (total > limits.maxTotal) throw new PeerFaultError('badResponse', `response above ${limits.maxTotal} bytes`)
      messages.push(message.subarray())
    }
  } catch (error) {
    throw lengthFault(error)
  }
  return messages
}

/** Sends one length-prefixed message, waiting for the stream to drain when its buffer is full. */
export async function send(stream: Stream, data: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (!stream.send(lp.encode.single(data, { maxDataLength: data.length }))) await stream.onDrain({ signal })
}

function lengthFault(error: unknown): unknown {
  const name = (error as { name?: string } | undefined)?.name
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'InvalidMessageLengthError') {
    return new PeerFaultError('malformedMessage', (error as Error).message)
  }
  return error
}
