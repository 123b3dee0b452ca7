export { QbftValidatorService } from './service.ts'
export type { QbftServiceOptions } from './service.ts'
export { unwrapMessage, wrapMessage } from './transport.ts'
export type { ConsensusTransport, MessageVerdict } from './transport.ts'
