// Musicians' units (formats/music-length.ts, issue 24 item 10): the first bars of real tunes as a prompt,
// bytes per bar of ABC and per second of MIDI, and a length in bars or seconds as Max bytes.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { abcOpening, abcRate, bytesFor, midiRate } from '../../../src-main/formats/music-length';

const DIR = 'datasets/tunes/train';
const read = (name: string) => new Uint8Array(readFileSync(path.join(DIR, name)));
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('abcOpening', () => {
  it('cuts a real tune after its header and first bars', () => {
    const tune = read('coleraine.abc');
    const open = abcOpening(tune, 4)!;
    expect(open.bars).toBe(4);
    const prefix = dec(tune.subarray(0, open.bytes));
    expect(prefix).toMatch(/^X:[\s\S]*\nK:[^\n]*\n/);
    expect(prefix.endsWith('|')).toBe(true);
    // Two bars is a shorter prefix of the same tune.
    expect(abcOpening(tune, 2)!.bytes).toBeLessThan(open.bytes);
  });

  it('counts repeat signs as one bar line, skips chord symbols, and gives what there is', () => {
    const text = 'X:1\nT:t\nK:G\n|:"G|x" GABc | d2 d2 :|2 e4 ||\n';
    const all = abcOpening(new TextEncoder().encode(text), 10)!;
    expect(all.bars).toBe(3);
    expect(text.slice(0, all.bytes).endsWith('||')).toBe(true);
    expect(abcOpening(new TextEncoder().encode('no header\n'), 2)).toBeNull();
  });
});

describe('bytes per bar and per second', () => {
  const abc = readdirSync(DIR).filter((f) => f.endsWith('.abc')).slice(0, 20).map(read);
  const mid = readdirSync(DIR).filter((f) => f.endsWith('.mid')).slice(0, 20).map(read);

  it('measures ABC tunes per bar and MIDI files per second', () => {
    const a = abcRate(abc)!;
    expect(a.unit).toBe('bar');
    expect(a.files).toBeGreaterThan(10);
    expect(a.bytesPerUnit).toBeGreaterThan(5);
    expect(a.bytesPerUnit).toBeLessThan(100);
    const m = midiRate(mid)!;
    expect(m.unit).toBe('second');
    expect(m.bytesPerUnit).toBeGreaterThan(10);
    expect(bytesFor(16, a)).toBe(Math.round(a.overheadBytes + 16 * a.bytesPerUnit));
  });

  it('has no rate without music', () => {
    expect(abcRate([new TextEncoder().encode('text')])).toBeNull();
    expect(midiRate([new TextEncoder().encode('text')])).toBeNull();
  });
});
