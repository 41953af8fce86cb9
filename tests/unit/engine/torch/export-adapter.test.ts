// `bgpt export torch` of a LoRA adapter (docs/pytorch.md): weights.pth holds the base with the adapter merged, in the
// reference state dict's exact layout, and adapter/ holds the adapter alone in PEFT's layout. Where python3 with
// torch is installed (Debian: apt-get install python3-torch; without it the run says so in one line, see
// tests/helpers/system.ts), the merged file is also scored by a plain-PyTorch
// re-implementation of the reference's forward loss (tests/helpers/ref_bgpt.py) — first checked against the
// reference's own numbers — and must give the studio's losses within 1e-4.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Io } from '../../../../src-main/cli/framework';
import { commands } from '../../../../src-main/cli/commands/index';
import { readSafetensors } from '../../../../src-main/engine/io/safetensors';
import { readTorchCheckpoint } from '../../../../src-main/engine/torch/index';
import { cropSequence, fileSequence } from '../../../../src-main/shared/patches';
import { mergeByHand, sha256File, writeTestAdapter } from '../../../helpers/adapter';
import { TINY_A, tinyA } from '../infer/helpers';
import { lacks, torchPython } from '../../../helpers/system';
import { tempDir } from '../../../helpers/temp';

const PTH = path.join(TINY_A, 'model.pth');
const REF = path.join(import.meta.dirname, '../../../helpers/ref_bgpt.py');
const expected = JSON.parse(readFileSync(path.join(TINY_A, 'expected.json'), 'utf8')) as Record<string, { loss: number; ext: string; input_ids: number[] }>;
const INPUTS = Object.keys(expected).map((n) => path.join(TINY_A, n));

const PYTHON = lacks('torch') ? null : torchPython();

let tmp: string;
let home: string;
let out: string;
let merged: Map<string, { shape: number[]; data: Float32Array }>;

async function bgpt(...argv: string[]): Promise<{ code: number; json: any; err: string }> {
  let o = '';
  let err = '';
  const io: Io = { stdout: (t) => void (o += t), stderr: (t) => void (err += t) };
  const code = await runCli(commands, [...argv, '--home', home, '--json'], io);
  return { code, json: code === 0 ? JSON.parse(o.trim().split('\n').at(-1)!) : null, err: err.trim().split('\n').at(-1) ?? '' };
}

/** The reference re-implementation's losses (and state-dict keys) for `weights` on token sequences. */
function referenceLosses(weights: string, seqs: number[][]): { losses: number[]; keys: Array<[string, number[], string]> } {
  const spec = path.join(tmp, `spec-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(spec, JSON.stringify({ patch_size: 16, files: seqs.map((s) => ({ input_ids: s })) }));
  return JSON.parse(execFileSync(PYTHON!, [REF, weights, spec], { encoding: 'utf8', timeout: 300_000 }));
}

beforeAll(async () => {
  tmp = tempDir('bgpt-export-adapter-');
  home = path.join(tmp, 'home');
  const base = await bgpt('models', 'import', PTH, '--name', 'tiny-a');
  expect(base.code, base.err).toBe(0);
  const { config, tensors } = await tinyA();
  const a = await writeTestAdapter(path.join(tmp, 'tunes-lora'), {
    config, base: { sha256: await sha256File(PTH), name: 'tiny-a', ref: { kind: 'model', modelId: base.json.model.id } }, settings: { rank: 4, alpha: 8 }, seed: 11,
  });
  merged = mergeByHand(tensors, config, a);
  expect((await bgpt('models', 'import', a.dir)).code).toBe(0);
  out = path.join(tmp, 'torch-out');
  const r = await bgpt('export', 'torch', '--checkpoint', 'tunes-lora', '--out', out);
  expect(r.code, r.err).toBe(0);
  expect(r.json).toMatchObject({ weights: path.join(out, 'weights.pth'), adapter: path.join(out, 'adapter'), base: { name: 'tiny-a' } });
});

describe('export torch of an adapter', () => {
  it('writes the merged weights in the reference layout, and the adapter alone in PEFT\'s', async () => {
    const ck = await readTorchCheckpoint(path.join(out, 'weights.pth'));
    expect(ck.kind).toBe('generative');
    for (const [name, t] of merged) {
      const got = ck.tensors.get(name);
      expect(got?.shape, name).toEqual(t.shape);
      let worst = 0;
      for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(got!.data[i] - t.data[i]));
      expect(worst, name).toBeLessThan(1e-6);
    }
    expect(await fs.readdir(path.join(out, 'adapter'))).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const cfg = JSON.parse(await fs.readFile(path.join(out, 'adapter', 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, fan_in_fan_out: true, target_modules: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'], base_model_name_or_path: 'tiny-a' });
    const { tensors } = await readSafetensors(path.join(out, 'adapter', 'adapter_model.safetensors'));
    expect([...tensors.keys()].slice(0, 2)).toEqual([
      'base_model.model.patch_level_decoder.base.h.0.attn.c_attn.lora_A.weight', 'base_model.model.patch_level_decoder.base.h.0.attn.c_attn.lora_B.weight',
    ]);
    expect([...tensors.keys()].every((k) => /^base_model\.model\.(patch_level_decoder\.base|byte_level_decoder\.base\.transformer)\.h\.\d+\.(attn|mlp)\.c_(attn|proj|fc)\.lora_[AB]\.weight$/.test(k))).toBe(true);
  });

  it.runIf(PYTHON)('scores in the re-implemented reference as in the studio, within 1e-4', async () => {
    // First the re-implementation itself, against the reference's numbers for its own trainer's file.
    const own = referenceLosses(PTH, Object.values(expected).map((e) => e.input_ids));
    Object.values(expected).forEach((e, i) => expect(Math.abs(own.losses[i] - e.loss)).toBeLessThan(1e-4));
    // The export has exactly the reference trainer's state-dict layout (names, order, shapes, dtypes).
    const exported = referenceLosses(path.join(out, 'weights.pth'), []);
    expect(exported.keys).toEqual(own.keys);

    const studio = await bgpt('eval', '--checkpoint', 'tunes-lora', ...INPUTS);
    expect(studio.code, studio.err).toBe(0);
    const seqs = await Promise.all(INPUTS.map(async (f, i) => {
      const seq = cropSequence(fileSequence(new Uint8Array(await fs.readFile(f)), Object.values(expected)[i].ext, 16), 16, 64);
      return Array.from(seq);
    }));
    const ref = referenceLosses(path.join(out, 'weights.pth'), seqs);
    ref.losses.forEach((l, i) => {
      expect(Math.abs(l - studio.json.files[i].loss)).toBeLessThan(1e-4);
      // and the adapter mattered: not the base's loss
      expect(Math.abs(l - expected[Object.keys(expected)[i]].loss)).toBeGreaterThan(1e-3);
    });
  });
});
