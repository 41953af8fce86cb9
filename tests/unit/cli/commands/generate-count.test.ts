// `bgpt generate --count N` through the real CLI framework: N files made at once, each the file a
// single run with its seed writes, the docs/cli.md fields kept, and bad counts refused with nothing written.
import { describe, it, expect, beforeEach } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../../src-main/cli/framework';
import { generateCommand } from '../../../../src-main/cli/commands/generate';
import { TINY_A_CHECKPOINT } from '../../engine/infer/helpers';
import { tempDir } from '../../../helpers/temp';

let dir: string;
beforeEach(async () => { dir = tempDir('bgpt-count-'); });

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([generateCommand], [...argv, '--home', path.join(dir, 'home')], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

describe('bgpt generate --count', () => {
  it('writes FILE-1..FILE-N, each what a single run with seed S+i writes, and keeps the §3 fields', async () => {
    const out = path.join(dir, 'many.txt');
    const r = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'txt', '--max-bytes', '40', '--seed', '7', '--top-k', '30', '--count', '3', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(report.count).toBe(3);
    expect(report.samples).toHaveLength(3);
    expect(report).toMatchObject({ out: path.join(dir, 'many-1.txt'), seed: 7 });
    for (const key of ['out', 'bytes', 'valid', 'bytesPerSecond']) expect(report).toHaveProperty(key);
    expect(report.totalBytesPerSecond).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const s = report.samples[i];
      expect(s.out).toBe(path.join(dir, `many-${i + 1}.txt`));
      expect(s.seed).toBe(7 + i);
      const single = path.join(dir, `single-${i}.txt`);
      const one = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'txt', '--max-bytes', '40', '--seed', String(7 + i), '--top-k', '30', '--out', single, '--json');
      expect(one.code, one.stderr).toBe(0);
      expect(new Uint8Array(await fs.readFile(s.out))).toEqual(new Uint8Array(await fs.readFile(single)));
    }
    await expect(fs.access(out)).rejects.toThrow();
  });

  it('refuses a bad count in one line and writes nothing', async () => {
    for (const count of ['0', '2.5', '65']) {
      const out = path.join(dir, 'bad.txt');
      const r = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'txt', '--count', count, '--out', out, '--json');
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--count/);
      expect(await fs.readdir(dir)).toEqual([]);
    }
  });
});
