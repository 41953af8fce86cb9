// The desktop window's security policy as pure functions (no electron import, so they are unit-tested
// in Node): which URLs the window may show, which permission requests it gets, the CSP of the app
// protocol, and how an app:// URL maps to a file. Electron's checklist:
// https://www.electronjs.org/docs/latest/tutorial/security (items 5-7, 13-18); docs/security.md.
import path from 'node:path';

/** The renderer is served from this privileged custom scheme instead of file:// (checklist item 18). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * CSP of every page served from app://studio. The desktop renderer talks to the studio over IPC only,
 * so `connect-src` is the app's own origin (plus data:/blob: URLs the page made itself).
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' data: blob:",
  "connect-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The development server URL, honoured only when the app is not packaged and it points at this
 * machine's loopback over http (electron-vite sets ELECTRON_RENDERER_URL in `electron-vite dev`).
 * A packaged app ignores it: an environment variable must not redirect the app to a remote page.
 */
export function devRendererUrl(env: Record<string, string | undefined>, isPackaged: boolean): string | null {
  const raw = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !raw) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  return u.protocol === 'http:' && loopback && !u.username && !u.password ? u.href : null;
}

/** The URL the window loads: the dev server in development, else the app protocol. */
export function startUrl(devUrl: string | null): string {
  return devUrl ?? `${APP_ORIGIN}/index.html`;
}

/** Origin of a URL, or null when it has none worth comparing (about:blank, data:, garbage). */
function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol === `${APP_SCHEME}:`) return `${u.protocol}//${u.host}`;
    return u.origin === 'null' ? null : u.origin;
  } catch {
    return null;
  }
}

/** The app's own origin (or the dev server's): the only one whose pages may use the studio. */
export function isAppUrl(url: string, devUrl: string | null): boolean {
  const o = originOf(url);
  if (!o) return false;
  return o === APP_ORIGIN || (devUrl !== null && o === originOf(devUrl));
}

/**
 * Navigation, redirects and subframe navigation: only within the app. Anything else (a link in a
 * rendered file, a redirect) is refused; http(s) links are handed to the system browser instead.
 */
export function navigationDecision(url: string, devUrl: string | null): 'allow' | 'external' | 'deny' {
  if (isAppUrl(url, devUrl)) return 'allow';
  return /^https?:\/\//i.test(url) ? 'external' : 'deny';
}

/**
 * Permission requests and checks (camera, microphone, geolocation, notifications, HID, serial, …):
 * none is needed by the studio. Clipboard writes of sanitized text are allowed to the app itself so
 * "copy" buttons work; everything else is refused, whoever asks.
 */
export function permissionAllowed(permission: string, requestingUrl: string, devUrl: string | null): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl, devUrl);
}

/**
 * The file under `root` that an app:// request names, or null (other host, traversal, bad escape).
 * `/` means index.html.
 */
export function appFileFor(url: string, root: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + rel);
  return file.startsWith(base + path.sep) ? file : null;
}

/** Longest base name the save dialog is pre-filled with. */
const MAX_SAVE_NAME = 120;

/**
 * The file name the save dialog is pre-filled with: the base name of what the renderer suggests, with
 * folders, control and reserved characters and leading dots removed; 'download' when nothing is left.
 * The dialog's folder is chosen by main (Downloads), never by the renderer.
 */
export function saveDialogName(suggested: string): string {
  const base = suggested.split(/[\\/]/).pop() ?? '';
  let name = '';
  for (const ch of base) name += ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || '<>:"|?*'.includes(ch) ? '_' : ch;
  name = name.replace(/^[.\s]+/, '').trim().slice(0, MAX_SAVE_NAME);
  return name || 'download';
}
