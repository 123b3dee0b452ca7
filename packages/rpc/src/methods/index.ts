// Every method this server answers, by name.
import type { MethodTable } from '../context.ts'
import { blockMethods } from './eth/block.ts'
import { callMethods } from './eth/call.ts'
import { configMethods } from './eth/config.ts'
import { feeMethods } from './eth/fee.ts'
import { filterMethods } from './eth/filter.ts'
import { receiptMethods } from './eth/receipt.ts'
import { signMethods } from './eth/sign.ts'
import { simulateMethods } from './eth/simulate.ts'
import { stateMethods } from './eth/state.ts'
import { subscribeMethods } from './eth/subscribe.ts'
import { transactionMethods } from './eth/transaction.ts'
import { adminMethods } from './admin.ts'
import { cliqueMethods } from './clique.ts'
import { debugMethods } from './debug.ts'
import { netMethods } from './net.ts'
import { otsMethods } from './ots.ts'
import { qbftMethods } from './qbft.ts'
import { testingMethods } from './testing.ts'
import { txpoolMethods } from './txpool.ts'
import { web3Methods } from './web3.ts'

export const allMethods: MethodTable = {
  ...blockMethods,
  ...transactionMethods,
  ...receiptMethods,
  ...stateMethods,
  ...callMethods,
  ...simulateMethods,
  ...signMethods,
  ...feeMethods,
  ...configMethods,
  ...filterMethods,
  ...subscribeMethods,
  ...netMethods,
  ...web3Methods,
  ...txpoolMethods,
  ...cliqueMethods,
  ...qbftMethods,
  ...adminMethods,
  ...debugMethods,
  ...otsMethods,
  ...testingMethods,
}
