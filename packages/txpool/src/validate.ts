// The pool's admission rules with geth's messages (legacypool's validateTx and add): first
// what needs no state, then what the sender's account and its pooled transactions decide.
// Each check throws a TxPoolError; none changes the pool.
import { getCalldataFloorGas, type TypedTransaction } from '@ethereumjs/tx'
import type { PoolEntry } from './entry.ts'
import { TxPoolError, TxPoolErrorReason as R } from './errors.ts'
import type { HeadContext } from './interface.ts'
import type { TxPoolOptions } from './options.ts'

/**
 * The transaction's gas limit fits a block (geth: exceeds block gas limit) and the fork's
 * per-transaction cap `txGasCap` when there is one (EIP-7825: geth's "transaction gas limit too high").
 */
export function checkGasLimit(tx: TypedTransaction, head: HeadContext, txGasCap: bigint | undefined): void {
  if (tx.gasLimit > head.gasLimit) throw new TxPoolError(R.GasLimit, `gas ${tx.gasLimit}, block gas limit ${head.gasLimit}`)
  if (txGasCap !== undefined && tx.gasLimit > txGasCap) throw new TxPoolError(R.GasLimitTooHigh, `(cap: ${txGasCap}, tx: ${tx.gasLimit})`)
}

/**
 * The checks after sender recovery that need no state: intrinsic gas, the EIP-7623 floor
 * when `floorActive`, the pool's minimum tip and (unless `reorg`) the next block's base fee.
 */
export function checkStateless(tx: TypedTransaction, caps: { feeCap: bigint; tipCap: bigint }, rules: { options: Readonly<TxPoolOptions>; head: HeadContext; floorActive: boolean; reorg: boolean }): void {
  const intrinsic = tx.getIntrinsicGas()
  if (tx.gasLimit < intrinsic) throw new TxPoolError(R.IntrinsicGas, `gas ${tx.gasLimit}, minimum needed ${intrinsic}`)
  if (rules.floorActive) {
    const floor = getCalldataFloorGas(tx)
    if (tx.gasLimit < floor) throw new TxPoolError(R.FloorDataGas, `gas ${tx.gasLimit}, minimum needed ${floor}`)
  }
  const minTip = rules.options.minTip
  if (caps.tipCap < minTip) throw new TxPoolError(R.MinTip, `gas tip cap ${caps.tipCap}, minimum needed ${minTip}`)
  // geth parks such transactions until the base fee falls; we refuse them so a dev tool
  // that underestimates the fee gets an error instead of waiting forever. Re-added reorg
  // transactions are kept, as geth does.
  if (!rules.reorg && caps.feeCap < rules.head.baseFee) {
    throw new TxPoolError(R.FeeCapBelowBaseFee, `maxFeePerGas ${caps.feeCap}, baseFee ${rules.head.baseFee}`)
  }
}

/**
 * The nonce against the account nonce and the end of the sender's pending run: below the
 * account nonce is too low, more than `maxGap` above the pending run too high (unless it
 * replaces a pooled transaction).
 */
export function checkNonce(nonce: bigint, stateNonce: bigint, pendingEnd: bigint, replaces: boolean, maxGap: bigint): void {
  if (nonce < stateNonce) throw new TxPoolError(R.NonceTooLow, `next nonce ${stateNonce}, tx nonce ${nonce}`)
  if (!replaces && nonce - pendingEnd > maxGap) throw new TxPoolError(R.NonceTooHigh, `next nonce ${pendingEnd}, tx nonce ${nonce}, max gap ${maxGap}`)
}

/**
 * The sender can pay for this transaction and every other one it has pooled (`spent`, geth's
 * ExistingExpenditure), counting a replaced transaction's cost only once.
 */
export function checkFunds(balance: bigint, spent: bigint, entry: PoolEntry, old: PoolEntry | undefined): void {
  const cost = entry.cost
  if (balance < cost) throw new TxPoolError(R.InsufficientFunds, `balance ${balance}, tx cost ${cost}, overshot ${cost - balance}`)
  if (old !== undefined) {
    const bump = cost - old.cost
    const need = spent + bump
    if (balance < need) throw new TxPoolError(R.InsufficientFunds, `balance ${balance}, queued cost ${spent}, tx bumped ${bump}, overshot ${need - balance}`)
    return
  }
  const need = spent + cost
  if (balance < need) throw new TxPoolError(R.InsufficientFunds, `balance ${balance}, queued cost ${spent}, tx cost ${cost}, overshot ${need - balance}`)
}

/** A same-nonce replacement raises both fee caps strictly and by `priceBump` percent (geth). */
export function checkPriceBump(old: PoolEntry, entry: PoolEntry, priceBump: bigint): void {
  const factor = 100n + priceBump
  const feeThreshold = (old.feeCap * factor) / 100n
  const tipThreshold = (old.tipCap * factor) / 100n
  if (entry.feeCap <= old.feeCap || entry.tipCap <= old.tipCap || entry.feeCap < feeThreshold || entry.tipCap < tipThreshold) {
    const needFee = feeThreshold > old.feeCap ? feeThreshold : old.feeCap + 1n
    const needTip = tipThreshold > old.tipCap ? tipThreshold : old.tipCap + 1n
    throw new TxPoolError(R.ReplacementUnderpriced, `need maxFeePerGas >= ${needFee} and maxPriorityFeePerGas >= ${needTip}, have ${entry.feeCap} and ${entry.tipCap}`)
  }
}
