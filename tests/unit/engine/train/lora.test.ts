// LoRA fine-tuning through the one training loop (src-main/engine/train/train.ts): the adapter folder
// exactly as checkpoint/adapter.ts defines it (PEFT layout, no model.safetensors, the base by the
// sha256 of its weights file), the frozen base untouched, the training loss falling, the merged
// checkpoint (mergeLoraWeight) scoring as the adapted model did, an exact resume, a different base
// refused in one line, layer norms / biases / a classifier's head trained along. Real files, real
// TF.js on wasm with the real gradient worker.
import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, existsSync, cpSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src-main/engine/backend/backend';
import { BGPTModel, loadModel } from '../../../../src-main/engine/io/checkpoint';
import { readInputFile, type InputFile } from '../../../../src-main/engine/io/files';
import { parseSafetensors } from '../../../../src-main/engine/io/safetensors';
import { buildSequences } from '../../../../src-main/engine/train/data';
import { estimateLoss } from '../../../../src-main/engine/train/generative';
import { TrainControl } from '../../../../src-main/engine/train/control';
import { train, OPTIMIZER_FILE, STATE_FILE } from '../../../../src-main/engine/train/train';
import { trainClassifier } from '../../../../src-main/engine/classify/train';
import {
  ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, adapterConfigFromJson, LORA_DEFAULTS, loraModules, loraTensorNames, mergeLoraWeight,
  type LoraSettings,
} from '../../../../src-main/checkpoint/adapter';
import type { BGPTConfig } from '../../../../src-main/shared/config';
import { tempDir } from '../../../helpers/temp';

const INPUTS = fileURLToPath(new URL('../../../fixtures/parity/tiny-a/inputs/', import.meta.url));
const MICRO: BGPTConfig = { patchSize: 16, patchLength: 8, hiddenSize: 32, patchNumLayers: 2, byteNumLayers: 1, numHeads: 2 };
const LORA: LoraSettings = { ...LORA_DEFAULTS, rank: 4, alpha: 8 };

function tmp(): string {
  return tempDir('bgpt-lora-');
}

