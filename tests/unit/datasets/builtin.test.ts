// Built-in datasets: every committed file is valid, and rebuilding gives the committed bytes.
// Also the folder converter (keeps eval/, one pair per tune) and the CPU folder reader.
import { describe, it, expect } from 'vitest';
import { lacks } from '../../helpers/system';
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCpu, collectTunes, musicSets, MAX_TUNE_BYTES, MUSIC_FOLDERS, BUILTIN_CPU_TRAIN } from '../../../src-main/datasets/builtin';
import { abc2midiErrors } from '../../../src-main/datasets/tunebook';
import { convertTree } from '../../../src-main/datasets/convert';
import { generateCpuFiles, readCpuFolder } from '../../../src-main/datasets/cpu';
import { validate } from '../../../src-main/formats';
import { tempDir } from '../../helpers/temp';

const DATASETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../datasets');
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/formats');
const tmp = (): string => tempDir('bgpt-builtin-');

/** Relative path → bytes of every file under `dir`. */
function tree(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .map((e) => { const full = path.join(e.parentPath, e.name); return [path.relative(dir, full), readFileSync(full)] as const; }));
}

describe('built-in datasets', () => {
  it('music sets: one valid tune per file, every key of a tune on one side of the split, pairs complete', () => {
    const abc = tree(path.join(DATASETS, MUSIC_FOLDERS.abc));
    const midi = tree(path.join(DATASETS, MUSIC_FOLDERS.midi));
    const pairs = tree(path.join(DATASETS, MUSIC_FOLDERS.pairs));
    expect(abc.size).toBeGreaterThanOrEqual(250); // 25 tunes in up to twelve keys
    const sideOf = new Map<string, string>();
    for (const [name, bytes] of abc) {
      expect(validate(new Uint8Array(bytes), 'abc'), name).toEqual({ verdict: 'valid' });
      expect(bytes.length, name).toBeLessThanOrEqual(MAX_TUNE_BYTES);
      const text = bytes.toString('utf8');
      expect(text.startsWith('X:1\n'), name).toBe(true);
      expect(text.match(/^X:/gm), name).toHaveLength(1);
      const [side, file] = name.split(path.sep);
      const tune = file.replace(/(~(up|down)\d+)?\.abc$/, '');
      expect(sideOf.get(tune) ?? side, `${tune} straddles the split`).toBe(side);
      sideOf.set(tune, side);
      expect(midi.has(name.replace(/\.abc$/, '.mid')), name).toBe(true);
    }
    expect(new Set(sideOf.values())).toEqual(new Set(['train', 'eval']));
    for (const [name, bytes] of midi) expect(validate(new Uint8Array(bytes), 'mid').verdict, name).toBe('valid');
    for (const name of pairs.keys()) {
      const other = name.endsWith('.abc') ? name.replace(/\.abc$/, '.mid') : name.replace(/\.mid$/, '.abc');
      expect(pairs.has(other), other).toBe(true);
    }
  });
  it.skipIf(lacks('abcmidi'))('music sets: rebuilding a book gives the committed bytes, and abc2midi accepts them', () => {
    const abc = tree(path.join(DATASETS, MUSIC_FOLDERS.abc));
    const byName = new Map([...abc].map(([n, b]) => [path.basename(n), b]));
    const tunes = collectTunes([path.join(DATASETS, 'sources', 'abcmidi')], 2);
    expect(tunes.length).toBe(2);
    for (const [rel, bytes] of musicSets(tunes).abc) {
      expect(byName.get(path.basename(rel)), rel).toEqual(Buffer.from(bytes));
    }
    expect(abc2midiErrors(tunes[0].abc)).toBe('');
    expect(abc2midiErrors('X:1\nK:Hm\nabc|\n')).not.toBe('');
  }, 60_000);
  it('cpu: train/ and eval/ traces all agree with the simulator, and a rebuild gives the same bytes', async () => {
    const committed = tree(path.join(DATASETS, 'cpu'));
    expect([...committed.keys()].filter((k) => k.startsWith('eval/'))).toHaveLength(64);
    for (const [name, bytes] of committed) expect(validate(new Uint8Array(bytes), 'bin'), name).toEqual({ verdict: 'valid' });
    const out = path.join(tmp(), 'cpu');
    await buildCpu(out);
    expect(tree(out)).toEqual(committed);
  });
});

describe('CPU dataset files', () => {
  it('generates seeded, named-by-hash files and reads them back with a limit', async () => {
    const files = generateCpuFiles({ ...BUILTIN_CPU_TRAIN, programs: 5 });
    expect([...files.keys()].every((n) => /^[0-9a-f]{32}\.bin$/.test(n))).toBe(true);
    const dir = tmp();
    for (const [n, b] of files) writeFileSync(path.join(dir, n), b);
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    expect((await readCpuFolder(dir, 3)).map((f) => f.name)).toEqual([...files.keys()].sort().slice(0, 3));
    writeFileSync(path.join(dir, '0.bin'), 'short');
    await expect(readCpuFolder(dir)).rejects.toThrow(/0\.bin: 5 bytes is shorter/);
    expect(() => generateCpuFiles({ programs: 1, minLength: 5, maxLength: 300, seed: 0 })).toThrow(/1 <= min <= max <= 256/);
  });
});

describe('convertTree', () => {
  it('converts a folder the paper way, keeping eval/, and reports what has no converter', async () => {
    const src = tmp();
    mkdirSync(path.join(src, 'eval'));
    writeFileSync(path.join(src, 'book.abc'), 'X:1\nT:One\nK:C\nCDE|\n\nX:2\nT:Two\nK:G\nGAB|\n');
    writeFileSync(path.join(src, 'eval', 'talk.wav'), readFileSync(path.join(FIXTURES, 'stereo11k.wav')));
    writeFileSync(path.join(src, 'pic.png'), readFileSync(path.join(FIXTURES, 'gradient48x40.png')));
    writeFileSync(path.join(src, 'song.ogg'), 'OggS');
    const out = path.join(tmp(), 'out');
    const result = await convertTree([src], out);
    expect(result.written.sort()).toEqual(['book-1.abc', 'book-1.mid', 'book-2.abc', 'book-2.mid', 'eval/talk-1.wav', 'eval/talk-2.wav', 'pic.bmp']);
    expect(result.skipped).toEqual([{ path: path.join(src, 'song.ogg'), reason: 'no converter for .ogg files' }]);
    for (const [name, bytes] of tree(out)) expect(validate(new Uint8Array(bytes), path.extname(name)), name).toEqual({ verdict: 'valid' });
  });
});
