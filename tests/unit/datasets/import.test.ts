// Import of a real folder: duplicates, an empty file, links in and out of the tree, an over-cap file,
// a non-UTF-8 name, a FIFO, a malformed MIDI, an eval/ folder, an abc+mid pair; blobs on disk;
// and a commit that fails midway leaves no blob behind.
import { describe, it, expect, beforeEach } from 'vitest';
import { mkdirSync, writeFileSync, symlinkSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { importPaths, planImport, commitBlobs } from '../../../src-main/datasets/import';
import { tempDir } from '../../helpers/temp';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/formats/${name}`, import.meta.url));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const CAP = 64 * 1024;

let tmp: string;
let src: string;
let home: string;

beforeEach(() => {
  tmp = tempDir('bgpt-import-');
  src = path.join(tmp, 'src');
  home = path.join(tmp, 'home');
  mkdirSync(path.join(src, 'eval'), { recursive: true });
  mkdirSync(path.join(src, 'nothing'));
  writeFileSync(path.join(src, 'tune.abc'), fixture('coleraine.abc'));
  writeFileSync(path.join(src, 'tune.mid'), fixture('coleraine.mid'));
  writeFileSync(path.join(src, 'copy.mid'), fixture('coleraine.mid'));
  writeFileSync(path.join(src, 'tone.wav'), fixture('tone8k.wav'));
  writeFileSync(path.join(src, 'eval', 'picture.bmp'), fixture('gradient40x30.bmp'));
  writeFileSync(path.join(src, 'notes.txt'), 'plain text\n');
  writeFileSync(path.join(src, 'empty.txt'), '');
  writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(CAP + 1, 7));
  writeFileSync(path.join(src, 'broken.mid'), Buffer.concat([fixture('coleraine.mid').subarray(0, 14), Buffer.from('MTrk\0\0\0\x04\0\x45\x01\x02', 'latin1')]));
  writeFileSync(Buffer.from(path.join(src, 'bad\xff.txt'), 'latin1'), 'x');
  writeFileSync(path.join(tmp, 'outside.txt'), 'secret');
  symlinkSync(path.join(tmp, 'outside.txt'), path.join(src, 'escape.txt'));
  symlinkSync(path.join(src, 'notes.txt'), path.join(src, 'z-link.txt'));
  symlinkSync(path.join(src, 'missing'), path.join(src, 'dangling'));
  execFileSync('mkfifo', [path.join(src, 'pipe')]);
});

describe('importPaths', () => {
  it('reports every file it takes, duplicates and refusals, and writes content-addressed blobs', async () => {
    const report = await importPaths([src], { home, maxFileBytes: CAP, seed: 1 });
    const byName = Object.fromEntries(report.files.map((f) => [f.name, f]));
    expect(Object.keys(byName).sort()).toEqual(['copy.mid', 'notes.txt', 'picture.bmp', 'tone.wav', 'tune.abc']);
    expect(report.duplicates).toEqual([
      { path: path.join(src, 'tune.mid'), sha256: byName['copy.mid'].sha256, duplicateOf: path.join(src, 'copy.mid') },
      { path: path.join(src, 'z-link.txt'), sha256: byName['notes.txt'].sha256, duplicateOf: path.join(src, 'notes.txt') },
    ]);
    expect(report.skipped).toEqual(expect.arrayContaining([
      { path: path.join(src, 'empty.txt'), reason: 'empty file' },
      { path: path.join(src, 'big.bin'), reason: '0.1 MiB is over the 0.1 MiB cap' },
      { path: path.join(src, 'escape.txt'), reason: 'link leads outside the imported tree' },
      { path: path.join(src, 'dangling'), reason: 'broken link' },
      { path: path.join(src, 'pipe'), reason: 'not a regular file' },
      { path: path.join(src, 'bad\ufffd.txt'), reason: 'name is not UTF-8' },
      { path: path.join(src, 'nothing'), reason: 'empty folder' },
      { path: path.join(src, 'broken.mid'), reason: 'malformed MIDI: track 1: no status byte at offset 23' },
    ]));
    expect(report.skipped).toHaveLength(8);
    expect(report.byModality).toEqual({ abc: 1, midi: 1, wav: 1, bmp: 1, text: 1 });
    // An eval/ folder decides the split, as the reference's separate eval folder does.
    expect(report.files.filter((f) => f.split === 'eval').map((f) => f.name)).toEqual(['picture.bmp']);
    expect(byName['tune.abc'].pairKey).toBe('tune');
    for (const f of report.files) {
      const blob = path.join(home, 'datasets', 'blobs', f.sha256.slice(0, 2), f.sha256);
      expect(sha(readFileSync(blob))).toBe(f.sha256);
    }
    expect(report.stats.count).toBe(5);
    expect(report.stats.byteHistogram.reduce((a, b) => a + b, 0)).toBe(report.stats.totalBytes);
    expect(report.stats.entropyBitsPerByte).toBeGreaterThan(0);
    expect(report.stats.entropyBitsPerByte).toBeLessThanOrEqual(8);
  });

  it('treats files already in the studio as duplicates and re-imports harmlessly', async () => {
    const first = await importPaths([path.join(src, 'tone.wav'), path.join(src, 'notes.txt')], { home });
    expect(first.files.map((f) => f.name)).toEqual(['tone.wav', 'notes.txt']);
    const again = await importPaths([path.join(src, 'tone.wav')], { home, existingHashes: new Set([first.files[0].sha256]) });
    expect(again.files).toEqual([]);
    expect(again.duplicates).toEqual([{ path: path.join(src, 'tone.wav'), sha256: first.files[0].sha256, duplicateOf: 'a file already in the studio' }]);
    expect((await importPaths([path.join(tmp, 'nope')], { home })).skipped).toEqual([{ path: path.join(tmp, 'nope'), reason: 'no such file or folder' }]);
  });

  it('splits a seeded fraction by pair key when there is no eval folder', async () => {
    const flat = path.join(tmp, 'flat');
    mkdirSync(flat);
    for (let i = 0; i < 20; i++) {
      writeFileSync(path.join(flat, `t${i}.abc`), `X:1\nK:C\nC${'D'.repeat(i)}|\n`);
      writeFileSync(path.join(flat, `t${i}.txt`), `tune ${i}\n`);
    }
    const a = await planImport([flat], { home, evalFraction: 0.25, seed: 3 });
    const b = await planImport([flat], { home, evalFraction: 0.25, seed: 3 });
    expect(a.plan.files.map((f) => f.split)).toEqual(b.plan.files.map((f) => f.split));
    const evalFiles = a.plan.files.filter((f) => f.split === 'eval');
    expect(evalFiles).toHaveLength(10);
    for (const f of evalFiles) expect(a.plan.files.find((g) => g.pairKey === f.pairKey && g !== f)?.split).toBe('eval');
  });

  it('removes the blobs it wrote when the copy fails midway, and writes nothing on a changed file', async () => {
    const { plan, sources } = await planImport([path.join(src, 'tone.wav'), path.join(src, 'notes.txt')], { home });
    // A folder squatting on the second blob's path makes its rename fail.
    const second = plan.files[1].sha256;
    mkdirSync(path.join(home, 'datasets', 'blobs', second.slice(0, 2), second), { recursive: true });
    await expect(commitBlobs(plan, sources, { home })).rejects.toThrow();
    expect(existsSync(path.join(home, 'datasets', 'blobs', plan.files[0].sha256.slice(0, 2), plan.files[0].sha256))).toBe(false);
    rmSync(path.join(home, 'datasets'), { recursive: true });
    const changed = await planImport([path.join(src, 'notes.txt')], { home });
    writeFileSync(path.join(src, 'notes.txt'), 'edited\n');
    await expect(commitBlobs(changed.plan, changed.sources, { home })).rejects.toThrow(/changed while it was imported/);
    expect(existsSync(path.join(home, 'datasets'))).toBe(false);
  });
});

describe('tune books (docs/music.md, "Your own tune books")', () => {
  const SOURCES = new URL('../../../datasets/sources/', import.meta.url);
  const book = (rel: string): Buffer => readFileSync(new URL(rel, SOURCES));

  it('cuts real books into one tune per file, reports each book and every refused tune on a line of its own', async () => {
    const books = path.join(tmp, 'books');
    mkdirSync(books);
    writeFileSync(path.join(books, 'demo.abc'), book('abcmidi/demo.abc'));
    writeFileSync(path.join(books, 'sample.abc'), book('abcm2ps/sample.abc'));
    writeFileSync(path.join(books, 'one.abc'), book('abcmidi/coleraine.abc'));
    const plan = await importPaths([books], { home, seed: 0 });
    const held = (name: string) => book(name).toString('utf8').match(/^X:/gm)!.length;
    expect(plan.books.map((b) => [path.basename(b.path), b.tunes])).toEqual([['demo.abc', held('abcmidi/demo.abc')], ['sample.abc', held('abcm2ps/sample.abc')]]);
    for (const b of plan.books) {
      expect(b.imported + b.refused + b.duplicates).toBe(b.tunes);
      expect(b.files).toBe(b.imported);
      const refusedLines = plan.skipped.filter((s) => s.path.startsWith(`${b.path}: tune `));
      expect(refusedLines).toHaveLength(b.refused);
      for (const s of refusedLines) expect(s.path).toMatch(/: tune \d+( '.*')? \(line \d+\)$/);
    }
    expect(plan.books[1].refused).toBeGreaterThan(0);
    // A one-tune file is imported as it is; each book tune is a clean single tune.
    const one = plan.files.find((f) => f.name === 'one.abc')!;
    expect(one.sha256).toBe(sha(book('abcmidi/coleraine.abc')));
    const tunes = plan.files.filter((f) => f.name !== 'one.abc');
    expect(tunes.length).toBe(plan.books[0].imported + plan.books[1].imported);
    for (const f of tunes) {
      const text = readFileSync(path.join(home, 'datasets', 'blobs', f.sha256.slice(0, 2), f.sha256), 'utf8');
      expect(text.match(/^X:/gm), f.path).toEqual(['X:']);
      expect(text.startsWith('X:1\n'), f.path).toBe(true);
      expect(f.modality).toBe('abc');
    }
    expect(new Set(tunes.map((f) => f.group)).size).toBe(tunes.length);
  });

  it('keeps a tune once when two books hold the same music under other numbers and titles', async () => {
    const a = 'X:1\nT:The Kesh\nM:6/8\nK:G\nGAG GAB|ABA ABd|\n\nX:2\nT:Other\nK:D\nDEF|\n';
    const b = 'X:17\nT:Kesh Jig\nS:another book\nM:6/8\nK:G\nGAG GAB | ABA ABd |\n\nX:18\nT:New\nK:A\nABc|\n';
    writeFileSync(path.join(tmp, 'a.abc'), a);
    writeFileSync(path.join(tmp, 'b.abc'), b);
    const plan = await importPaths([path.join(tmp, 'a.abc'), path.join(tmp, 'b.abc')], { home });
    expect(plan.files).toHaveLength(3);
    expect(plan.books.map((x) => x.duplicates)).toEqual([0, 1]);
    expect(plan.duplicates).toEqual([{ path: `${path.join(tmp, 'b.abc')}: tune 1 'Kesh Jig' (line 1)`, sha256: expect.any(String), duplicateOf: `${path.join(tmp, 'a.abc')}: tune 1 'The Kesh' (line 1)` }]);
  });

  it('moves every tune to N keys, keeps all keys of a tune in one split, and draws the same split every time', async () => {
    const books = path.join(tmp, 'books');
    mkdirSync(books);
    writeFileSync(path.join(books, 'demo.abc'), book('abcmidi/demo.abc'));
    const options = { home, seed: 0, keys: 3, evalFraction: 0.3 };
    const first = (await planImport([books], options)).plan;
    const again = (await planImport([books], options)).plan;
    expect(again.files.map((f) => [f.sha256, f.split])).toEqual(first.files.map((f) => [f.sha256, f.split]));
    const groups = new Map<string, Set<string>>();
    for (const f of first.files) groups.set(f.group!, (groups.get(f.group!) ?? new Set()).add(f.split));
    for (const [g, sides] of groups) expect(sides.size, g).toBe(1);
    expect([...groups.values()].filter((s) => s.has('eval')).length).toBe(Math.round(groups.size * 0.3));
    expect(first.books[0].files).toBeGreaterThan(2 * first.books[0].imported);
    expect(first.files.map((f) => f.name).filter((n) => /~up2\.abc$/.test(n)).length).toBeGreaterThan(0);
    expect(first.files.map((f) => f.name).filter((n) => /~down2\.abc$/.test(n)).length).toBeGreaterThan(0);
    // A one-tune file may be moved too: its written key stays byte for byte.
    const single = (await planImport([path.join(SOURCES.pathname, 'abcmidi', 'coleraine.abc')], { home, keys: 2 })).plan;
    expect(single.files.map((f) => f.name)).toEqual(['coleraine.abc', 'coleraine~up2.abc']);
    expect(single.files[0].sha256).toBe(sha(book('abcmidi/coleraine.abc')));
  });
});
