// Node.js file-system and socket errors ("EROFS: read-only file system, mkdir '/ro/dd'") as the
// one line a user reads: what could not be done to which path, and why. A data directory on a
// read-only disk or a keystore directory that is a file is the operator's to fix, not a crash.

/** A Node.js system error: `code` (EROFS), `syscall` (mkdir) and, for the file system, `path`. */
interface SystemError {
  code: string
  syscall: string
  path?: string
  message: string
}

export function isSystemError(error: unknown): error is SystemError {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown }
  return typeof code === 'string' && typeof syscall === 'string'
}

/** The reason without the code and the path: "read-only file system". */
export function systemErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')
}

const VERBS: Record<string, string> = { mkdir: 'create the directory', open: 'open', scandir: 'list the directory', rename: 'rename', write: 'write', read: 'read', unlink: 'remove', stat: 'read' }

/**
 * "cannot create the directory /ro/dd: read-only file system". Node's recursive mkdir reports a
 * parent it could not create as ENOENT ("no such file or directory"); for mkdir that means
 * the path cannot be created (read-only, not permitted), and is said so.
 */
export function systemErrorLine(error: SystemError): string {
  const reason = error.syscall === 'mkdir' && error.code === 'ENOENT' ? 'a parent directory cannot be created (read-only or not permitted?)' : systemErrorReason(error)
  const what = VERBS[error.syscall] ?? error.syscall
  return error.path === undefined ? `cannot ${what}: ${reason}` : `cannot ${what} ${error.path}: ${reason}`
}