async function inputs(): Promise<InputFile[]> {
  return Promise.all(['gpl3-head.txt', 'apache-2.0-head.md', 'libmpc3-copyright.debian-copyright-file'].map((f) => readInputFile(INPUTS + f)));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A briefly trained base model (the LoRA runs start from it). */
let base = '';
beforeAll(async () => {
  await initBackend('wasm');
  const out = tmp();
  await train({ config: MICRO, files: await inputs(), steps: 40, batchSize: 4, lr: 3e-3, out, backend: 'wasm', validitySamples: 0 });
  base = out + '/last';
}, 120_000);

/** The merged checkpoint of an adapter folder over the base, built with checkpoint/adapter.ts's merge. */
async function merged(adapterDir: string): Promise<BGPTModel> {
  const cfg = adapterConfigFromJson(JSON.parse(readFileSync(adapterDir + '/' + ADAPTER_CONFIG_FILE, 'utf8')));
  const factors = parseSafetensors(readFileSync(adapterDir + '/' + ADAPTER_WEIGHTS_FILE)).tensors;
  const baseModel = await loadModel(base);
  const tensors = new Map(await baseModel.tensors());
  const config = baseModel.config;
  baseModel.dispose();
  for (const m of loraModules(config, cfg.settings)) {
    const n = loraTensorNames(m.module);
    const w = tensors.get(m.weight)!;
    tensors.set(m.weight, { shape: w.shape, data: mergeLoraWeight(w.data, factors.get(n.a)!.data, factors.get(n.b)!.data, m, cfg.settings.rank, cfg.settings.alpha / cfg.settings.rank) });
  }
  return BGPTModel.fromTensors(config, tensors);
}

describe('LoRA fine-tuning', () => {
  it('writes the adapter folder of checkpoint/adapter.ts, leaves the base untouched, lowers the loss, and its merge scores as it trained', async () => {
    // One short file the window holds whole and no dropout: every update sees the same function of the same bytes.
    const files: InputFile[] = [{ name: 'fox.txt', ext: 'txt', bytes: new TextEncoder().encode('The quick brown fox jumps over the lazy dog; pack my box with five dozen jugs.') }];
    const baseSha = sha256(base + '/model.safetensors');
    const out = tmp();
    const losses: number[] = [];
    const evals: number[] = [];
    const before = tf.memory().numTensors;
    const r = await train({
      init: base, lora: { ...LORA, dropout: 0 }, files, evalFiles: files, steps: 24, batchSize: 2, lr: 1e-2, dropout: 0, out, backend: 'wasm',
      validitySamples: 0, base: { name: 'micro base' }, onStep: (m) => losses.push(m.trainLoss), onEval: (e) => evals.push(e.evalLoss),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.workers).toBe(2);
    expect(r.steps).toBe(24);
    // The loss falls (Adam's steps overshoot now and then, so over four updates).
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)) - 0.05);
    // The base is as it was (its file, and the weights it holds).
    expect(sha256(base + '/model.safetensors')).toBe(baseSha);
    for (const kind of ['best', 'last']) {
      const dir = `${out}/${kind}`;
      const names = readdirSync(dir).sort();
      expect(names).toEqual(kind === 'last'
        ? [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, 'config.json', OPTIMIZER_FILE, STATE_FILE].sort()
        : [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, 'config.json'].sort());
      const json = JSON.parse(readFileSync(`${dir}/${ADAPTER_CONFIG_FILE}`, 'utf8'));
      expect(json).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, fan_in_fan_out: true, bias: 'none', target_modules: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] });
      const cfg = adapterConfigFromJson(json);
      expect(cfg.base).toEqual({ sha256: baseSha, name: 'micro base', ref: { kind: 'file', fileName: 'last' } });
      expect(cfg.kind).toBe('generative');
      expect(JSON.parse(readFileSync(`${dir}/config.json`, 'utf8'))).toEqual(JSON.parse(readFileSync(`${base}/config.json`, 'utf8')));
      const tensors = parseSafetensors(readFileSync(`${dir}/${ADAPTER_WEIGHTS_FILE}`)).tensors;
      const modules = loraModules(MICRO, LORA);
      expect(tensors.size).toBe(2 * modules.length);
      for (const m of modules) {
        const n = loraTensorNames(m.module);
        expect(tensors.get(n.a)?.shape).toEqual([4, m.inFeatures]);
        expect(tensors.get(n.b)?.shape).toEqual([m.outFeatures, 4]);
      }
    }
    // The optimizer holds moments of the adapter's tensors only.
    const moments = parseSafetensors(readFileSync(`${out}/last/${OPTIMIZER_FILE}`)).tensors;
    expect(moments.size).toBe(2 * 2 * loraModules(MICRO, LORA).length);
    for (const name of moments.keys()) expect(name).toMatch(/^exp_avg(_sq)?\.base_model\.model\..*\.lora_[AB]\.weight$/);
    // The adapter is small beside the base.
    expect(readFileSync(`${out}/last/${ADAPTER_WEIGHTS_FILE}`).length).toBeLessThan(readFileSync(`${base}/model.safetensors`).length / 4);
    // Merged with mergeLoraWeight, best/ scores the eval files as the run's best evaluation did.
    const model = await merged(`${out}/best`);
    const evalLoss = await estimateLoss(model, buildSequences(MICRO, files), 3);
    model.dispose();
    expect(Math.abs(evalLoss - Math.min(...evals))).toBeLessThan(1e-4);
    expect(r.evalLoss).toBe(evals.at(-1));
  }, 300_000);

  it('resumes exactly: N updates straight equal N/2, stop, resume, N/2; a different base is refused in one line', async () => {
    const files = await inputs();
    const opts = { init: base, lora: { ...LORA, dropout: 0.1 }, files, steps: 8, batchSize: 2, lr: 5e-3, out: '', backend: 'wasm' as const, validitySamples: 0 };
    const straight = tmp();
    await train({ ...opts, out: straight });
    const split = tmp();
    const control = new TrainControl();
    await train({ ...opts, out: split, control, onStep: (m) => { if (m.step === 4) control.stop(); } });
    expect(JSON.parse(readFileSync(`${split}/last/${STATE_FILE}`, 'utf8')).step).toBe(4);
    const resumed = await train({ files, out: split, resume: `${split}/last`, backend: 'wasm', validitySamples: 0 });
    expect(resumed.steps).toBe(8);
    const a = parseSafetensors(readFileSync(`${straight}/last/${ADAPTER_WEIGHTS_FILE}`)).tensors;
    const b = parseSafetensors(readFileSync(`${split}/last/${ADAPTER_WEIGHTS_FILE}`)).tensors;
    for (const [name, t] of a) expect(Array.from(b.get(name)!.data), name).toEqual(Array.from(t.data));
    // Another base (same shape, other weights): refused before anything is loaded.
    const other = tmp();
    cpSync(base, other, { recursive: true });
    const bytes = readFileSync(`${other}/model.safetensors`);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(`${other}/model.safetensors`, bytes);
    await expect(train({ files, out: split, resume: `${split}/last`, init: other, backend: 'wasm' }))
      .rejects.toThrow(/^this LoRA run was trained on last \(sha256 [0-9a-f]{12}…\), but .* has sha256 [0-9a-f]{12}…: resume it with the same base$/);
  }, 300_000);

  it('trains layer norms and biases along when asked, and a classifier\'s head in full', async () => {
    const files = await inputs();
    const out = tmp();
    await train({ init: base, lora: { ...LORA, targets: ['mlp.c_fc'], levels: ['byte'], trainLayerNorms: true, trainBiases: true }, files, steps: 2, batchSize: 2, out, backend: 'wasm', validitySamples: 0 });
    const tensors = [...parseSafetensors(readFileSync(`${out}/last/${ADAPTER_WEIGHTS_FILE}`)).tensors.keys()].sort();
    expect(tensors).toEqual([
      'base_model.model.byte_level_decoder.base.transformer.h.0.ln_1.bias', 'base_model.model.byte_level_decoder.base.transformer.h.0.ln_1.weight',
      'base_model.model.byte_level_decoder.base.transformer.h.0.ln_2.bias', 'base_model.model.byte_level_decoder.base.transformer.h.0.ln_2.weight',
      'base_model.model.byte_level_decoder.base.transformer.h.0.mlp.c_fc.bias',
      'base_model.model.byte_level_decoder.base.transformer.h.0.mlp.c_fc.lora_A.weight', 'base_model.model.byte_level_decoder.base.transformer.h.0.mlp.c_fc.lora_B.weight',
      'base_model.model.byte_level_decoder.base.transformer.ln_f.bias', 'base_model.model.byte_level_decoder.base.transformer.ln_f.weight',
    ].sort());
    expect(JSON.parse(readFileSync(`${out}/last/${ADAPTER_CONFIG_FILE}`, 'utf8')).bias).toBe('lora_only');
    // A classifier: the patch level adapted, the head (new: the labels are new) trained in full.
    const labelled = files.map((f, i) => ({ ...f, label: i % 2 === 0 ? 'even.txt' : 'odd.txt' }));
    const cls = tmp();
    const r = await trainClassifier({ init: base, lora: LORA, files: labelled, evalFiles: labelled, steps: 3, batchSize: 2, out: cls, backend: 'wasm' });
    expect(r.workers).toBe(2);
    expect(readdirSync(`${cls}/best`).sort()).toEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, 'config.json', 'labels.json']);
    const json = JSON.parse(readFileSync(`${cls}/best/${ADAPTER_CONFIG_FILE}`, 'utf8'));
    expect(json.modules_to_save).toEqual(['classifier']);
    expect(json.bgpt.kind).toBe('classifier');
    const saved = parseSafetensors(readFileSync(`${cls}/best/${ADAPTER_WEIGHTS_FILE}`)).tensors;
    expect(saved.get('base_model.model.classifier.weight')?.shape).toEqual([2, MICRO.hiddenSize]);
    expect([...saved.keys()].some((n) => n.includes('byte_level'))).toBe(false);
    expect(existsSync(`${cls}/best/model.safetensors`)).toBe(false);
  }, 300_000);
});
