// `bgpt eval --fast` through the real CLI framework: the reference per-file losses of the tiny-a parity
// fixture (expected.json, within 1e-4) from the checkpoint folder and from the reference .pth, on the
// inference kernels; an empty file refused in one line.
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../../src-main/cli/framework';
import { evalCommand } from '../../../../src-main/cli/commands/eval';
import { TINY_A, TINY_A_CHECKPOINT } from '../../engine/infer/helpers';
import { tempDir } from '../../../helpers/temp';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([evalCommand], argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

describe('bgpt eval --fast', () => {
  it('gives the reference per-file losses within 1e-4, from the folder and from the .pth', async () => {
    const expected = JSON.parse(await fs.readFile(path.join(TINY_A, 'expected.json'), 'utf8')) as Record<string, { loss: number; num_patches: number }>;
    const names = Object.keys(expected);
    for (const checkpoint of [TINY_A_CHECKPOINT, path.join(TINY_A, 'model.pth')]) {
      const r = await cli('eval', '--checkpoint', checkpoint, '--fast', ...names.map((n) => path.join(TINY_A, n)), '--json');
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      expect(report.backend).toBe('wasm-simd');
      expect(report.files).toHaveLength(names.length);
      names.forEach((n, i) => {
        expect(Math.abs(report.files[i].loss - expected[n].loss)).toBeLessThan(1e-4);
        expect(report.files[i].patches).toBe(expected[n].num_patches);
      });
      const mean = names.reduce((a, n) => a + expected[n].loss, 0) / names.length;
      expect(Math.abs(report.meanLoss - mean)).toBeLessThan(1e-4);
    }
  });

  it('refuses an empty file in one line', async () => {
    const dir = tempDir('bgpt-evalfast-');
    const empty = path.join(dir, 'empty.txt');
    await fs.writeFile(empty, '');
    const r = await cli('eval', '--checkpoint', TINY_A_CHECKPOINT, '--fast', empty, '--json');
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/empty/);
  });
});
