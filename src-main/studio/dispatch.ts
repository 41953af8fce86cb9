// One entry point for every transport (Electron IPC, WebSocket): checks the method name, validates
// the argument against the contract's schema, calls the service, and wraps the outcome in the
// {ok, value | error} envelope. The renderer is untrusted, so nothing reaches a service unchecked.
import { ZodError } from 'zod';
import { args, METHOD_NAMES, type MethodName, type StudioHandlers, type WireError } from '../shared/contract';
import { errorLine, isUserError } from '../shared/errors';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: WireError };

const KNOWN = new Set<string>(METHOD_NAMES);

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && KNOWN.has(name);
}

function zodLine(err: ZodError): string {
  const issue = err.issues[0];
  const where = issue?.path.length ? issue.path.join('.') + ': ' : '';
  return `invalid request: ${where}${issue?.message ?? 'bad value'}`;
}

export function createDispatcher(handlers: StudioHandlers, onInternalError: (method: string, err: unknown) => void = () => {}) {
  return async function dispatch(method: unknown, arg: unknown): Promise<Outcome> {
    if (!isMethodName(method)) return { ok: false, error: { message: `unknown method '${String(method)}'`, code: 'BAD_METHOD' } };
    const parsed = args[method].safeParse(arg);
    if (!parsed.success) return { ok: false, error: { message: zodLine(parsed.error), code: 'BAD_REQUEST' } };
    try {
      const fn = handlers[method] as (a: unknown) => unknown;
      const value = await fn.call(handlers, parsed.data);
      return { ok: true, value: value === undefined ? null : value };
    } catch (err) {
      if (!isUserError(err)) onInternalError(method, err);
      const code = (err as { code?: unknown })?.code;
      return { ok: false, error: { message: errorLine(err), code: typeof code === 'string' ? code : isUserError(err) ? 'USER_ERROR' : 'INTERNAL' } };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
