// Display formats: quantities, wei, hashes and times, as wallets show them.
import { formatEther, formatUnits } from 'ethers'

export function num(quantity: string | null | undefined): number {
  return quantity === null || quantity === undefined ? 0 : Number(BigInt(quantity))
}

/** 0x1234…abcd: enough to recognise, short enough for a phone screen. */
export function short(hash: string): string {
  return hash.length <= 14 ? hash : `${hash.slice(0, 8)}…${hash.slice(-6)}`
}

export function ether(wei: string | bigint): string {
  return `${formatEther(typeof wei === 'string' ? BigInt(wei) : wei)} ETH`
}

export function gwei(wei: string | bigint): string {
  return `${formatUnits(typeof wei === 'string' ? BigInt(wei) : wei, 'gwei')} gwei`
}

/** A Unix time (seconds, as a quantity) in the reader's locale. */
export function when(timestamp: string, language: 'ko' | 'en'): string {
  return new Date(num(timestamp) * 1000).toLocaleString(language === 'ko' ? 'ko-KR' : 'en-GB')
}
