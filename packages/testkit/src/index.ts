export { startDevNode, tempDataDir } from './dev-node.ts'
export type { DevNode, DevNodeOptions } from './dev-node.ts'
export { mainScript, startNodeProcess } from './node-process.ts'
export type { NodeProcess } from './node-process.ts'
