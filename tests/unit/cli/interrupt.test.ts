// Ctrl-C during `bgpt train`, as a terminal sends it: SIGINT to the whole process group (the command and its
// engine process alike). It is a stop, not a crash: the run saves last/, says at which step it stopped and how to
// resume, exits as interrupted (130), and `bgpt train --resume RUN` goes on from there. Real processes, real
// catalogue, the CLI from sources (so the test checks this tree, built or not).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin', 'bgpt.js');
const tmp = tempDir('bgpt-interrupt-');

const MODEL = ['--patch-length', '8', '--hidden-size', '32', '--patch-layers', '1', '--byte-layers', '1', '--batch', '2', '--lr', '0.001'];
const env = { ...process.env, BGPT_FROM_SOURCE: '1', BGPT_BACKEND: 'wasm' };

describe('Ctrl-C during bgpt train', () => {
  it('stops the run with last/ saved, names the step and the resume command, and resumes from there', async () => {
    const data = path.join(tmp, 'data');
    cpSync(path.join(root, 'tests/fixtures/parity/tiny-a/inputs'), data, { recursive: true });
    const home = path.join(tmp, 'home');
    // Its own process group, so the signal reaches the command and its engine child as a terminal's would.
    const child = spawn(process.execPath, [bin, 'train', '--json', '--data', data, ...MODEL, '--steps', '400', '--eval-every', '1000', '--home', home], {
      cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => {
      err += b;
      if (!sent && /training: [1-9]\d*\/400 steps/.test(err)) {
        sent = true;
        process.kill(-(child.pid as number), 'SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(sent, err).toBe(true);
    expect(err).not.toMatch(/crash/);
    const m = /stopped at step (\d+) of 400, last\/ saved; continue with: bgpt train --resume (\S+)/.exec(err);
    expect(m, err).not.toBeNull();
    expect(code).toBe(130);
    const result = JSON.parse(out.trim().split('\n').pop() as string);
    expect(result).toMatchObject({ status: 'stopped', runId: m![2], steps: Number(m![1]) });
    expect(result.steps).toBeGreaterThan(0);
    expect(result.steps).toBeLessThan(400);

    const resumed = spawnSync(process.execPath, [bin, 'train', '--json', '--resume', m![2], '--home', home], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resumed at step ${m![1]}`));
    expect(JSON.parse(resumed.stdout.trim().split('\n').pop() as string)).toMatchObject({ runId: m![2], steps: 400, status: 'done' });
  }, 400_000);
});
