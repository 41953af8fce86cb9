// `bgpt generate` and `bgpt convert` through the real CLI framework: JSON output, the file written,
// validation of the result, and one-line errors that leave nothing on disk.
import { describe, it, expect, beforeEach } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../../src-main/cli/framework';
import { generateCommand } from '../../../../src-main/cli/commands/generate';
import { convertCommand } from '../../../../src-main/cli/commands/convert';
import { TINY_A, TINY_A_CHECKPOINT } from '../../engine/infer/helpers';
import { tempDir } from '../../../helpers/temp';

let dir: string;
beforeEach(async () => { dir = tempDir('bgpt-gen-'); });

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  // Each call records its sample in the library of a studio home of its own.
  const code = await runCli([generateCommand, convertCommand], [...argv, '--home', path.join(dir, 'home')], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

describe('bgpt generate', () => {
  it('records the sample, with its verdict, in the library of --home', async () => {
    const out = path.join(dir, 'lib.txt');
    const r = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'txt', '--max-bytes', '20', '--seed', '3', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim());
    const { Catalogue } = await import('../../../../src-main/catalogue/catalogue');
    const catalogue = await Catalogue.open(path.join(dir, 'home'));
    const sample = await catalogue.getSample(report.sample);
    await catalogue.close();
    expect(sample).toMatchObject({ ext: 'txt', size: report.bytes, validity: report.verdict, runId: null });
    expect(new Uint8Array(await fs.readFile(sample!.path))).toEqual(new Uint8Array(await fs.readFile(out)));
  });

  it('writes the file and prints one JSON object with out, bytes, valid and bytesPerSecond', async () => {
    const out = path.join(dir, 'sample.txt');
    const r = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'txt', '--max-bytes', '50', '--seed', '4', '--top-k', '40', '--out', out, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(report).toMatchObject({ out, bytes: 50, generated: 50, stoppedBy: 'max-bytes', seed: 4 });
    expect(typeof report.valid).toBe('boolean');
    expect(report.bytesPerSecond).toBeGreaterThan(0);
    expect((await fs.readFile(out)).length).toBe(50);
  });

  it('starts the file with the prompt', async () => {
    const out = path.join(dir, 'cont.txt');
    const promptFile = path.join(dir, 'prompt.txt');
    // 100 bytes of the middle of a text the model learnt: it continues the text rather than ending it.
    const prompt = (await fs.readFile(path.join(TINY_A, 'inputs/apache-2.0-head.md'))).subarray(0, 100);
    await fs.writeFile(promptFile, prompt);
    const r = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'md', '--prompt', promptFile, '--max-bytes', '8', '--seed', '1', '--out', out, '--json');
    expect(r.code).toBe(0);
    const written = await fs.readFile(out);
    expect(written.length).toBe(prompt.length + 8);
    expect(written.subarray(0, prompt.length).equals(prompt)).toBe(true);
  });

  it('fails in one line, writing nothing, on a missing checkpoint or a bad flag', async () => {
    const out = path.join(dir, 'x.txt');
    const missing = await cli('generate', '--checkpoint', path.join(dir, 'none'), '--ext', 'txt', '--out', out);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^bgpt generate: checkpoint .*none: no such folder\n$/);
    const bad = await cli('generate', '--checkpoint', TINY_A_CHECKPOINT, '--ext', 'txt', '--temperature=-1', '--out', out);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/temperature must be a number > 0, got -1\n$/);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('names a corrupt weights file', async () => {
    const ckpt = path.join(dir, 'ckpt');
    await fs.mkdir(ckpt);
    await fs.copyFile(path.join(TINY_A_CHECKPOINT, 'config.json'), path.join(ckpt, 'config.json'));
    await fs.writeFile(path.join(ckpt, 'model.safetensors'), (await fs.readFile(path.join(TINY_A_CHECKPOINT, 'model.safetensors'))).subarray(0, 4000));
    const r = await cli('generate', '--checkpoint', ckpt, '--ext', 'txt', '--out', path.join(dir, 'x.txt'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/model\.safetensors: truncated safetensors file/);
  });
});

describe('bgpt convert', () => {
  it('converts INPUT to the target extension', async () => {
    const out = path.join(dir, 'out.md');
    const r = await cli('convert', '--checkpoint', TINY_A_CHECKPOINT, '--to', 'md', path.join(TINY_A, 'inputs/libmpc3-copyright.debian-copyright-file'), '--out', out, '--max-bytes', '30', '--seed', '2', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, bytes: 30, stoppedBy: 'max-bytes' });
  });

  it('refuses an empty input', async () => {
    const empty = path.join(dir, 'empty.abc');
    await fs.writeFile(empty, '');
    const r = await cli('convert', '--checkpoint', TINY_A_CHECKPOINT, '--to', 'mid', empty, '--out', path.join(dir, 'o.mid'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/empty\.abc: file is empty/);
  });
});
