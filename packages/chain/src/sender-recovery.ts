// Recovers the senders of an imported block's transactions on a worker thread while the main
// thread verifies and executes. Results land in each transaction's own sender cache between
// the executor's yields to the event loop; a transaction whose result has not arrived yet is
// recovered on the main thread as usual, so nothing waits on the worker and nothing depends
// on timing for correctness.
import { Worker } from 'node:worker_threads'
import { Capability, type TypedTransaction } from '@ethereumjs/tx'
import { bigIntToBytes, setLengthLeft } from '@ethereumjs/util'

const ITEM = 97
const CHUNK = 64
/** secp256k1 group order / 2: larger s values are invalid since Homestead (EIP-2). */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

interface SenderCache {
  cache: { senderPubKey?: Uint8Array }
}

export class SenderRecovery {
  private worker: Worker | undefined
  private nextId = 0
  private readonly waiting = new Map<number, TypedTransaction[]>()

  /** Started on first use and unreferenced, so it never keeps a process alive. */
  private start(): Worker {
    const worker = new Worker(new URL('./sender-recovery-worker.ts', import.meta.url))
    worker.on('message', ({ id, output }: { id: number; output: Uint8Array }) => {
      const txs = this.waiting.get(id)
      this.waiting.delete(id)
      txs?.forEach((tx, i) => {
        const publicKey = output.subarray(i * 64, (i + 1) * 64)
        const cached = tx as unknown as SenderCache
        if (cached.cache.senderPubKey === undefined && publicKey.some((byte) => byte !== 0)) cached.cache.senderPubKey = publicKey
      })
    })
    worker.on('error', () => {
      // Recovery falls back to the main thread; a broken worker is simply not used again.
      this.worker = undefined
    })
    // After the listeners: attaching a 'message' listener references the worker again.
    worker.unref()
    return worker
  }

  /** Starts recovering the senders of `txs` in chunks, so the first ones arrive early. */
  prefetch(txs: TypedTransaction[]): void {
    const pending = txs.filter((tx) => (tx as unknown as SenderCache).cache.senderPubKey === undefined && Object.isFrozen(tx))
    if (pending.length === 0) return
    this.worker ??= this.start()
    for (let start = 0; start < pending.length; start += CHUNK) {
      const sent: TypedTransaction[] = []
      const input = new Uint8Array(Math.min(CHUNK, pending.length - start) * ITEM)
      for (const tx of pending.slice(start, start + CHUNK)) {
        const recovery = recoveryId(tx)
        if (recovery === undefined || tx.r === undefined || tx.s === undefined || tx.s > HALF_N) continue
        const offset = sent.length * ITEM
        input.set(tx.getMessageToVerifySignature(), offset)
        input.set(setLengthLeft(bigIntToBytes(tx.r), 32), offset + 32)
        input.set(setLengthLeft(bigIntToBytes(tx.s), 32), offset + 64)
        input[offset + 96] = recovery
        sent.push(tx)
      }
      if (sent.length === 0) continue
      const id = this.nextId++
      this.waiting.set(id, sent)
      const used = input.slice(0, sent.length * ITEM)
      this.worker.postMessage({ id, input: used }, [used.buffer])
    }
  }
}

/** The recovery id EthereumJS would use, or undefined when `v` is not a valid one. */
function recoveryId(tx: TypedTransaction): number | undefined {
  const v = tx.v
  if (v === undefined) return undefined
  let recovery: bigint
  if (tx.type !== 0) recovery = v
  else if (tx.supports(Capability.EIP155ReplayProtection)) recovery = v - (tx.common.chainId() * 2n + 35n)
  else recovery = v - 27n
  return recovery === 0n || recovery === 1n ? Number(recovery) : undefined
}
