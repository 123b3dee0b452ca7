// The consensus engine a genesis file asks for: Clique (config.clique), QBFT (config.qbft),
// Clique up to `qbft.startblock - 1` and QBFT from there (a network moving to finality without
// a new genesis), or, for a genesis with neither (`ethash`, or none), the import-only engine of
// a proof-of-work / proof-of-stake chain. The composition root gets an engine from here and
// nothing else decides.
import type { Block, BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import { daoFork, qbftConfigOf, type GenesisFile } from '@busan/chain-config'
import type { KeyValueStore, TrieNodeStore, WriteBatch } from '@busan/db'
import type { ExecutionOutcome } from '../executor.ts'
import { validatorContractReader } from '../system-call.ts'
import { CliqueEngine } from './clique/engine.ts'
import { EthashImportEngine } from './ethash/engine.ts'
import type { ConsensusEngine } from './interface.ts'
import { QbftEngine } from './qbft/engine.ts'

/** The engines a chain runs: `clique` and/or `qbft`, and the `engine` that dispatches between them. */
export interface ChainConsensus {
  engine: ConsensusEngine
  clique?: CliqueEngine
  qbft?: QbftEngine
}

export function createConsensus(genesis: GenesisFile, kv: KeyValueStore, trieStore: TrieNodeStore, common: Common): ChainConsensus {
  const clique = genesis.config.clique === undefined ? undefined : new CliqueEngine(kv, genesis.config.clique)
  const qbftConfig = qbftConfigOf(genesis)
  const qbft =
    qbftConfig === undefined
      ? undefined
      : new QbftEngine(kv, {
          config: qbftConfig,
          transitions: genesis.config.transitions?.qbft,
          readValidatorContract: validatorContractReader(trieStore, common),
          initialValidators: clique === undefined ? undefined : (parentHash) => clique.snapshot(parentHash).signers,
        })
  if (clique !== undefined && qbft !== undefined) return { engine: new ScheduledEngine(clique, qbft), clique, qbft }
  if (qbft !== undefined) return { engine: qbft, qbft }
  if (clique !== undefined) return { engine: clique, clique }
  return { engine: new EthashImportEngine(daoFork(genesis)) }
}

/** Clique before QBFT's first block, QBFT from it: each header goes to the engine of its number. */
class ScheduledEngine implements ConsensusEngine {
  readonly name = 'clique+qbft'
  readonly blobTransactions = false
  private readonly clique: CliqueEngine
  private readonly qbft: QbftEngine

  constructor(clique: CliqueEngine, qbft: QbftEngine) {
    this.clique = clique
    this.qbft = qbft
  }

  private at(number: bigint): ConsensusEngine {
    return number >= this.qbft.schedule.firstBlock ? this.qbft : this.clique
  }

  verifyHeader(header: BlockHeader): void {
    this.at(header.number).verifyHeader(header)
  }

  verifyHeaderAgainstParent(header: BlockHeader, parent: BlockHeader): Promise<void> {
    return this.at(header.number).verifyHeaderAgainstParent(header, parent)
  }

  verifyBody(block: Block): void | Promise<void> {
    return this.at(block.header.number).verifyBody(block)
  }

  verifyAfterExecution(block: Block, outcome: ExecutionOutcome): void {
    this.at(block.header.number).verifyAfterExecution(block, outcome)
  }

  author(header: BlockHeader): Uint8Array {
    return this.at(header.number).author(header)
  }

  recordHeader(batch: WriteBatch, header: BlockHeader): Promise<void> {
    return this.at(header.number).recordHeader(batch, header)
  }

  genesisSnapshot(batch: WriteBatch, genesis: BlockHeader): void {
    this.clique.genesisSnapshot(batch, genesis)
  }

  finalized(head: BlockHeader, parentOf: (hash: Uint8Array) => BlockHeader | undefined): BlockHeader {
    return this.at(head.number).finalized(head, parentOf)
  }
}
