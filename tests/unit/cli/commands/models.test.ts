// `bgpt models import` of the pickle bomb through the built CLI in a child process (issue 20
// item 2): a 65 KB .pth whose deflated data.pkl is 64 MiB of EMPTY_DICT used to grow the process to
// 4.7 GB and abort with a V8 heap error after 96 s. Now: exit 1, one line naming the limit, in seconds,
// with the process's heap capped at 256 MB (a run that tried to build the bomb would die instead).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pickleBomb, zipArchive, opcodeRun, EMPTY_DICT } from '../../../helpers/pickle-bomb';
import { tempDir } from '../../../helpers/temp';

const root = path.resolve(__dirname, '../../../..');
const dir = tempDir('bgpt-models-bomb-');

function importModel(file: string) {
  const home = path.join(dir, `home-${path.basename(file)}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['bin/bgpt.js', 'models', 'import', file, '--home', home], {
    cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=256' },
  });
  return { ...r, seconds: (Date.now() - t0) / 1000, models: existsSync(path.join(home, 'models')) ? readdirSync(path.join(home, 'models')) : [] };
}

describe('bgpt models import of a pickle bomb (built CLI)', () => {
  it('refuses the 64 MiB EMPTY_DICT bomb in one line, quickly, with bounded memory', () => {
    const file = path.join(dir, 'bomb.pth');
    writeFileSync(file, pickleBomb(64));
    const r = importModel(file);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // "checking …" progress, then the error
    expect(r.stderr.trim().split('\n')[1]).toBe(`bgpt models import: ${file}: zip entry archive/data.pkl declares 64 MiB, more than its 32 MiB limit`);
    expect(r.seconds).toBeLessThan(60);
    expect(r.models).toEqual([]);
  }, 150_000);

  it('refuses a bomb under the pickle size limit at the unpickler cap', () => {
    const file = path.join(dir, 'small-bomb.pth');
    writeFileSync(file, zipArchive([{ name: 'archive/data.pkl', data: opcodeRun(EMPTY_DICT, 30 * 1024 * 1024), deflate: true }]));
    const r = importModel(file);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^bgpt models import: .*small-bomb\.pth: refused: the pickle holds more than 100,000 values on its stack/);
    expect(r.seconds).toBeLessThan(60);
  }, 150_000);
});
