// Block production for the engines a chain runs: the Clique sealer (up to QBFT's first block on
// a chain that moves to QBFT) and the QBFT validator service, each given exactly what it needs.
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { QbftValidatorService, type Chain, type ChainConsensus, type ConsensusTransport, type PendingTransactions } from '@busan/chain'
import type { KeyValueStore } from '@busan/db'
import type { Network } from '@busan/network'
import { Sealer } from '@busan/sealer'
import type { SignerKey } from './config.ts'

export interface BlockProducers {
  /** This node's QBFT validator (its votes, its status), when it runs one. */
  qbft: QbftValidatorService | undefined
  start(): void
  stop(): Promise<void>
}

/** QBFT messages over the network's consensus topic; a node without peers (a one-validator dev chain) talks to itself only. */
function consensusTransport(network: Network | undefined): ConsensusTransport {
  if (network === undefined) return { broadcast: () => {}, onMessage: () => () => {} }
  return { broadcast: (bytes) => void network.broadcastConsensus(bytes), onMessage: (handler) => network.onConsensusMessage(handler) }
}

export function blockProducers(args: {
  chain: Chain
  consensus: ChainConsensus
  kv: KeyValueStore
  pool: PendingTransactions
  network: Network | undefined
  signer: SignerKey | undefined
  /** Share of the block period a block's transaction selection may take, in percent. */
  txsSelectionMaxTimePercent: number | undefined
  logger: Logger
  metrics: Registry
}): BlockProducers {
  const { chain, consensus, signer, network } = args
  if (signer === undefined) return { qbft: undefined, start: () => {}, stop: async () => {} }
  const sealer =
    consensus.clique === undefined
      ? undefined
      : new Sealer({
          chain,
          producer: consensus.clique,
          pool: args.pool,
          signer: signer.address,
          privateKey: signer.privateKey,
          period: Number(consensus.clique.period),
          txsSelectionMaxTimePercent: args.txsSelectionMaxTimePercent,
          until: consensus.qbft?.schedule.firstBlock,
          syncing: () => network !== undefined && network.syncing() !== false,
          logger: args.logger.child({ module: 'sealer' }),
        })
  const qbft =
    consensus.qbft === undefined
      ? undefined
      : new QbftValidatorService({
          chain,
          engine: consensus.qbft,
          pool: args.pool,
          transport: consensusTransport(network),
          kv: args.kv,
          signer,
          txsSelectionMaxTimePercent: args.txsSelectionMaxTimePercent,
          logger: args.logger.child({ module: 'qbft' }),
          metrics: args.metrics,
        })
  return {
    qbft,
    start() {
      sealer?.start()
      qbft?.start()
    },
    async stop() {
      await sealer?.stop()
      await qbft?.stop()
    },
  }
}
