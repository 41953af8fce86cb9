// Errors a user can act on. Anything thrown as a UserError is shown as one plain line, never a stack.

/** An error caused by input the user gave (a path, a flag, a file); its message is the whole story. */
export class UserError extends Error {
  override name = 'UserError';
  /** Machine-readable code for API clients (e.g. 'ENOENT', 'BAD_CHECKPOINT'). */
  readonly code: string;
  constructor(message: string, code = 'USER_ERROR') {
    super(message);
    this.code = code;
  }
}

/** File-system calls whose permission failure means "this place cannot be written". */
const WRITE_SYSCALLS = new Set(['mkdir', 'rename', 'unlink', 'rmdir', 'rm', 'copyfile', 'link', 'symlink', 'chmod', 'utime', 'mkdtemp', 'write']);

/**
 * One line for a Node file-system error (which carries code, syscall and path): a read-only place
 * says so ("… is read-only") instead of "EROFS: read-only file system, mkdir '…'"; null otherwise.
 */
export function fsErrorLine(err: unknown): string | null {
  const e = err as { code?: unknown; syscall?: unknown; path?: unknown };
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.path !== 'string') return null;
  if (e.code === 'EROFS' || ((e.code === 'EACCES' || e.code === 'EPERM') && WRITE_SYSCALLS.has(String(e.syscall)))) {
    return `${e.path} is read-only (${e.code === 'EROFS' ? 'read-only file system' : 'permission denied'}): choose a writable place`;
  }
  if (e.code === 'EACCES' || e.code === 'EPERM') return `${e.path}: permission denied`;
  if (e.code === 'ENOSPC') return `${e.path}: no space left on the device`;
  return null;
}

/** One line for any thrown value: a UserError's message, or a short description of anything else. */
export function errorLine(err: unknown): string {
  const fsLine = fsErrorLine(err);
  if (fsLine) return fsLine;
  if (err instanceof Error) return err.message.split('\n')[0] || err.name;
  return String(err).split('\n')[0];
}

/** True when the value is a UserError (also across realms/processes where instanceof fails). */
export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError || (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'UserError');
}
