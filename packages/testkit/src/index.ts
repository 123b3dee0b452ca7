export { startDevNode, tempDataDir } from './dev-node.ts'
export type { DevNode, DevNodeOptions } from './dev-node.ts'
