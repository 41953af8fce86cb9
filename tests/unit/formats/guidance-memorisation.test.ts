// Memorisation check (copied share, closest training file, copy flag) and sample guidance.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CopyIndex, MIN_COPY_RUN } from '../../../src-main/shared/memorisation';
import { guidanceLine, judgeSample } from '../../../src-main/formats/guidance';

const TRAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../datasets/abc-tunes/train');
const read = (n: string) => new Uint8Array(readFileSync(path.join(TRAIN, n)));
const enc = (s: string) => new TextEncoder().encode(s);

describe('memorisation check', () => {
  const files = ['trumpet-hornpipe.abc', 'smash-the-windows.abc', 'coleraine.abc'].map((name) => ({ name, bytes: read(name) }));
  const index = new CopyIndex(files);

  it('flags a training tune as a copy of itself, and names it', () => {
    const r = index.check(files[1].bytes);
    expect(r.copiedShare).toBe(1);
    expect(r.closest).toBe('smash-the-windows.abc');
    expect(r.isCopy).toBe(true);
    expect(r.longestRun).toBe(files[1].bytes.length);
  });

  it('counts only runs of at least MIN_COPY_RUN bytes, and finds a spliced copy', () => {
    const text = new TextDecoder().decode(files[0].bytes);
    const piece = text.slice(40, 40 + MIN_COPY_RUN + 8);
    const fresh = 'X:1\nT:new\nK:G\n' + 'zAzBzczd|'.repeat(8);
    const r = index.check(enc(fresh + piece));
    expect(r.copiedShare).toBeCloseTo((MIN_COPY_RUN + 8) / (fresh.length + piece.length), 5);
    expect(r.closest).toBe('trumpet-hornpipe.abc');
    expect(r.isCopy).toBe(false);
    expect(index.check(enc(fresh + piece.slice(0, MIN_COPY_RUN - 1))).copiedShare).toBe(0);
  });
});

describe('sample guidance', () => {
  it('says why in words and what to try', () => {
    const notUtf8 = judgeSample(Uint8Array.from([0x58, 0x3a, 0xff, 0xfe]), 'abc', { stoppedBy: 'end' });
    expect(notUtf8.verdict).toBe('invalid');
    expect(notUtf8.causes[0]).toMatch(/not UTF-8/);
    expect(notUtf8.advice.join(' ')).toMatch(/train longer/);
    expect(notUtf8.advice.join(' ')).toMatch(/published bGPT model/);
    const noHeader = judgeSample(enc('abc def |\n'), 'abc');
    expect(noHeader.verdict).not.toBe('valid');
    const midi = judgeSample(enc('not a midi file'), 'mid');
    expect(midi.causes[0]).toMatch(/no MIDI header/);
    expect(midi.advice.join(' ')).toMatch(/conversion/);
  });

  it('reads the sample settings and run, and names the controls of the front end showing it', () => {
    const bad = Uint8Array.from([0x58, 0x3a, 0xff, 0xfe]);
    const run = { usedBuiltInTunes: true, preset: 'tunes', steps: 367 };
    const cli = judgeSample(bad, 'abc', { sampling: { temperature: 0.6, topP: 0.9 }, run, frontEnd: 'cli' }).advice.join(' · ');
    // Never "lower to 0.7" at 0.6; never "use the built-in tunes" to a run that trained on them.
    expect(cli).toContain('lower --temperature (0.6 now, e.g. 0.5)');
    expect(cli).toContain('lower --top-p (0.9 now, e.g. 0.75)');
    expect(cli).not.toMatch(/0\.7\b/);
    expect(cli).toContain("more --steps than this run's 367 (it already trained on the built-in ABC tunes)");
    expect(cli).not.toMatch(/more data/);
    expect(cli).toContain('--preset: tunes → small');
    const ui = judgeSample(bad, 'abc', { sampling: { temperature: 0.6, topP: 0.9 }, run, frontEnd: 'ui' }).advice.join(' · ');
    expect(ui).toContain('lower Temperature (Generate) (0.6 now, e.g. 0.5)');
    expect(ui).toContain('Model (Train): tunes → small');
    expect(ui).not.toMatch(/--[a-z]/);
    // Sampling already conservative: no advice to lower it; a run on its own files is told about more data.
    const low = judgeSample(bad, 'abc', { sampling: { temperature: 0.4, topP: 0.6 }, run: { ...run, usedBuiltInTunes: false }, frontEnd: 'ui' }).advice.join(' · ');
    expect(low).not.toMatch(/conservatively/);
    expect(low).toMatch(/more data \(the built-in ABC tunes/);
    const cut = judgeSample(read('smash-the-windows.abc'), 'abc', { stoppedBy: 'window', windowPatches: 64, frontEnd: 'ui' });
    expect(cut.advice.join(' ')).toContain('Max bytes (Generate)');
  });

  it('says when generation stopped at the window size, even for a valid file', () => {
    const cut = judgeSample(read('smash-the-windows.abc'), 'abc', { stoppedBy: 'window', windowPatches: 64 });
    expect(cut.verdict).toBe('valid');
    expect(cut.stoppedAtWindow).toBe(true);
    expect(cut.causes[0]).toMatch(/window size \(64 patches\)/);
    expect(guidanceLine(cut)).toMatch(/longer window/);
    const clean = judgeSample(read('smash-the-windows.abc'), 'abc', { stoppedBy: 'end' });
    expect(clean.causes).toEqual([]);
    expect(guidanceLine(clean)).toBe('');
  });
});
