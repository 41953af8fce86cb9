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

/** One line for any thrown value: a UserError's message, or a short description of anything else. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] || err.name;
  return String(err).split('\n')[0];
}

/** True when the value is a UserError (also across realms/processes where instanceof fails). */
export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError || (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'UserError');
}
