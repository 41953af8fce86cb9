// Staged gradients (src-main/engine/train/gradients.ts): activation recomputation gives the gradients
// of the one-piece pass (dropout masks included), for full fine-tuning and LoRA; LoRA computes no
// weight gradient of a frozen matrix (tf.profile: no product has a weight's shape); a one-window
// batch whose byte level is shared with the worker thread gives the single-thread result; no tensor
// is left behind. Small configs, real TF.js on wasm and the real worker thread.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src-main/engine/backend/backend';
import { ops } from '../../../../src-main/engine/backend/ops';
import { BGPTModel } from '../../../../src-main/engine/io/checkpoint';
import { LoraAdapter } from '../../../../src-main/engine/model/lora';
import { Rng } from '../../../../src-main/engine/model/rng';
import { generativeGradients } from '../../../../src-main/engine/train/generative';
import { GradHelper, passOf, type DropoutSpec } from '../../../../src-main/engine/train/parallel';
import type { GradPlan, Grads } from '../../../../src-main/engine/train/gradients';
import { LORA_DEFAULTS, loraTensorNames } from '../../../../src-main/checkpoint/adapter';
import type { BGPTConfig } from '../../../../src-main/shared/config';

const CONFIG: BGPTConfig = { patchSize: 4, patchLength: 9, hiddenSize: 20, patchNumLayers: 3, byteNumLayers: 2, numHeads: 2 };
const DROP: DropoutSpec = { rate: 0.2, loraRate: 0.1, seed: 77 };

function seqs(n: number, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => Int32Array.from({ length: (9 - (i % 3)) * CONFIG.patchSize }, () => rng.int(257)));
}

async function values(g: Grads): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [n, t] of g) out.set(n, (await t.data()) as Float32Array);
  tf.dispose([...g.values()]);
  return out;
}

function worstDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let worst = 0;
  for (const [n, x] of a) {
    const y = b.get(n) as Float32Array;
    for (let k = 0; k < x.length; k++) worst = Math.max(worst, Math.abs(x[k] - y[k]) / Math.max(1, Math.abs(y[k])));
  }
  return worst;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('staged gradients', () => {
  it('with activation recomputation equal the one-piece pass, dropout included (full fine-tuning and LoRA), leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const model = BGPTModel.random(CONFIG, 1);
    const data = seqs(3, 2);
    const scale = 1 / data.reduce((a, s) => a + s.length - CONFIG.patchSize, 0);
    const run = async (recompute: boolean, trainables: ReadonlyMap<string, tf.Variable>) => {
      const plan: GradPlan = { recompute, byteChunk: 5 };
      const r = await generativeGradients(passOf(DROP, ops()), model, trainables, data, scale, plan);
      return { loss: r.loss, grads: await values(r.grads) };
    };
    const whole = await run(false, model.vars);
    const lean = await run(true, model.vars);
    expect(lean.loss).toBeCloseTo(whole.loss, 6);
    expect(whole.grads.size).toBe(model.vars.size);
    expect(worstDiff(lean.grads, whole.grads)).toBeLessThan(1e-5);
    const adapter = LoraAdapter.create(CONFIG, { ...LORA_DEFAULTS, rank: 2 }, 3);
    model.useLora(adapter.factors, new Set(model.vars.keys()));
    const loraWhole = await run(false, adapter.vars);
    const loraLean = await run(true, adapter.vars);
    expect(loraWhole.grads.size).toBe(adapter.vars.size);
    expect(loraLean.loss).toBeCloseTo(loraWhole.loss, 6);
    expect(worstDiff(loraLean.grads, loraWhole.grads)).toBeLessThan(1e-5);
    // B starts at zero, so A's gradient is zero; B's is not.
    const b0 = loraWhole.grads.get(loraTensorNames(adapter.modules[0].module).b) as Float32Array;
    expect(Math.max(...b0.map(Math.abs))).toBeGreaterThan(0);
    adapter.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with LoRA compute no weight gradient of a frozen matrix (no product has a weight\'s shape)', async () => {
    const model = BGPTModel.random(CONFIG, 4);
    const adapter = LoraAdapter.create(CONFIG, { ...LORA_DEFAULTS, rank: 2 }, 5);
    // Row counts (9 patches, 24 and 32 byte positions) differ from the widths, so an activation product never has a weight's shape.
    const data = seqs(1, 6);
    const d = CONFIG.hiddenSize;
    const weightShapes = new Set([[d, 3 * d], [d, d], [d, 4 * d], [4 * d, d], [d, CONFIG.patchSize * 257], [257, d]].map((s) => s.join('x')));
    const products = async (trainables: ReadonlyMap<string, tf.Variable>) => {
      let out: string[] = [];
      const info = await tf.profile(async () => {
        const r = await generativeGradients(passOf(DROP, ops()), model, trainables, data, 1e-3, { recompute: true, byteChunk: 8 });
        tf.dispose([...r.grads.values()]);
      });
      out = info.kernels.filter((k) => k.name === 'BatchMatMul').map((k) => (k.outputShapes[0] ?? []).join('x'));
      return out;
    };
    const full = await products(model.vars);
    model.useLora(adapter.factors, new Set(model.vars.keys()));
    const lora = await products(adapter.vars);
    expect(full.filter((s) => weightShapes.has(s)).length).toBeGreaterThan(0);
    expect(lora.filter((s) => weightShapes.has(s))).toEqual([]);
    adapter.dispose();
    model.dispose();
  });

  it('of a one-window batch, its byte level shared with the worker thread, equal the single-thread result', async () => {
    const model = BGPTModel.random(CONFIG, 7);
    const adapter = LoraAdapter.create(CONFIG, { ...LORA_DEFAULTS, rank: 2 }, 8);
    model.useLora(adapter.factors, new Set(model.vars.keys()));
    const trainables = new Map([...adapter.vars, ['patch_level_decoder.base.ln_f.weight', model.vars.get('patch_level_decoder.base.ln_f.weight') as tf.Variable]]);
    const data = seqs(1, 9);
    const plan: GradPlan = { recompute: true, byteChunk: 3 };
    const scale = 1 / (data[0].length - CONFIG.patchSize);
    const alone = await generativeGradients(passOf(DROP, ops()), model, trainables, data, scale, plan);
    const aloneGrads = await values(alone.grads);
    const names = [...trainables.keys()];
    // The worker gets the byte level's base only (it never runs the patch level of a one-window batch).
    async function* base() {
      for (const [n, v] of model.vars) if (n.startsWith('byte_level_decoder.')) yield [n, v.shape, ((await v.data()) as Float32Array).slice()] as [string, number[], Float32Array];
    }
    const helper = await GradHelper.start({ task: 'generative', backend: 'wasm', config: CONFIG, labels: null, lora: { ...LORA_DEFAULTS, rank: 2 }, names, streamedBase: true, byteLevelOnly: true }, base);
    try {
      const weights = await helper.weightsFor(0, trainables);
      const from = 3; // a chunk boundary
      const shared = await generativeGradients(passOf(DROP, ops()), model, trainables, data, scale, plan, {
        from,
        run: (s, features, count, sc, needD) => helper.run(weights, { kind: 'bytes', seqs: s, from, count, features, scale: sc, dropout: DROP, plan, needDFeatures: needD }),
      });
      expect(shared.loss).toBeCloseTo(alone.loss, 6);
      expect(worstDiff(await values(shared.grads), aloneGrads)).toBeLessThan(1e-5);
    } finally {
      await helper.close();
      adapter.dispose();
      model.dispose();
    }
  });
});
