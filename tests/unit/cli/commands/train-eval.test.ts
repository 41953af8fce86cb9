import { describe, it, expect } from 'vitest';
import { cpSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../../src-main/cli/framework';
import { evalCommand } from '../../../../src-main/cli/commands/eval';
import { trainCommand } from '../../../../src-main/cli/commands/train';
import { tempDir } from '../../../helpers/temp';

const DIR = fileURLToPath(new URL('../../../fixtures/parity/tiny-a/', import.meta.url));
const expected = JSON.parse(readFileSync(DIR + 'expected.json', 'utf8')) as Record<string, { loss: number }>;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([evalCommand, trainCommand], argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

describe('bgpt eval / train', () => {
  it('eval --json prints one object with the reference losses', async () => {
    const name = 'inputs/gpl3-head.txt';
    const r = await cli(['eval', '--json', '--checkpoint', DIR + 'checkpoint', DIR + name]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['backend', 'files', 'meanLoss', 'meanBitsPerByte']));
    expect(Math.abs(report.files[0].loss - expected[name].loss)).toBeLessThan(1e-4);
  });

  it('eval fails with one line for a missing file or checkpoint', async () => {
    const r = await cli(['eval', '--json', '--checkpoint', DIR + 'nope', DIR + 'inputs/gpl3-head.txt']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/no such folder/);
  });

  it('train --json trains on a folder with an eval/ split, writes best and last, and records the run', async () => {
    const data = tempDir('bgpt-data-');
    cpSync(DIR + 'inputs', data, { recursive: true });
    mkdirSync(data + '/eval');
    // Different bytes from every training file: the import keeps one copy of identical files.
    writeFileSync(data + '/eval/held-out.md', readFileSync(DIR + 'inputs/apache-2.0-head.md', 'utf8').toUpperCase());
    const out = tempDir('bgpt-run-');
    const home = tempDir('bgpt-home-');
    const r = await cli(['train', '--json', '--data', data, '--patch-length', '8', '--hidden-size', '32', '--patch-layers', '1', '--byte-layers', '1',
      '--steps', '4', '--batch', '2', '--lr', '0.001', '--out', out, '--home', home]);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out.trim());
    expect(result).toMatchObject({ checkpoint: `${out}/best`, steps: 4 });
    for (const k of ['trainLoss', 'evalLoss', 'evalBitsPerByte', 'bytesPerSecond']) expect(typeof result[k]).toBe('number');
    expect(existsSync(`${out}/last/train_state.json`)).toBe(true);
    const { Catalogue } = await import('../../../../src-main/catalogue/catalogue');
    const catalogue = await Catalogue.open(home);
    const runs = await catalogue.listRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: result.runId, status: 'done', stepsDone: 4 });
    expect((await catalogue.listCheckpoints(result.runId)).map((c) => c.kind).sort()).toEqual(['best', 'last']);
    await catalogue.close();
    const bad = await cli(['train', '--data', data, '--conversion', 'md->mid', '--out', out, '--home', home]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no 'md->mid' pairs/);
  });
});
