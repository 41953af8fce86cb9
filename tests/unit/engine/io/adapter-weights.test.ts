// Adapter folders merged at load (src-main/engine/io/adapter-weights.ts) on every engine path: the inference kernels
// (streamed from a folder, and from a .pth), TF.js scoring and loading, classification and the torch export all see
// the base + (alpha/r)·(B·A)ᵀ a plain loop computes; an adapter without its base, or made for another shape, is
// refused in one line.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LORA_DEFAULTS } from '../../../../src-main/checkpoint/adapter';
import { loadModel, readModelTensors } from '../../../../src-main/engine/io/checkpoint';
import { evaluate } from '../../../../src-main/engine/eval/evaluate';
import { evaluateWithKernels } from '../../../../src-main/engine/infer/evaluate';
import { generate, loadInferenceModel } from '../../../../src-main/engine/infer/index';
import { classifyFiles } from '../../../../src-main/engine/classify/predict';
import { serializeSafetensors } from '../../../../src-main/engine/io/safetensors';
import { configToJson } from '../../../../src-main/shared/config';
import type { InputFile } from '../../../../src-main/engine/io/files';
import { mergeByHand, sha256File, writeTestAdapter } from '../../../helpers/adapter';
import { TINY_A, TINY_A_CHECKPOINT, tinyA } from '../infer/helpers';
import { tempDir } from '../../../helpers/temp';

let tmp: string;
let files: InputFile[];
let adapterDir: string;
let mergedDir: string;
const PTH = path.join(TINY_A, 'model.pth');

beforeAll(async () => {
  tmp = tempDir('bgpt-adapter-');
  const expected = JSON.parse(await fs.readFile(path.join(TINY_A, 'expected.json'), 'utf8')) as Record<string, { ext: string }>;
  files = await Promise.all(Object.entries(expected).map(async ([name, e]) => ({ name, ext: e.ext, bytes: new Uint8Array(await fs.readFile(path.join(TINY_A, name))) })));
  const { config, tensors } = await tinyA();
  const base = { sha256: await sha256File(path.join(TINY_A_CHECKPOINT, 'model.safetensors')), name: 'tiny-a', ref: { kind: 'file' as const, fileName: 'model.safetensors' } };
  // Layer norms trained along: the adapter carries its own ln_1 of the first patch block.
  const ln = tensors.get('patch_level_decoder.base.h.0.ln_1.weight')!;
  const replaced = new Map([['patch_level_decoder.base.h.0.ln_1.weight', { shape: ln.shape, data: ln.data.map((v, i) => v * (1 + 0.1 * Math.sin(i))) }]]);
  const a = await writeTestAdapter(path.join(tmp, 'adapter'), { config, base, settings: { rank: 4, alpha: 8, trainLayerNorms: true }, replaced });
  adapterDir = a.dir;
  // The same weights merged by a plain loop, as an ordinary checkpoint folder: what every path must reproduce.
  mergedDir = path.join(tmp, 'merged');
  await fs.mkdir(mergedDir);
  await fs.writeFile(path.join(mergedDir, 'config.json'), JSON.stringify(configToJson(config)));
  await fs.writeFile(path.join(mergedDir, 'model.safetensors'), serializeSafetensors(mergeByHand(tensors, config, a), { format: 'pt' }));
});

const losses = (r: { files: Array<{ loss: number }> }) => r.files.map((f) => f.loss);

