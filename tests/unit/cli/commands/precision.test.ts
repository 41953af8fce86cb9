// --precision on `bgpt generate`, `convert` and `eval` (cli/commands/generate.ts PRECISION_OPTION): the
// smaller weights run through the real CLI framework, are reported and recorded, stay near float32's
// losses, and a bad value is one line before any work.
import { describe, it, expect, beforeEach } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../../src-main/cli/framework';
import { generateCommand } from '../../../../src-main/cli/commands/generate';
import { convertCommand } from '../../../../src-main/cli/commands/convert';
import { evalCommand } from '../../../../src-main/cli/commands/eval';
import { TINY_A, TINY_A_CHECKPOINT } from '../../engine/infer/helpers';
import { tempDir } from '../../../helpers/temp';

let dir: string;
beforeEach(async () => { dir = tempDir('bgpt-precision-'); });

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([generateCommand, convertCommand, evalCommand], [...argv, '--home', path.join(dir, 'home')], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}
const last = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);

describe('--precision', () => {
  it('generates with Q8_0 weights, reports it and records it with the sample', async () => {
    const out = path.join(dir, 'q8.txt');
    const r = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'txt', '--max-bytes', '30', '--seed', '2', '--precision', 'q8', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = last(r.stdout);
    expect(report).toMatchObject({ out, generated: 30, precision: 'q8' });
    const { Catalogue } = await import('../../../../src-main/catalogue/catalogue');
    const catalogue = await Catalogue.open(path.join(dir, 'home'));
    const sample = await catalogue.getSample(report.sample);
    await catalogue.close();
    expect(JSON.stringify(sample)).toMatch(/"precision":"q8"/);
  });

  it('converts with float16 weights', async () => {
    const input = path.join(dir, 'in.txt');
    await fs.writeFile(input, 'a short text to convert');
    const r = await cli('convert', '--checkpoint', TINY_A_CHECKPOINT, '--to', 'md', input, '--max-bytes', '10', '--seed', '1', '--precision', 'f16', '--out', path.join(dir, 'out.md'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(last(r.stdout)).toMatchObject({ precision: 'f16' });
  });

  it('evaluates on the kernels with the weights asked for, near float32 per file', async () => {
    const files = (await fs.readdir(path.join(TINY_A, 'inputs'))).map((f) => path.join(TINY_A, 'inputs', f));
    const f32 = await cli('eval', '--checkpoint', TINY_A_CHECKPOINT, '--fast', ...files, '--json');
    const q8 = await cli('eval', '--checkpoint', TINY_A_CHECKPOINT, '--precision', 'q8', ...files, '--json');
    expect(q8.code, q8.stderr).toBe(0);
    const a = last(f32.stdout);
    const b = last(q8.stdout);
    expect(a.precision).toBe('f32');
    expect(b).toMatchObject({ backend: 'wasm-simd', precision: 'q8' });
    a.files.forEach((f: { loss: number }, i: number) => expect(Math.abs(b.files[i].loss - f.loss) / f.loss).toBeLessThan(0.01));
  });

  it('refuses a precision it does not know in one line, writing nothing', async () => {
    const out = path.join(dir, 'never.txt');
    const r = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'txt', '--precision', 'int4', '--out', out, '--json');
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--precision must be one of f32, f16, q8, got int4/);
    await expect(fs.stat(out)).rejects.toThrow();
  });
});
