// The pure request guards of `bgpt serve`: Host (DNS rebinding), Origin, token placement, safe decoding.
import { describe, expect, it } from 'vitest';
import { authorize, isOwnHost, isOwnOrigin, parseTarget, safeDecode } from '../../../src-main/server/guards';

const T = 'ab'.repeat(24);

describe('guards', () => {
  it('accepts only its own address and port as Host', () => {
    expect(isOwnHost('127.0.0.1:8080', 8080)).toBe(true);
    expect(isOwnHost('LOCALHOST:8080', 8080)).toBe(true);
    for (const h of [undefined, '', '127.0.0.1', '127.0.0.1:8081', 'evil.example:8080', '127.0.0.1:8080.evil.example', '[::1]:8080', '127.0.0.1:08080']) {
      expect(isOwnHost(h, 8080), String(h)).toBe(false);
    }
  });

  it('accepts no Origin (non-browser) or its own, nothing else', () => {
    expect(isOwnOrigin(undefined, 80)).toBe(true);
    expect(isOwnOrigin('http://127.0.0.1:80', 80)).toBe(true);
    expect(isOwnOrigin('null', 80)).toBe(false);
    expect(isOwnOrigin('http://127.0.0.1:81', 80)).toBe(false);
    expect(isOwnOrigin('https://127.0.0.1:80', 80)).toBe(false);
  });

  it('finds the token in the /s/<token>/ prefix or the query, and nowhere else', () => {
    expect(authorize(`/s/${T}/assets/a.js`, new URLSearchParams(), T)).toEqual({ rest: '/assets/a.js', via: 'path' });
    expect(authorize(`/s/${T}`, new URLSearchParams(), T)).toEqual({ rest: '/', via: 'path' });
    expect(authorize('/', new URLSearchParams(`token=${T}`), T)).toEqual({ rest: '/', via: 'query' });
    expect(authorize(`/s/${T.slice(1)}x/`, new URLSearchParams(`token=${T}`), T)).toBeNull();
    expect(authorize('/assets/a.js', new URLSearchParams(), T)).toBeNull();
    expect(authorize(`/x/s/${T}/`, new URLSearchParams(), T)).toBeNull();
  });

  it('never throws on a malformed target or escape', () => {
    expect(safeDecode('/%E0%A4%A')).toBeNull();
    expect(safeDecode('/a%00b')).toBeNull();
    expect(safeDecode('/a%20b')).toBe('/a b');
    expect(parseTarget('http://evil.example/')).toBeNull();
    expect(parseTarget('//evil.example/')).toBeNull();
    expect(parseTarget('*')).toBeNull();
    expect(parseTarget('/a?token=%')?.query.get('token')).toBe('%');
  });
});
