// The clique_* and qbft_* namespaces over the engines: what each engine's RPC shows and which
// of this node's votes it keeps. Only the namespace of the engines a chain runs is served.
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import type { Chain, CliqueEngine, QbftEngine, QbftValidatorService } from '@busan/chain'
import type { BlockView, CliqueBackend, CliqueSnapshotView, QbftBackend } from '@busan/rpc'

const bytes = (hex: string) => hexToBytes(hex as `0x${string}`)

export function cliqueBackend(engine: CliqueEngine): CliqueBackend {
  return {
    async snapshot(view: BlockView): Promise<CliqueSnapshotView> {
      const snapshot = engine.snapshot(view.hash)
      return {
        number: snapshot.number,
        hash: bytes(snapshot.hash),
        signers: snapshot.signers.map(bytes),
        recents: new Map([...snapshot.recents].map(([n, signer]) => [n, bytes(signer)])),
        votes: snapshot.votes.map((vote) => ({ signer: bytes(vote.signer), block: vote.block, address: bytes(vote.address), authorize: vote.authorize })),
        tally: snapshot.tally,
      }
    },
    author: (view) => engine.author(view.block.header),
    propose: (address, authorize) => engine.proposals.set(bytesToHex(address), authorize),
    discard: (address) => engine.proposals.delete(bytesToHex(address)),
    proposals: () => new Map(engine.proposals),
  }
}

/**
 * qbft_* over the QBFT engine. Votes are this node's validator's (a node without a validator
 * key keeps them too, for when it becomes one, as Besu does).
 */
export function qbftBackend(chain: Chain, engine: QbftEngine, validator: QbftValidatorService | undefined): QbftBackend {
  const votes = validator?.votes ?? new Map<string, boolean>()
  return {
    async validators(view) {
      // The genesis lists block 1's validators; any later block was committed by its parent's.
      const parent = view.block.header.number === 0n ? view.block : chain.store.blockByHash(view.block.header.parentHash)
      if (parent === undefined) return []
      return engine.validatorsFor(parent.header).map(bytes)
    },
    votingEnabled: () => engine.settingsAt(chain.head.header.number + 1n).validatorContract === undefined,
    propose: (address, add) => votes.set(bytesToHex(address).toLowerCase(), add),
    discard: (address) => votes.delete(bytesToHex(address).toLowerCase()),
    pendingVotes: () => new Map(votes),
    proposer: (view) => engine.author(view.block.header),
    requestTimeoutSeconds: () => engine.settingsAt(chain.head.header.number + 1n).requestTimeoutSeconds,
  }
}
