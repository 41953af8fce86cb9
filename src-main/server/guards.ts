// Pure request guards of `bgpt serve` (docs/security.md): which Host and Origin headers are the
// server's own, where the token may appear, and safe decoding of a request path. No I/O here, so each
// rule is unit-tested on its own and no malformed input can throw out of a request handler.
import { timingSafeEqual } from 'node:crypto';

/** The page and its assets live under `/s/<token>/`: the token rides in the path, never in a cookie. */
export const SESSION_PREFIX = '/s/';

/** Constant-time token comparison; false for a missing or differently sized value. */
export function sameToken(a: string | null | undefined, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * The Host header names this server itself (DNS-rebinding guard): `127.0.0.1:PORT` or
 * `localhost:PORT`, nothing else. A rebound name (attacker.example resolving to 127.0.0.1) carries its
 * own name in Host, so it is refused before any handler runs.
 */
export function isOwnHost(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/** A browser's Origin header, when present, must be the server's own origin (cross-site WebSocket guard). */
export function isOwnOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true; // non-browser clients (CLI tools, tests) send none
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** Splits a raw request target into path and query without throwing; null when it is not origin-form. */
export function parseTarget(raw: string | undefined): { pathname: string; query: URLSearchParams } | null {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//')) return null;
  const q = raw.indexOf('?');
  const pathname = q < 0 ? raw : raw.slice(0, q);
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  } catch {
    return null;
  }
  return { pathname, query };
}

/** decodeURIComponent that answers null for a malformed escape (`/%E0%A4%A`) instead of throwing. */
export function safeDecode(s: string): string | null {
  try {
    const d = decodeURIComponent(s);
    return d.includes('\0') ? null : d;
  } catch {
    return null;
  }
}

/**
 * The token carried by a request: from a `/s/<token>/` path prefix or a `?token=` query. Returns the
 * path with the session prefix removed (the file to serve), or null when no valid token is present.
 */
export function authorize(pathname: string, query: URLSearchParams, token: string): { rest: string; via: 'path' | 'query' } | null {
  if (pathname.startsWith(SESSION_PREFIX)) {
    const end = pathname.indexOf('/', SESSION_PREFIX.length);
    const candidate = pathname.slice(SESSION_PREFIX.length, end < 0 ? undefined : end);
    if (sameToken(candidate, token)) return { rest: end < 0 ? '/' : pathname.slice(end), via: 'path' };
    return null;
  }
  return sameToken(query.get('token'), token) ? { rest: pathname, via: 'query' } : null;
}
