// `busan version` (and `busan --version`), as `geth version` prints it: the client's name and
// version, the commit of the checkout it runs from (read from .git, no git process; "unknown"
// outside a checkout), the Node.js that runs it and the EthereumJS libraries it executes with.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CLIENT_NAME, CLIENT_VERSION } from './config.ts'

const repoRoot = resolve(import.meta.dirname, '../../..')
const ETHEREUMJS = ['vm', 'evm', 'statemanager', 'mpt', 'tx', 'block', 'common'] as const

/** The commit HEAD points at in `root`'s .git (a branch's ref file or packed-refs, or a detached HEAD), or undefined. */
export function gitCommit(root = repoRoot): string | undefined {
  const git = join(root, '.git')
  try {
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim()
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40}$/.test(head) ? head : undefined
    const ref = head.slice(5)
    if (existsSync(join(git, ref))) return readFileSync(join(git, ref), 'utf8').trim()
    const packed = readFileSync(join(git, 'packed-refs'), 'utf8').split('\n').find((line) => line.endsWith(` ${ref}`))
    return packed?.split(' ')[0]
  } catch {
    return undefined
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/** The lines `busan version` prints. */
export function versionText(): string {
  return [
    CLIENT_NAME,
    `Version: ${CLIENT_VERSION}`,
    `Git Commit: ${gitCommit() ?? 'unknown'}`,
    `Architecture: ${process.arch}`,
    `Operating System: ${process.platform}`,
    `Node.js: ${process.version}`,
    `EthereumJS: ${ETHEREUMJS.map((name) => `${name} ${packageVersion(`@ethereumjs/${name}`)}`).join(', ')}`,
  ].join('\n')
}
