// The sender recovery thread (index.ts): recovers the signers of a batch of raw transactions
// with the chain's native secp256k1 and keccak. Never terminated in the middle of a job (jobs
// are short and bounded), so the native addon is safe here, unlike on the RPC worker threads.
import { workerData } from 'node:worker_threads'
import { createChainCommon, type GenesisFile } from '@busan/chain-config'
import { createDecodeContext, recoverSenders, type RecoveredSender } from '@busan/txpool'

// The pool checks size and replay protection again at admission, before it uses a key: here
// every transaction is recovered, whatever the pool's limits.
const ctx = createDecodeContext(createChainCommon((workerData as { genesis: GenesisFile }).genesis), { maxTxSize: Number.MAX_SAFE_INTEGER, allowUnprotected: true })

export default function recover(raws: Uint8Array[]): RecoveredSender[] {
  return recoverSenders(raws, ctx)
}
