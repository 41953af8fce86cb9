// A .pth wherever a checkpoint is accepted (docs/pytorch.md, docs/cli.md): generate, convert, the engine
// process's generation (cached by the file's mtime), and fine-tuning with `bgpt train --init FILE.pth`.
import { describe, it, expect, beforeEach } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../../src-main/cli/framework';
import { generateCommand } from '../../../../src-main/cli/commands/generate';
import { convertCommand } from '../../../../src-main/cli/commands/convert';
import { trainCommand } from '../../../../src-main/cli/commands/train';
import { engineMethods, type MethodContext } from '../../../../src-main/engine-host/methods';
import { JobControl } from '../../../../src-main/engine-host/control';
import type { GenerateJob } from '../../../../src-main/engine-host/jobs';
import { readCheckpointConfig } from '../../../../src-main/engine/io/checkpoint';
import { tempDir } from '../../../helpers/temp';

const FIXTURE = path.join(import.meta.dirname, '../../../fixtures/parity/tiny-a');
const PTH = path.join(FIXTURE, 'model.pth');
const CHECKPOINT = path.join(FIXTURE, 'checkpoint');

let dir: string;
beforeEach(async () => { dir = tempDir('bgpt-pth-cli-'); });

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([generateCommand, convertCommand, trainCommand], [...argv, '--home', path.join(dir, 'home')], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

describe('--checkpoint FILE.pth', () => {
  it('generates the same bytes from the .pth as from the studio checkpoint (same seed)', async () => {
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    const ra = await cli('generate', '--checkpoint', PTH, '--ext', 'txt', '--max-bytes', '64', '--seed', '5', '--out', a, '--json');
    expect(ra.code, ra.stderr).toBe(0);
    const rb = await cli('generate', '--checkpoint', CHECKPOINT, '--ext', 'txt', '--max-bytes', '64', '--seed', '5', '--out', b, '--json');
    expect(rb.code, rb.stderr).toBe(0);
    expect(JSON.parse(ra.stdout.trim()).bytes).toBeGreaterThan(0);
    expect(await fs.readFile(a)).toEqual(await fs.readFile(b));
  });

  it('converts with a .pth, and names a missing .pth in one line', async () => {
    const out = path.join(dir, 'c.txt');
    const r = await cli('convert', '--checkpoint', PTH, '--to', 'txt', path.join(FIXTURE, 'inputs/apache-2.0-head.md'), '--max-bytes', '16', '--seed', '1', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const missing = await cli('generate', '--checkpoint', path.join(dir, 'nope.pth'), '--ext', 'txt', '--out', path.join(dir, 'x.txt'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/nope\.pth: cannot read the PyTorch checkpoint \(no such file\)/);
    await expect(fs.access(path.join(dir, 'x.txt'))).rejects.toThrow();
  });

  it('generates in the engine process from a .pth, reloading it when the file changes', async () => {
    const copy = path.join(dir, 'w.pth');
    await fs.copyFile(PTH, copy);
    const ctx: MethodContext = { control: new JobControl(), emit: () => {} };
    const job: GenerateJob = { jobId: 'j', checkpoint: copy, ext: 'txt', prompt: null, input: null, count: 1, sampling: { topK: 0, topP: 1, temperature: 1, seed: 9, maxBytes: 32 } };
    const first = (await engineMethods.generate(job, ctx)).samples[0];
    const again = (await engineMethods.generate(job, ctx)).samples[0];
    expect(again.bytes).toEqual(first.bytes);
    // A different file under the same name (a corrupt one) is read again, not served from the cache.
    await fs.writeFile(copy, 'not a zip');
    const later = new Date(Date.now() + 5000);
    await fs.utimes(copy, later, later);
    await expect(engineMethods.generate(job, ctx)).rejects.toThrow(/not a PyTorch zip checkpoint/);
  });

  it('fine-tunes from a .pth with train --init: the run takes its config and weights', async () => {
    const data = path.join(dir, 'data');
    await fs.cp(path.join(FIXTURE, 'inputs'), data, { recursive: true });
    const out = path.join(dir, 'run');
    const r = await cli('train', '--json', '--data', data, '--init', PTH, '--steps', '2', '--batch', '1', '--lr', '1e-4', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim());
    expect(result.steps).toBe(2);
    expect(await readCheckpointConfig(path.join(out, 'last'))).toEqual(await readCheckpointConfig(PTH));
    // Starting from trained weights, the loss is already far below a fresh model's ln 257 = 5.55.
    expect(result.trainLoss).toBeLessThan(3);
    const resume = await cli('train', '--data', data, '--resume', PTH);
    expect(resume.code).not.toBe(0);
    expect(resume.stderr).toMatch(/cannot be resumed exactly; fine-tune from it with --init/);
  });
});
