// A real peer for QBFT fault tests: a follower node (the node's own startNode, in this process)
// that joins the consensus topic to watch every message, and can publish messages signed with
// a validator key it holds, the way a faulty or malicious validator would. What it watches is
// decoded with ethers (independently of the node): for prepares and commits, the author
// recovered from the signature over keccak256(RLP([code, payload])), the height, round, digest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ethers } from 'ethers'
import type { GenesisFile } from '@busan/chain-config'
import { encodeMessage, type QbftMessage } from '@busan/chain'
import { startNode, type RunningNode } from '@busan/node'

const CODES: Record<number, 'proposal' | 'prepare' | 'commit' | 'roundChange'> = { 0x12: 'proposal', 0x13: 'prepare', 0x14: 'commit', 0x15: 'roundChange' }
const CODE_OF = { proposal: 0x12, prepare: 0x13, commit: 0x14, roundChange: 0x15 } as const

export interface ObservedVote {
  type: 'prepare' | 'commit'
  author: string
  height: number
  round: number
  digest: string
}

export interface Rogue {
  node: RunningNode
  /** libp2p peer id of the rogue. */
  peerId: string
  /** Every prepare and commit seen on the consensus topic. */
  votes: ObservedVote[]
  /** Publishes a message (signed by whoever the test chose) on the consensus topic. */
  send(message: QbftMessage): Promise<void>
  /** Publishes raw bytes on the consensus topic. */
  sendRaw(bytes: Uint8Array): Promise<void>
  stop(): Promise<void>
}

const int = (hex: string) => (hex === '0x' ? 0 : Number(BigInt(hex)))

/** Decodes a prepare or commit with ethers; undefined for other messages. */
function decodeVote(bytes: Uint8Array): ObservedVote | undefined {
  const type = CODES[bytes[0]]
  if (type !== 'prepare' && type !== 'commit') return undefined
  const [payload, signature] = ethers.decodeRlp(bytes.subarray(1)) as [string[], string]
  const preimage = ethers.encodeRlp([ethers.toBeHex(CODE_OF[type]), payload])
  const sig = ethers.getBytes(signature)
  const author = ethers.recoverAddress(ethers.keccak256(preimage), { r: ethers.hexlify(sig.subarray(0, 32)), s: ethers.hexlify(sig.subarray(32, 64)), v: 27 + sig[64] }).toLowerCase()
  return { type, author, height: int(payload[0]), round: int(payload[1]), digest: payload[2] }
}

export async function startRogue(genesisPath: string, bootnodes: string[]): Promise<Rogue> {
  const dataDir = mkdtempSync(join(tmpdir(), 'busan-rogue-'))
  const genesis = JSON.parse(readFileSync(genesisPath, 'utf8')) as GenesisFile
  const node = await startNode({
    dataDir,
    genesis,
    http: { host: '127.0.0.1', port: 0, corsOrigins: ['*'], namespaces: ['eth', 'net'] },
    p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootnodes },
    accountKeys: [],
    logLevel: 'error',
  })
  const network = node.network!
  const votes: ObservedVote[] = []
  network.onConsensusMessage(async (bytes) => {
    try {
      const vote = decodeVote(bytes)
      if (vote !== undefined) votes.push(vote)
    } catch {
      // not ours to judge
    }
    return 'accept'
  })
  const sendRaw = async (bytes: Uint8Array) => {
    await network.broadcastConsensus(bytes)
  }
  return {
    node,
    peerId: network.peerId,
    votes,
    send: (message) => sendRaw(Uint8Array.of(CODE_OF[message.type], ...encodeMessage(message))),
    sendRaw,
    async stop() {
      await node.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Votes where one author signed two different digests for the same type, height and round. */
export function doubleSigns(votes: ObservedVote[]): string[] {
  const seen = new Map<string, string>()
  const conflicts: string[] = []
  for (const vote of votes) {
    const key = `${vote.type}:${vote.author}:${vote.height}:${vote.round}`
    const earlier = seen.get(key)
    if (earlier === undefined) seen.set(key, vote.digest)
    else if (earlier !== vote.digest) conflicts.push(`${key}: ${earlier} and ${vote.digest}`)
  }
  return conflicts
}
