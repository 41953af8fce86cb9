import { describe, it, expect } from 'vitest';
import { parseAbc } from '../../../../src-main/formats/preview/abc';
import { viewKind } from '../../../../src-main/formats/preview/kind';
import { bitsColor, bitsRgb, meanBits, MAX_BITS } from '../../../../src-main/formats/preview/surprisal';
import { fixture } from './fixtures';

describe('parseAbc', () => {
  it('reads a clean tune without warnings', () => {
    const view = parseAbc(fixture('tune.abc'));
    expect(view.tunes).toBe(1);
    expect(view.issues).toEqual([]);
    expect(view.text).toContain('T:Viewer test tune');
  });

  it('lists abcjs warnings as plain text and invalid UTF-8', () => {
    const bad = Uint8Array.from([...new TextEncoder().encode('X:1\nK:C\nCDE|\nK:Zq\n'), 0xff, 0x0a]);
    const messages = parseAbc(bad).issues.map((i) => i.message);
    expect(messages[0]).toMatch(/1 bytes are not valid UTF-8 \(first at byte 18\)/);
    expect(messages.some((m) => /Unknown parameter: Zq/.test(m) && !m.includes('<'))).toBe(true);
    expect(parseAbc(new TextEncoder().encode('just words')).issues.at(-1)?.message).toMatch(/no X: reference field/);
  });
});

describe('viewKind', () => {
  it('uses the extension, then magic bytes, then a text sniff', () => {
    expect(viewKind('MID', new Uint8Array(0))).toBe('midi');
    expect(viewKind('bin', fixture('tone.wav'))).toBe('wav');
    expect(viewKind('', fixture('cross24.bmp'))).toBe('bmp');
    expect(viewKind('x', fixture('scale.mid'))).toBe('midi');
    expect(viewKind('x', fixture('tune.abc'))).toBe('abc');
    expect(viewKind('x', new TextEncoder().encode('plain words\n'))).toBe('text');
    expect(viewKind('x', Uint8Array.from({ length: 64 }, (_, i) => i * 4))).toBe('binary');
  });
});

describe('surprisal colours', () => {
  it('averages bits over a span, ignoring bytes past the end', () => {
    const bits = Float32Array.from([1, 2, 3, 6]);
    expect(meanBits(bits, { start: 1, end: 3 })).toBe(2.5);
    expect(meanBits(bits, { start: 3, end: 10 })).toBe(6);
    expect(meanBits(bits, { start: 4, end: 10 })).toBeNaN();
  });

  it('runs from green at 0 bits to red at MAX_BITS and clamps beyond', () => {
    expect(bitsRgb(0)).toEqual([19, 236, 19]);
    expect(bitsRgb(MAX_BITS)).toEqual([236, 19, 19]);
    expect(bitsRgb(20)).toEqual(bitsRgb(MAX_BITS));
    expect(bitsRgb(MAX_BITS / 2)).toEqual([236, 236, 19]);
    expect(bitsColor(0)).toBe('hsla(120, 85%, 50%, 1)');
    expect(bitsColor(NaN)).toBe('transparent');
  });
});
