// `bgpt cpu generate` and `bgpt cpu evaluate` end to end through the CLI framework, with a real
// checkpoint: the parity fixture tiny-a with its position table widened so a 1040-byte prompt fits.
import { describe, it, expect, beforeAll } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../src-main/cli/framework';
import { cpuCommands } from '../../../src-main/cli/commands/cpu';
import { readSafetensors, writeSafetensors } from '../../../src-main/engine/io/safetensors';
import { validate } from '../../../src-main/formats';
import { tempDir } from '../../helpers/temp';

const TINY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/parity/tiny-a/checkpoint');
/** Enough patches for memory + initial state (65) and the states of a 3-instruction program. */
const WIDE_PATCH_LENGTH = 72;

let tmp: string;
beforeAll(() => { tmp = tempDir('bgpt-cpu-cli-'); });

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await runCli(cpuCommands, argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

/** tiny-a with wpe repeated up to WIDE_PATCH_LENGTH rows. */
async function wideCheckpoint(): Promise<string> {
  const dir = path.join(tmp, 'wide');
  mkdirSync(dir);
  const { tensors } = await readSafetensors(path.join(TINY, 'model.safetensors'));
  const wpe = tensors.get('patch_level_decoder.base.wpe.weight')!;
  const [rows, hidden] = wpe.shape;
  const data = new Float32Array(WIDE_PATCH_LENGTH * hidden);
  for (let r = 0; r < WIDE_PATCH_LENGTH; r++) data.set(wpe.data.subarray((r % rows) * hidden, (r % rows + 1) * hidden), r * hidden);
  tensors.set('patch_level_decoder.base.wpe.weight', { ...wpe, shape: [WIDE_PATCH_LENGTH, hidden], data });
  await writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ patch_size: 16, patch_length: WIDE_PATCH_LENGTH, hidden_size: hidden, patch_num_layers: 2, byte_num_layers: 1, num_heads: 1 }));
  return dir;
}

describe('bgpt cpu', () => {
  it('generate writes seeded, valid traces; bad lengths are a usage error', async () => {
    const out = path.join(tmp, 'data');
    const r = await cli(['cpu', 'generate', '--programs', '4', '--min-len', '1', '--max-len', '3', '--seed', '5', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim())).toMatchObject({ out, files: 4 });
    const names = readdirSync(out);
    expect(names).toHaveLength(4);
    const again = path.join(tmp, 'again');
    await cli(['cpu', 'generate', '--programs', '4', '--min-len', '1', '--max-len', '3', '--seed', '5', '--out', again]);
    expect(readdirSync(again)).toEqual(names);
    const bad = await cli(['cpu', 'generate', '--programs', '2', '--min-len', '0', '--out', path.join(tmp, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/1 <= min <= max <= 256, got 0\.\.255/);
  });

  it('evaluate scores a checkpoint on the generated files', async () => {
    const checkpoint = await wideCheckpoint();
    const r = await cli(['cpu', 'evaluate', '--checkpoint', checkpoint, '--data', path.join(tmp, 'data'), '--limit', '2', '--json']);
    expect(r.err).not.toMatch(/bgpt cpu evaluate:/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(result.programs).toBe(2);
    for (const k of ['stateAccuracy', 'byteAccuracy']) {
      expect(result[k]).toBeGreaterThanOrEqual(0);
      expect(result[k]).toBeLessThanOrEqual(1);
    }
    const none = await cli(['cpu', 'evaluate', '--checkpoint', checkpoint, '--data', tmp]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/holds no \.bin CPU-state files/);
    // The data files themselves are what the simulator gives.
    for (const n of readdirSync(path.join(tmp, 'data'))) expect(validate(new Uint8Array(readFileSync(path.join(tmp, 'data', n))), 'bin')).toEqual({ verdict: 'valid' });
  });
});
