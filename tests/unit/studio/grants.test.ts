// Dialog selections as opaque handles (docs/security.md): the renderer cannot name a path.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { PathGrants } from '../../../src-main/studio/grants';

describe('PathGrants', () => {
  it('hands out an opaque handle for chosen paths, usable once', () => {
    const g = new PathGrants();
    const sel = g.grant(['/home/me/tunes', '/home/me/a.abc']);
    expect(sel.selection).toMatch(/^sel_[0-9a-f]{32}$/);
    expect(sel.selection).not.toContain('/');
    expect(sel.names).toEqual(['tunes', 'a.abc']);
    expect(g.take(sel.selection)).toEqual([path.resolve('/home/me/tunes'), path.resolve('/home/me/a.abc')]);
    expect(() => g.take(sel.selection)).toThrow(/unknown or expired/);
  });

  it('refuses a path passed as a handle, and expired handles', () => {
    let now = 0;
    const g = new PathGrants(() => now);
    expect(() => g.take('/etc/passwd')).toThrow(/unknown or expired/);
    const sel = g.grant(['/x']);
    now += 31 * 60 * 1000;
    expect(() => g.take(sel.selection)).toThrow(/unknown or expired/);
  });
});
