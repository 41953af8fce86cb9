// What a browser sees of this machine's paths (docs/security.md, "No machine paths to the browser"):
// over `bgpt serve` every reply, event and error line says the studio home and paths under it relative
// to the user's home (`~/…`) or by the home folder's name, and any other absolute path by its file name.
// The desktop app and the CLI keep full paths (they are the user's own window and terminal).
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../shared/errors';

/** Characters after which a '/' (or a drive letter) starts a path token; what ends one. */
const TOKEN_START = new Set([' ', '\t', '\n', "'", '"', '(', '=', '`', '[']);
const TOKEN_END = new Set([' ', '\t', '\n', "'", '"', ')', '`', ']', ',', ';']);

/** How the studio home is shown: `~/rel` under the user's home, else the folder's own name. */
export function displayHome(home: string, userHome = os.homedir()): string {
  const rel = path.relative(userHome, home);
  if (userHome && rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return `~/${rel.split(path.sep).join('/')}`;
  return path.basename(home) || 'studio home';
}

/** A function that rewrites the machine paths in one string. */
export function pathRedactor(home: string, userHome = os.homedir()): (text: string) => string {
  const shownHome = displayHome(home, userHome);
  const prefixes: Array<[string, string]> = [[home, shownHome]];
  if (userHome && userHome !== path.parse(userHome).root) prefixes.push([userHome, '~']);
  return (text) => {
    if (typeof text !== 'string' || text.length === 0) return text;
    let out = text;
    for (const [from, to] of prefixes) if (out.includes(from)) out = out.split(from).join(to);
    return baseNamesOfOtherPaths(out);
  };
}

/** A POSIX (`/a/b`) or Windows (`C:\a`) absolute path token that names a folder: replaced by its last part. */
function baseNamesOfOtherPaths(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const startsToken = i === 0 || TOKEN_START.has(text[i - 1]);
    const posix = text[i] === '/';
    const windows = /[A-Za-z]/.test(text[i]) && text[i + 1] === ':' && (text[i + 2] === '\\' || text[i + 2] === '/');
    if (!startsToken || (!posix && !windows)) {
      out += text[i++];
      continue;
    }
    let end = i;
    while (end < text.length && !TOKEN_END.has(text[end])) end++;
    let token = text.slice(i, end);
    // A trailing ':' (a path before its message) or '.' ends a sentence, not the path.
    let tail = '';
    while (token.length > 1 && (token.endsWith(':') || token.endsWith('.'))) {
      tail = token.slice(-1) + tail;
      token = token.slice(0, -1);
    }
    const parts = token.split(/[\\/]/).filter((p) => p.length > 0);
    out += (parts.length >= 2 ? parts[parts.length - 1] : token) + tail;
    i = end;
  }
  return out;
}

/** `value` with every string rewritten; objects are copied only where something changed. */
export function redactValue<T>(value: T, redact: (s: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((v, k) => {
      const r = redactValue(v, redact);
      if (r !== v) (copy ??= [...value])[k] = r;
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const r = redactValue(v, redact);
    if (r !== v) (copy ??= { ...(value as Record<string, unknown>) })[k] = r;
  }
  return (copy ?? value) as T;
}

/** The same error with its message rewritten (its code kept). */
export function redactError(err: unknown, redact: (s: string) => string): unknown {
  if (!(err instanceof Error)) return err;
  const message = redact(err.message);
  if (message === err.message) return err;
  const code = (err as { code?: unknown }).code;
  if (err instanceof UserError) return new UserError(message, err.code);
  return Object.assign(new Error(message), typeof code === 'string' ? { code } : {});
}
