import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import * as lp from 'it-length-prefixed'
const mk = () => createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
const a = await mk(), b = await mk()
await b.handle('/test/1', async (stream, conn) => {
  const t0 = performance.now()
  for await (const msg of lp.decode(stream, { maxDataLength: 100 })) {
    const n = msg.subarray()[0]
    for (let i = 0; i < n; i++) {
      const buf = lp.encode.single(new Uint8Array(100_000).fill(i))
      if (!stream.send(buf)) await stream.onDrain()
    }
    break
  }
  await stream.close()
  console.log('server done', performance.now() - t0)
})
await a.dial(b.getMultiaddrs()[0])
for (let k = 0; k < 3; k++) {
const t0 = performance.now()
const s = await a.dialProtocol(b.peerId, '/test/1')
s.send(lp.encode.single(new Uint8Array([80])))
await s.close()
let n = 0, bytes = 0
for await (const m of lp.decode(s, { maxDataLength: 200_000 })) { n++; bytes += m.byteLength }
console.log('client got', n, bytes, performance.now() - t0, s.status)
}
await a.stop(); await b.stop()
