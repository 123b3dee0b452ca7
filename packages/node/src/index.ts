export { startNode } from './node.ts'
export type { RunningNode } from './node.ts'
export type { NodeConfig, SignerKey } from './config.ts'
