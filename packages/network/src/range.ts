// Blocks-by-range, the sync's request: serving our canonical blocks to a peer, and asking a
// peer for its own (the response is checked to be consecutive and linked).
import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeMessage, requestFailed, type NetworkContext } from './context.ts'
import { PeerFaultError } from './errors.ts'
import { decodeRangeRequest, encodeRangeRequest, MAX_RANGE_REQUEST_BYTES } from './messages.ts'
import { abortOnSignal, readAll, readOne, send } from './streams.ts'

/** Answers a blocks-by-range request: our canonical blocks from `start`, within the response size limit. */
export async function serveRange(ctx: NetworkContext, stream: Stream, connection: Connection): Promise<void> {
  const { options, chain } = ctx
  const signal = AbortSignal.timeout(options.requestTimeoutMs)
  const detach = abortOnSignal(stream, signal)
  try {
    const request = decodeMessage(await readOne(stream, MAX_RANGE_REQUEST_BYTES), (data) => decodeRangeRequest(data, options.maxRangeBlocks))
    let bytes = 0
    for (let i = 0; i < request.count; i++) {
      const block = chain.blockByNumber(request.start + BigInt(i))
      if (block === undefined) break
      const rlp = block.serialize()
      if (i > 0 && bytes + rlp.length > options.maxResponseBytes) break
      bytes += rlp.length
      await send(stream, rlp, signal)
    }
    await stream.close({ signal })
    ctx.metrics?.servedRequest('blocks-by-range')
  } catch (error) {
    requestFailed(ctx, stream, connection, error)
  } finally {
    detach()
  }
}

/** The peer's canonical blocks [start, start + count), checked to be consecutive and linked; may be fewer. */
export async function requestRange(ctx: NetworkContext, peerId: string, start: bigint, count: number, cancel: AbortSignal): Promise<Block[]> {
  const { node, options, protocols, chain } = ctx
  const peer = peerIdFromString(peerId)
  if (node.getConnections(peer).length === 0) throw new Error(`peer ${peerId} not connected`)
  const signal = AbortSignal.any([cancel, AbortSignal.timeout(options.requestTimeoutMs)])
  const stream = await node.dialProtocol(peer, protocols.blocksByRange, { signal })
  stream.maxReadBufferLength = options.maxResponseBytes + options.maxBlockBytes
  const detach = abortOnSignal(stream, signal)
  let messages: Uint8Array[]
  try {
    await send(stream, encodeRangeRequest({ start, count }), signal)
    await stream.close({ signal })
    messages = await readAll(stream, { maxBytes: options.maxBlockBytes, maxCount: count, maxTotal: options.maxResponseBytes + options.maxBlockBytes })
  } catch (error) {
    if (signal.aborted && !cancel.aborted) throw new PeerFaultError('timeout', `blocks-by-range ${start}+${count} timed out`)
    throw error
  } finally {
    detach()
  }
  const blocks: Block[] = []
  for (const [index, rlp] of messages.entries()) {
    let block: Block
    try {
      block = chain.decodeBlock(rlp)
    } catch (error) {
      throw new PeerFaultError('badResponse', `undecodable block in range response: ${(error as Error).message}`)
    }
    const expected = start + BigInt(index)
    if (block.header.number !== expected) throw new PeerFaultError('badResponse', `range response has block ${block.header.number} where ${expected} belongs`)
    if (index > 0 && bytesToHex(block.header.parentHash) !== bytesToHex(blocks[index - 1].hash())) throw new PeerFaultError('badResponse', `range response not linked at block ${expected}`)
    blocks.push(block)
  }
  return blocks
}
