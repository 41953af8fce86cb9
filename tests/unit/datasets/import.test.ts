// Import of a real folder: duplicates, an empty file, links in and out of the tree, an over-cap file,
// a non-UTF-8 name, a FIFO, a malformed MIDI, an eval/ folder, an abc+mid pair; blobs on disk;
// and a commit that fails midway leaves no blob behind.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { importPaths, planImport, commitBlobs } from '../../../src-main/datasets/import';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/formats/${name}`, import.meta.url));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const CAP = 64 * 1024;

let tmp: string;
let src: string;
let home: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bgpt-import-'));
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
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

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
