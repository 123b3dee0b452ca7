// QBFT's metrics (one registry, prom-client): where consensus stands and who takes part.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { MessageType } from '../messages.ts'

export class QbftMetrics {
  private readonly round: Gauge
  private readonly roundChanges: Counter
  private readonly commitSeconds: Histogram
  private readonly messages: Counter
  private readonly invalid: Counter
  private readonly proposals: Counter
  private readonly seals: Counter

  constructor(registry: Registry) {
    const registers = [registry]
    this.round = new Gauge({ name: 'qbft_round', help: 'Current QBFT round of the height being decided', registers })
    this.roundChanges = new Counter({ name: 'qbft_round_changes_total', help: 'QBFT round changes (timeouts and early round changes)', registers })
    this.commitSeconds = new Histogram({
      name: 'qbft_commit_seconds',
      help: 'From the start of a height to its block being committed here',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
      registers,
    })
    this.messages = new Counter({ name: 'qbft_messages_total', help: 'QBFT messages handled, by type', labelNames: ['type'], registers })
    this.invalid = new Counter({ name: 'qbft_invalid_messages_total', help: 'QBFT messages dropped for breaking a rule', registers })
    this.proposals = new Counter({ name: 'qbft_proposals_total', help: 'Blocks this validator proposed', registers })
    this.seals = new Counter({ name: 'qbft_commit_seals_total', help: 'Commit seals in blocks committed here, by validator (participation)', labelNames: ['validator'], registers })
  }

  setRound(round: number): void {
    this.round.set(round)
  }

  roundChanged(): void {
    this.roundChanges.inc()
  }

  received(type: MessageType): void {
    this.messages.inc({ type })
  }

  rejected(): void {
    this.invalid.inc()
  }

  proposed(): void {
    this.proposals.inc()
  }

  committed(milliseconds: number, round: number, sealers: string[]): void {
    this.commitSeconds.observe(milliseconds / 1000)
    this.round.set(round)
    for (const validator of sealers) this.seals.inc({ validator })
  }
}
