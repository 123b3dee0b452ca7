// The node's libp2p identity: an Ed25519 key generated on first start and kept in
// <dataDir>/network/node-key (libp2p protobuf encoding, mode 0600), so the peer id is
// stable across restarts and other nodes can list it as a bootnode or in an allowlist.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import type { Logger } from 'pino'

export function nodeKeyPath(dataDir: string): string {
  return join(dataDir, 'network', 'node-key')
}

export async function loadOrCreateNodeKey(dataDir: string, logger: Logger): Promise<PrivateKey> {
  const path = nodeKeyPath(dataDir)
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777
    if ((mode & 0o077) !== 0) {
      logger.warn({ path, mode: mode.toString(8) }, 'node key readable by other users; restricting to 0600')
      chmodSync(path, 0o600)
    }
    try {
      return privateKeyFromProtobuf(new Uint8Array(readFileSync(path)))
    } catch (error) {
      throw new Error(`cannot read the node key ${path}: ${(error as Error).message}`)
    }
  }
  mkdirSync(join(dataDir, 'network'), { recursive: true, mode: 0o700 })
  const key = await generateKeyPair('Ed25519')
  const temporary = `${path}.tmp`
  writeFileSync(temporary, privateKeyToProtobuf(key), { mode: 0o600 })
  renameSync(temporary, path)
  logger.info({ path }, 'generated node key')
  return key
}
