// `bgpt train --init X --lora R …` (docs/cli.md): the flags' one-line errors, the plan line first, a LoRA
// run through the real engine process and catalogue that writes the adapter folder.
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../src-main/cli/framework';
import { commands } from '../../../src-main/cli/commands/index';
import { tempDir } from '../../helpers/temp';

const DIR = fileURLToPath(new URL('../../fixtures/parity/tiny-a/', import.meta.url));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(commands, argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

describe('bgpt train --lora', () => {
  it('refuses its flags without --init / --lora in one line', async () => {
    const home = tempDir('bgpt-home-');
    const a = await cli(['train', '--data', DIR + 'inputs', '--lora', '4', '--home', home]);
    expect(a.code).not.toBe(0);
    expect(a.err.trim()).toBe('bgpt train: --lora fine-tunes a trained model: give it with --init');
    const b = await cli(['train', '--data', DIR + 'inputs', '--init', DIR + 'checkpoint', '--lora-alpha', '4', '--home', home]);
    expect(b.err.trim()).toBe('bgpt train: --lora-alpha needs --lora R');
    const c = await cli(['train', '--data', DIR + 'inputs', '--init', DIR + 'checkpoint', '--lora', '4', '--lora-targets', 'c_mlp', '--home', home]);
    expect(c.err.trim()).toMatch(/^bgpt train: --lora-targets: 'c_mlp' is not one of /);
    const d = await cli(['train', '--data', DIR + 'inputs', '--init', DIR + 'checkpoint', '--lora', '0', '--home', home]);
    expect(d.err.trim()).toBe('bgpt train: LoRA rank must be a whole number from 1 to 256, got 0');
  });

  it('fine-tunes a checkpoint with adapters and says its plan first', async () => {
    const data = tempDir('bgpt-data-');
    cpSync(DIR + 'inputs', data, { recursive: true });
    const home = tempDir('bgpt-home-');
    const r = await cli(['train', '--json', '--data', data, '--init', DIR + 'checkpoint', '--lora', '4', '--lora-levels', 'byte', '--lora-train-norms',
      '--steps', '4', '--batch', '2', '--home', home]);
    expect(r.code, r.err).toBe(0);
    // The plan line comes before the first step (after the folder's import line).
    expect(r.err.split('\n').find((l) => /LoRA r4/.test(l))).toMatch(/^\d+(\.\d)? k-parameter model, LoRA r4: about \d+ MB(, with activation recomputation[^,]*)?, about [\d.]+ s per update here \(estimated\)$/);
    const result = JSON.parse(r.out.trim());
    expect(result).toMatchObject({ steps: 4, backend: expect.any(String), memoryMode: expect.stringMatching(/^(full|recompute|micro-batches)$/) });
    const last = result.checkpoint.replace(/best$/, 'last');
    expect(readdirSync(last).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'config.json', 'optimizer.safetensors', 'train_state.json']);
    expect(existsSync(`${last}/model.safetensors`)).toBe(false);
    const cfg = JSON.parse(readFileSync(`${last}/adapter_config.json`, 'utf8'));
    expect(cfg).toMatchObject({ r: 4, lora_alpha: 16, bgpt: { levels: ['byte'], train_layer_norms: true, base: { name: 'checkpoint', ref: { kind: 'file', fileName: 'checkpoint' } } } });
  }, 300_000);
});
