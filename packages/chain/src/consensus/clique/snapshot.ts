// Clique (EIP-225) voting state after a block: who may sign, who signed recently, and the
// votes cast since the last checkpoint. Immutable: `apply` returns a new snapshot.
import { bytesToHex, hexToBytes } from '@ethereumjs/util'

export interface CliqueVote {
  signer: string
  block: bigint
  address: string
  authorize: boolean
}

export interface CliqueTally {
  authorize: boolean
  votes: number
}

/** Header facts the snapshot needs; `signer` is recovered by the engine. */
export interface CliqueHeaderFacts {
  number: bigint
  hash: string
  signer: string
  /** Vote target (header.coinbase), lowercase hex. */
  beneficiary: string
  /** true: nonce 0xff..ff (add), false: nonce 0x00..00 (drop). */
  authorize: boolean
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

export class CliqueSnapshot {
  readonly number: bigint
  readonly hash: string
  /** Lowercase hex addresses, sorted ascending (the in-turn order). */
  readonly signers: string[]
  readonly recents: Map<bigint, string>
  readonly votes: CliqueVote[]
  readonly tally: Map<string, CliqueTally>

  constructor(number: bigint, hash: string, signers: string[], recents = new Map<bigint, string>(), votes: CliqueVote[] = [], tally = new Map<string, CliqueTally>()) {
    this.number = number
    this.hash = hash
    this.signers = [...signers].sort()
    this.recents = recents
    this.votes = votes
    this.tally = tally
  }

  isSigner(address: string): boolean {
    return this.signers.includes(address)
  }

  /** Blocks a signer must wait before signing again: floor(N/2) + 1. */
  get signingLimit(): number {
    return Math.floor(this.signers.length / 2) + 1
  }

  inTurn(number: bigint, signer: string): boolean {
    const offset = this.signers.indexOf(signer)
    return offset >= 0 && number % BigInt(this.signers.length) === BigInt(offset)
  }

  /** True if `signer` signed one of the last `signingLimit - 1` blocks before `number`. */
  signedRecently(number: bigint, signer: string): boolean {
    for (const [seen, recent] of this.recents) {
      if (recent === signer && number < seen + BigInt(this.signingLimit)) return true
    }
    return false
  }

  /** The snapshot after a header; throws if the signer may not sign it. */
  apply(header: CliqueHeaderFacts, epoch: bigint): CliqueSnapshot {
    if (header.number !== this.number + 1n) throw new Error(`snapshot at ${this.number} cannot apply block ${header.number}`)
    const signers = new Set(this.signers)
    const recents = new Map(this.recents)
    let votes = this.votes.map((vote) => ({ ...vote }))
    const tally = new Map([...this.tally].map(([address, entry]) => [address, { ...entry }]))
    const number = header.number
    if (number % epoch === 0n) {
      votes = []
      tally.clear()
    }
    const limitFor = (size: number) => BigInt(Math.floor(size / 2) + 1)
    const limit = limitFor(signers.size)
    if (number >= limit) recents.delete(number - limit)
    if (!signers.has(header.signer)) throw new Error('unauthorized signer')
    for (const recent of recents.values()) if (recent === header.signer) throw new Error('recently signed')
    recents.set(number, header.signer)

    const validVote = (address: string, authorize: boolean) => signers.has(address) !== authorize
    const cast = (address: string, authorize: boolean) => {
      if (!validVote(address, authorize)) return false
      const entry = tally.get(address)
      if (entry === undefined) tally.set(address, { authorize, votes: 1 })
      else entry.votes++
      return true
    }
    const uncast = (address: string, authorize: boolean) => {
      const entry = tally.get(address)
      if (entry === undefined || entry.authorize !== authorize) return
      if (entry.votes > 1) entry.votes--
      else tally.delete(address)
    }

    // A signer's new vote on an address replaces its earlier one.
    const previous = votes.findIndex((vote) => vote.signer === header.signer && vote.address === header.beneficiary)
    if (previous >= 0) {
      uncast(votes[previous].address, votes[previous].authorize)
      votes.splice(previous, 1)
    }
    if (header.beneficiary !== ZERO_ADDRESS && cast(header.beneficiary, header.authorize)) {
      votes.push({ signer: header.signer, block: number, address: header.beneficiary, authorize: header.authorize })
    }

    const passed = tally.get(header.beneficiary)
    if (passed !== undefined && passed.votes > signers.size / 2) {
      if (passed.authorize) signers.add(header.beneficiary)
      else {
        signers.delete(header.beneficiary)
        const shrunk = limitFor(signers.size)
        if (number >= shrunk) recents.delete(number - shrunk)
        votes = votes.filter((vote) => {
          if (vote.signer !== header.beneficiary) return true
          uncast(vote.address, vote.authorize)
          return false
        })
      }
      votes = votes.filter((vote) => vote.address !== header.beneficiary)
      tally.delete(header.beneficiary)
    }
    return new CliqueSnapshot(number, header.hash, [...signers], recents, votes, tally)
  }

  encode(): Uint8Array {
    return new TextEncoder().encode(
      JSON.stringify({
        number: this.number.toString(),
        hash: this.hash,
        signers: this.signers,
        recents: [...this.recents].map(([n, s]) => [n.toString(), s]),
        votes: this.votes.map((v) => ({ ...v, block: v.block.toString() })),
        tally: [...this.tally],
      }),
    )
  }

  static decode(bytes: Uint8Array): CliqueSnapshot {
    const json = JSON.parse(new TextDecoder().decode(bytes)) as {
      number: string
      hash: string
      signers: string[]
      recents: [string, string][]
      votes: (Omit<CliqueVote, 'block'> & { block: string })[]
      tally: [string, CliqueTally][]
    }
    return new CliqueSnapshot(
      BigInt(json.number),
      json.hash,
      json.signers,
      new Map(json.recents.map(([n, s]) => [BigInt(n), s])),
      json.votes.map((v) => ({ ...v, block: BigInt(v.block) })),
      new Map(json.tally),
    )
  }
}

export function addressHex(bytes: Uint8Array): string {
  return bytesToHex(bytes).toLowerCase()
}

export function addressBytes(hex: string): Uint8Array {
  return hexToBytes(hex as `0x${string}`)
}
