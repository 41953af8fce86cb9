// The desktop window's security policy (src-main/main/policy.ts): dev URL only unpackaged and on
// loopback, navigation and permissions only for the app's own origin, app:// file mapping, CSP.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_CSP, appFileFor, devRendererUrl, isAppUrl, navigationDecision, permissionAllowed, saveDialogName, startUrl } from '../../../src-main/main/policy';

describe('desktop policy', () => {
  it('honours ELECTRON_RENDERER_URL only in development and only on loopback http', () => {
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, false)).toBe('http://localhost:5173/');
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, true)).toBeNull();
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'https://evil.example/' }, false)).toBeNull();
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'file:///etc/passwd' }, false)).toBeNull();
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://u:p@127.0.0.1:1/' }, false)).toBeNull();
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'not a url' }, false)).toBeNull();
    expect(devRendererUrl({}, false)).toBeNull();
    expect(startUrl(null)).toBe('app://studio/index.html');
  });

  it('allows navigation within the app, sends web links to the browser, refuses the rest', () => {
    expect(navigationDecision('app://studio/index.html#/train', null)).toBe('allow');
    expect(navigationDecision('https://arxiv.org/abs/2402.19155', null)).toBe('external');
    expect(navigationDecision('file:///etc/passwd', null)).toBe('deny');
    expect(navigationDecision('app://other/index.html', null)).toBe('deny');
    expect(navigationDecision('javascript:alert(1)', null)).toBe('deny');
    expect(navigationDecision('http://localhost:5173/x', 'http://localhost:5173/')).toBe('allow');
    expect(navigationDecision('http://localhost:5174/x', 'http://localhost:5173/')).toBe('external');
    expect(isAppUrl('data:text/html,hi', null)).toBe(false);
  });

  it('grants no permission but sanitized clipboard writes to the app itself', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'hid', 'serial', 'usb', 'fullscreen']) {
      expect(permissionAllowed(p, 'app://studio/index.html', null), p).toBe(false);
    }
    expect(permissionAllowed('clipboard-sanitized-write', 'app://studio/index.html', null)).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'https://evil.example/', null)).toBe(false);
  });

  it('maps app:// URLs to files inside the renderer folder only', () => {
    const root = path.resolve('/srv/renderer');
    expect(appFileFor('app://studio/', root)).toBe(path.join(root, 'index.html'));
    expect(appFileFor('app://studio/assets/a%20b.js', root)).toBe(path.join(root, 'assets', 'a b.js'));
    expect(appFileFor('app://studio/..%2f..%2fetc%2fpasswd', root)).toBeNull();
    expect(appFileFor('app://studio/%E0%A4%A', root)).toBeNull();
    expect(appFileFor('app://other/index.html', root)).toBeNull();
    expect(appFileFor('file:///etc/passwd', root)).toBeNull();
  });

  it('limits connect-src to the app itself', () => {
    const connect = APP_CSP.split(';').map((d) => d.trim()).find((d) => d.startsWith('connect-src'))!;
    expect(connect.split(/\s+/).slice(1).sort()).toEqual(["'self'", 'blob:', 'data:']);
    expect(APP_CSP).toContain("object-src 'none'");
  });

  it("pre-fills the save dialog with a sanitised base name only, never the renderer's path (issue 20 item 7)", () => {
    expect(saveDialogName('tune-3.abc')).toBe('tune-3.abc');
    expect(saveDialogName('/home/me/.ssh/authorized_keys')).toBe('authorized_keys');
    expect(saveDialogName('..\\..\\Windows\\System32\\evil.dll')).toBe('evil.dll');
    expect(saveDialogName('../../.bashrc')).toBe('bashrc');
    expect(saveDialogName('a\u0000b\u001b[31m<c>.txt')).toBe('a_b_[31m_c_.txt');
    expect(saveDialogName('...')).toBe('download');
    expect(saveDialogName('x'.repeat(500)).length).toBe(120);
  });
});
