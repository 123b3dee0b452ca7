// Worker thread: recovers transaction senders' public keys with native secp256k1.
// Input per transaction: digest (32) | r (32) | s (32) | recovery id (1).
// Output per transaction: public key (64, no 0x04 prefix), all zero when recovery failed.
import { parentPort } from 'node:worker_threads'
import { recoverPublicKey } from '@busan/chain-config'

const ITEM = 97

parentPort!.on('message', ({ id, input }: { id: number; input: Uint8Array }) => {
  const count = input.length / ITEM
  const output = new Uint8Array(count * 64)
  for (let i = 0; i < count; i++) {
    const item = input.subarray(i * ITEM, (i + 1) * ITEM)
    try {
      output.set(recoverPublicKey(item.subarray(0, 32), item[96], item.subarray(32, 64), item.subarray(64, 96)), i * 64)
    } catch {
      // Left zero: the main thread recovers it itself and reports the invalid signature.
    }
  }
  parentPort!.postMessage({ id, output }, [output.buffer])
})
