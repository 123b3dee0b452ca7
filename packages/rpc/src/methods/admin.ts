// admin_* : the peer network, for operators. Not served unless `admin` is in the namespaces.
import { method, type MethodTable } from '../context.ts'
import { required, string } from '../params.ts'

export const adminMethods: MethodTable = {
  admin_peers: method([], (ctx) => ctx.backend.network.peers()),
  admin_nodeInfo: method([], (ctx) => ctx.backend.network.nodeInfo()),
  /** Dials the peer at a libp2p multiaddr ending in /p2p/<peer id>; false when it is not valid. */
  admin_addPeer: method([required('url', string)], (ctx, url) => ctx.backend.network.addPeer(url)),
}
