// The studio home is private to its owner (docs/security.md) and a read-only home fails with one line
// (item 8). Real files on a temporary home; the read-only cases run the real CLI as another user
// (`setpriv` to nobody) when the tests run as root, since root ignores permission bits.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { importPaths } from '../../../src-main/datasets/import';
import { writeDirAtomic, writeFileAtomic } from '../../../src-main/node/atomic';
import { blobPath } from '../../../src-main/catalogue/paths';
import { tempDir } from '../../helpers/temp';

const posix = process.platform !== 'win32';
let tmp: string;

beforeAll(() => {
  tmp = tempDir('bgpt-private-');
  chmodSync(tmp, 0o755); // the read-only cases run as another user, who must reach inside
});

const mode = (p: string) => statSync(p).mode & 0o777;

/** Every entry under dir, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

describe.runIf(posix)('private files', () => {
  it('creates the home, catalogue, blobs and checkpoints readable by the owner only, whatever the umask', async () => {
    const old = process.umask(0o022);
    try {
      const home = path.join(tmp, 'fresh', 'home');
      const cat = await Catalogue.open(home);
      const src = path.join(tmp, 'src');
      mkdirSync(src, { recursive: true });
      writeFileSync(path.join(src, 'a.txt'), 'hello private world\n');
      const plan = await importPaths([src], { home, seed: 0 });
      await cat.createDataset({ name: 'p', source: src, kind: 'generative', stats: {} as never, files: plan.files.map((f) => ({ sha256: f.sha256, size: f.size, ext: f.ext, modality: f.modality, split: f.split, originalName: f.name, pairKey: f.pairKey })) });
      await writeDirAtomic(path.join(home, 'runs', 'run_x', 'last'), async (d) => writeFileSync(path.join(d, 'model.safetensors'), 'x'));
      await cat.close();
      expect(mode(home)).toBe(0o700);
      expect(existsSync(blobPath(home, plan.files[0].sha256))).toBe(true);
      const entries = walk(home);
      expect(entries.length).toBeGreaterThan(5);
      for (const p of entries) {
        const st = statSync(p);
        expect((st.mode & 0o077).toString(8), p).toBe('0');
      }
      expect(mode(path.join(home, 'catalogue.sqlite'))).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('tightens what the studio keeps in an existing home, but not the chosen folder itself', async () => {
    const home = path.join(tmp, 'shared');
    mkdirSync(path.join(home, 'runs'), { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    chmodSync(path.join(home, 'runs'), 0o755);
    const cat = await Catalogue.open(home);
    await cat.close();
    expect(mode(home)).toBe(0o755);
    expect(mode(path.join(home, 'runs'))).toBe(0o700);
    expect(mode(path.join(home, 'catalogue.sqlite'))).toBe(0o600);
  });

  it('writes atomic files 0600 by default and with the usual modes when asked for a public export', async () => {
    const old = process.umask(0o022);
    try {
      const a = path.join(tmp, 'atomic', 'private.bin');
      const b = path.join(tmp, 'atomic', 'export.bin');
      await writeFileAtomic(a, new Uint8Array([1]));
      const { PUBLIC_MODES } = await import('../../../src-main/node/atomic');
      await writeFileAtomic(b, new Uint8Array([1]), PUBLIC_MODES);
      expect(mode(a)).toBe(0o600);
      expect(mode(path.dirname(a))).toBe(0o700);
      expect(mode(b)).toBe(0o644);
    } finally {
      process.umask(old);
    }
  });
});

/** Runs `bgpt datasets list` as an unprivileged user when we are root (root ignores permission bits). */
function listAs(home: string): { status: number | null; stderr: string } {
  const cli = [path.resolve('bin/bgpt.js'), 'datasets', 'list', '--home', home, '--json'];
  const root = process.getuid?.() === 0;
  const r = root
    ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...cli], { encoding: 'utf8', timeout: 60_000 })
    : spawnSync(process.execPath, cli, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe.runIf(posix)('read-only home', () => {
  it('says the home is read-only in one line, for an existing catalogue and for a home that cannot be created', async () => {
    const home = path.join(tmp, 'ro', 'home');
    const cat = await Catalogue.open(home);
    await cat.close();
    // Readable by the other user, writable by nobody but root (the owner), as a read-only share would be.
    chmodSync(home, 0o555);
    chmodSync(path.join(home, 'catalogue.sqlite'), 0o444);
    if (process.getuid?.() !== 0) chmodSync(path.dirname(home), 0o555);
    else chmodSync(path.dirname(home), 0o755);
    const existing = listAs(home);
    expect(existing.status).toBe(1);
    expect(existing.stderr.trim().split('\n')).toHaveLength(1);
    expect(existing.stderr).toMatch(/studio home .*ro\/home is read-only/);
    const missing = listAs(path.join(home, 'new'));
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/cannot be created: .*ro\/home is read-only/);
    chmodSync(path.dirname(home), 0o755);
    chmodSync(home, 0o755);
  }, 120_000);
});