describe('adapters merged at load', () => {
  it('scores on the kernels exactly as the hand-merged checkpoint, from a folder base and from a .pth base', async () => {
    const want = losses(await evaluateWithKernels(mergedDir, files));
    const fromFolder = losses(await evaluateWithKernels(adapterDir, files, undefined, { base: TINY_A_CHECKPOINT }));
    const fromPth = losses(await evaluateWithKernels(adapterDir, files, undefined, { base: PTH }));
    const base = losses(await evaluateWithKernels(TINY_A_CHECKPOINT, files));
    for (let i = 0; i < want.length; i++) {
      expect(fromFolder[i]).toBeCloseTo(want[i], 5);
      expect(fromPth[i]).toBeCloseTo(want[i], 5);
      // The adapter does change the model: this is not the base scoring twice.
      expect(Math.abs(fromFolder[i] - base[i])).toBeGreaterThan(1e-3);
    }
  });

  it('is merged before the weights are packed: at float16 and Q8_0 it scores as the hand-merged checkpoint at that precision', async () => {
    for (const precision of ['f16', 'q8'] as const) {
      const want = await evaluateWithKernels(mergedDir, files, undefined, { precision });
      const base = losses(await evaluateWithKernels(TINY_A_CHECKPOINT, files, undefined, { precision }));
      for (const b of [TINY_A_CHECKPOINT, PTH]) {
        const got = await evaluateWithKernels(adapterDir, files, undefined, { precision, base: b });
        expect(got.precision).toBe(precision);
        const l = losses(got);
        for (let i = 0; i < l.length; i++) {
          expect(l[i]).toBeCloseTo(losses(want)[i], 4);
          expect(Math.abs(l[i] - base[i])).toBeGreaterThan(1e-3);
        }
      }
    }
  });

  it('scores on TF.js as on the kernels, and loads the merged weights for training', async () => {
    const kernels = losses(await evaluateWithKernels(adapterDir, files, undefined, { base: TINY_A_CHECKPOINT }));
    const tfjs = losses(await evaluate({ checkpoint: adapterDir, base: TINY_A_CHECKPOINT, files }));
    for (let i = 0; i < kernels.length; i++) expect(tfjs[i]).toBeCloseTo(kernels[i], 4);
    const model = await loadModel(adapterDir, { base: PTH });
    try {
      const ln = await model.vars.get('patch_level_decoder.base.h.0.ln_1.weight')!.data();
      const { tensors } = await readModelTensors(mergedDir);
      expect(Array.from(ln)).toEqual(Array.from(tensors.get('patch_level_decoder.base.h.0.ln_1.weight')!.data));
    } finally {
      model.dispose();
    }
  });

  it('generates the hand-merged checkpoint\'s bytes for the same seed', async () => {
    const opts = { ext: 'txt', seed: 7, maxBytes: 96, topK: 0, topP: 1, temperature: 1 };
    const want = await generate(await loadInferenceModel(mergedDir), opts);
    const got = await generate(await loadInferenceModel(adapterDir, { base: TINY_A_CHECKPOINT }), opts);
    expect(Buffer.from(got.bytes).toString('hex')).toBe(Buffer.from(want.bytes).toString('hex'));
  });

  it('classifies with a classification adapter on a generative base as with the hand-merged classifier', async () => {
    const { config, tensors } = await tinyA();
    const labels = ['license', 'copyright'];
    const d = config.hiddenSize;
    const head = new Map([
      ['classifier.weight', { shape: [labels.length, d], data: Float32Array.from({ length: labels.length * d }, (_, i) => Math.sin(i) * 0.3) }],
      ['classifier.bias', { shape: [labels.length], data: Float32Array.from([0.1, -0.1]) }],
    ]);
    const base = { sha256: 'd'.repeat(64), name: 'tiny-a', ref: { kind: 'file' as const, fileName: 'model.pth' } };
    const a = await writeTestAdapter(path.join(tmp, 'cls'), { config, base, kind: 'classifier', labels, settings: { levels: ['patch'] }, replaced: head, seed: 3 });
    // The same classifier as an ordinary classifier folder: patch-level tensors merged by hand, the head, the labels.
    const clsDir = path.join(tmp, 'cls-merged');
    await fs.mkdir(clsDir);
    const merged = mergeByHand(tensors, config, a);
    const kept = new Map([...merged].filter(([n]) => n.startsWith('patch_level_decoder.') || n.startsWith('classifier.')));
    await fs.writeFile(path.join(clsDir, 'config.json'), JSON.stringify(configToJson({ ...config, byteNumLayers: 0 })));
    await fs.writeFile(path.join(clsDir, 'model.safetensors'), serializeSafetensors(kept, { format: 'pt' }));
    await fs.writeFile(path.join(clsDir, 'labels.json'), JSON.stringify(labels));
    const want = await classifyFiles({ checkpoint: clsDir, files });
    for (const b of [PTH, TINY_A_CHECKPOINT]) {
      const got = await classifyFiles({ checkpoint: a.dir, base: b, files });
      expect(got.labels).toEqual(labels);
      got.files.forEach((f, i) => labels.forEach((l) => expect(f.probabilities[l]).toBeCloseTo(want.files[i].probabilities[l], 5)));
    }
    // A classification adapter neither scores bytes nor generates.
    await expect(loadInferenceModel(a.dir, { base: PTH })).rejects.toThrow(/a classification checkpoint .*has no byte-level decoder; use it with bgpt classify/);
  });

  it('refuses an adapter without its base, or made for another shape, in one line', async () => {
    await expect(loadInferenceModel(adapterDir)).rejects.toThrow(/is a LoRA adapter of 'tiny-a' \(sha256 [0-9a-f]{12}…\): open it by name or path through the studio catalogue/);
    await expect(loadModel(adapterDir)).rejects.toThrow(/LoRA adapter of 'tiny-a'/);
    await expect(loadInferenceModel(adapterDir, { base: adapterDir })).rejects.toThrow(/must be a full checkpoint, not another adapter/);
    const { config } = await tinyA();
    const wide = await writeTestAdapter(path.join(tmp, 'wide'), { config: { ...config, hiddenSize: 128, numHeads: 2 }, base: { sha256: 'b'.repeat(64), name: 'wide', ref: { kind: 'file', fileName: 'x' } } });
    await expect(loadInferenceModel(wide.dir, { base: TINY_A_CHECKPOINT })).rejects.toThrow(/the adapter was made for patch 16×64, hidden 128, 2\+1 layers, its base has patch 16×64, hidden 64, 2\+1 layers/);
  });

  it('names a missing or misshapen factor, and a factor outside the adapter\'s settings', async () => {
    const { config } = await tinyA();
    const base = { sha256: 'c'.repeat(64), name: 'tiny-a', ref: { kind: 'file' as const, fileName: 'x' } };
    const onlyAttn = await writeTestAdapter(path.join(tmp, 'attn'), { config, base, settings: { targets: ['attn.c_attn'] } });
    // Claim more targets than the file holds: the first missing factor is named.
    const cfgFile = path.join(onlyAttn.dir, 'adapter_config.json');
    const json = JSON.parse(await fs.readFile(cfgFile, 'utf8'));
    await fs.writeFile(cfgFile, JSON.stringify({ ...json, target_modules: [...LORA_DEFAULTS.targets] }));
    await expect(loadInferenceModel(onlyAttn.dir, { base: TINY_A_CHECKPOINT })).rejects.toThrow(/tensor base_model\.model\.patch_level_decoder\.base\.h\.0\.attn\.c_proj\.lora_A\.weight is missing/);
    // Claim fewer: a factor outside them.
    await fs.writeFile(cfgFile, JSON.stringify({ ...json, bgpt: { ...json.bgpt, levels: ['byte'] } }));
    await expect(loadInferenceModel(onlyAttn.dir, { base: TINY_A_CHECKPOINT })).rejects.toThrow(/adapts a module the adapter's settings do not name/);
    // Another rank in the config than in the file.
    await fs.writeFile(cfgFile, JSON.stringify({ ...json, r: 4 }));
    await expect(loadInferenceModel(onlyAttn.dir, { base: TINY_A_CHECKPOINT })).rejects.toThrow(/has shape \[8, 64\], expected \[4, 64\] \(rank 4\)/);
  });
});
