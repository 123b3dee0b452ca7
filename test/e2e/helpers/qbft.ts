// Checks a QBFT header as Besu defines it, with ethers only (an implementation independent of
// the node's): the block hash covers the header with extraData [vanity, validators, vote, 0, []]
// (round zeroed, seals left out), and each commit seal signs the header with extraData
// [vanity, validators, vote, round, []]; a quorum (ceil(2n/3)) of the validators must have sealed.
import { ethers } from 'ethers'

/** Header JSON as eth_getBlockBy* answers it (Prague fields included). */
export interface HeaderJson {
  hash: string
  parentHash: string
  sha3Uncles: string
  miner: string
  stateRoot: string
  transactionsRoot: string
  receiptsRoot: string
  logsBloom: string
  difficulty: string
  number: string
  gasLimit: string
  gasUsed: string
  timestamp: string
  extraData: string
  mixHash: string
  nonce: string
  baseFeePerGas: string
  withdrawalsRoot: string
  blobGasUsed: string
  excessBlobGas: string
  parentBeaconBlockRoot: string
  requestsHash: string
}

/** RLP's integer encoding: minimal big-endian bytes, 0 as the empty string. */
const int = (hex: string) => (BigInt(hex) === 0n ? '0x' : ethers.toBeHex(BigInt(hex)))

function headerFields(header: HeaderJson, extraData: string): ethers.RlpStructuredData {
  return [
    header.parentHash, header.sha3Uncles, header.miner, header.stateRoot, header.transactionsRoot, header.receiptsRoot, header.logsBloom,
    int(header.difficulty), int(header.number), int(header.gasLimit), int(header.gasUsed), int(header.timestamp), extraData, header.mixHash, header.nonce,
    int(header.baseFeePerGas), header.withdrawalsRoot, int(header.blobGasUsed), int(header.excessBlobGas), header.parentBeaconBlockRoot, header.requestsHash,
  ]
}

export interface QbftHeaderFacts {
  validators: string[]
  round: number
  /** Lowercase addresses recovered from the commit seals. */
  committers: string[]
  vote: { recipient: string; add: boolean } | undefined
}

/** Decodes and checks a QBFT header; throws when its hash or seals do not hold up. */
export function checkQbftHeader(header: HeaderJson): QbftHeaderFacts {
  const [vanity, validators, vote, round, seals] = ethers.decodeRlp(header.extraData) as [string, string[], string[], string, string[]]
  const onChain = ethers.encodeRlp([vanity, validators, vote, '0x', []])
  const blockHash = ethers.keccak256(ethers.encodeRlp(headerFields(header, onChain)))
  if (blockHash !== header.hash) throw new Error(`block ${Number(header.number)}: hash ${header.hash}, Besu's rule gives ${blockHash}`)
  const commitHash = ethers.keccak256(ethers.encodeRlp(headerFields(header, ethers.encodeRlp([vanity, validators, vote, round, []]))))
  const committers = seals.map((seal) => {
    const bytes = ethers.getBytes(seal)
    return ethers.recoverAddress(commitHash, { r: ethers.hexlify(bytes.subarray(0, 32)), s: ethers.hexlify(bytes.subarray(32, 64)), v: 27 + bytes[64] }).toLowerCase()
  })
  return {
    validators: validators.map((v) => v.toLowerCase()),
    round: round === '0x' ? 0 : Number(BigInt(round)),
    committers,
    vote: vote.length === 0 ? undefined : { recipient: vote[0].toLowerCase(), add: vote[1] === '0xff' },
  }
}

/** ceil(2n/3): the commit quorum of n validators. */
export function quorumOf(validators: number): number {
  return Math.floor((2 * validators - 1) / 3) + 1
}
