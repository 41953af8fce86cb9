// tests/helpers/temp.ts and the temp root of tests/setup/temp-root.ts: a tempDir folder goes when its test or its
// file ends, pass or fail, and os.tmpdir() in a worker and in its children is the run's own root, removed with it.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../helpers/temp';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const inside = (dir: string, parent: string) => path.relative(parent, dir) !== '' && !path.relative(parent, dir).startsWith('..');

describe('tempDir', () => {
  const shared = tempDir('bgpt-temp-file-');
  let ofTest = '';
  let ofFailed = '';
  let ofReadOnly = '';

  it('makes a fresh folder under the temp dir', () => {
    ofTest = tempDir('bgpt-temp-test-');
    writeFileSync(path.join(ofTest, 'x'), 'x');
    expect(path.basename(ofTest)).toMatch(/^bgpt-temp-test-.{6}$/);
    expect(path.dirname(ofTest)).toBe(os.tmpdir());
  });

  it.fails('makes a folder in a test that fails', () => {
    ofFailed = tempDir('bgpt-temp-failed-');
    expect('deliberate failure').toBe('a pass');
  });

  it('makes a folder that a test leaves with a read-only folder inside', () => {
    ofReadOnly = tempDir('bgpt-temp-readonly-');
    mkdirSync(path.join(ofReadOnly, 'ro', 'deep'), { recursive: true });
    writeFileSync(path.join(ofReadOnly, 'ro', 'deep', 'x'), 'x');
    chmodSync(path.join(ofReadOnly, 'ro', 'deep'), 0o555);
    chmodSync(path.join(ofReadOnly, 'ro'), 0o555);
  });

  it('removed the folders of the earlier tests when each ended, and keeps the file-level one', () => {
    for (const dir of [ofTest, ofFailed, ofReadOnly]) {
      expect(dir).not.toBe('');
      expect(existsSync(dir), dir).toBe(false);
    }
    expect(existsSync(shared)).toBe(true);
  });

  it('takes a prefix, not a path', () => {
    expect(() => tempDir('a/b-')).toThrow(/a prefix, not a path/);
  });
});

describe('the run temp root', () => {
  it('is where os.tmpdir() points in this worker and in a child it spawns', () => {
    const root = inject('tempRoot');
    expect(path.basename(root)).toMatch(/^bgpt-test-run-\d+-/);
    expect(existsSync(root)).toBe(true);
    expect(os.tmpdir()).toBe(root);
    expect(execFileSync(process.execPath, ['-p', 'require("os").tmpdir()'], { encoding: 'utf8' }).trim()).toBe(root);
  });

  it('takes with it, in a nested run, the folders of every test (a failing one too), of its file and of a child', () => {
    const dir = tempDir('bgpt-temp-nested-');
    const outFile = path.join(dir, 'seen.jsonl');
    const report = path.join(dir, 'report.json');
    writeFileSync(outFile, '');
    const args = ['node_modules/vitest/vitest.mjs', 'run', '--config', 'tests/fixtures/temp/vitest.config.ts', '--reporter=json', `--outputFile=${report}`];
    const run = spawnSync(process.execPath, args, {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, BGPT_TEMP_FIXTURE_OUT: outFile, CI: '' },
    });
    const log = `${run.stdout}\n${run.stderr}`;
    // The fixture fails one test on purpose; anything else failing would show here.
    expect(existsSync(report), log).toBe(true);
    const { numFailedTests, numPassedTests } = JSON.parse(readFileSync(report, 'utf8'));
    expect({ numFailedTests, numPassedTests }, log).toEqual({ numFailedTests: 1, numPassedTests: 3 });
    const seen = Object.fromEntries(readFileSync(outFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.key, r.value]));
    const root: string = seen.root;
    expect(inside(root, os.tmpdir())).toBe(true);
    expect(seen.workerTmp).toBe(root);
    expect(seen.childTmp).toBe(root);
    expect(seen.later).toEqual({ test: false, failed: false, file: true });
    for (const key of ['file', 'test', 'failed', 'childLeft']) expect(inside(seen[key], root), key).toBe(true);
    for (const key of ['file', 'test', 'failed', 'childLeft', 'root']) expect(existsSync(seen[key]), key).toBe(false);
  });
});
