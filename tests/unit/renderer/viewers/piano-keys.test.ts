// The piano roll's key ruler (issue 24 item 10): scientific pitch names, black keys, the hover's clock.
import { describe, expect, it } from 'vitest';
import { clockTime, isBlackKey, noteName } from '../../../../src-renderer/viewers/piano-keys';

describe('piano keys', () => {
  it('names keys in scientific pitch: middle C is C4', () => {
    expect(noteName(60)).toBe('C4');
    expect(noteName(69)).toBe('A4');
    expect(noteName(54)).toBe('F♯3');
    expect(noteName(0)).toBe('C-1');
    expect(noteName(127)).toBe('G9');
  });

  it('knows the black keys and writes positions as m:ss.s', () => {
    expect([60, 61, 62, 63, 64, 65, 66].map(isBlackKey)).toEqual([false, true, false, true, false, false, true]);
    expect(clockTime(75.25)).toBe('1:15.3');
    expect(clockTime(3)).toBe('0:03.0');
  });
});
