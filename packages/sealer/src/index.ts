export { Sealer } from './sealer.ts'
export type { SealerOptions } from './sealer.ts'
