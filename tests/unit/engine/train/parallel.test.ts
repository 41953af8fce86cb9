import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src-main/engine/backend/backend';
import { BGPTModel } from '../../../../src-main/engine/io/checkpoint';
import { makeBatch, meanLoss, type Batch } from '../../../../src-main/engine/model/batch';
import { Rng } from '../../../../src-main/engine/model/rng';
import { GradHelper, passOf } from '../../../../src-main/engine/train/parallel';
import { generativeGradients } from '../../../../src-main/engine/train/generative';
import { Dropout } from '../../../../src-main/engine/model/model';
import { ops } from '../../../../src-main/engine/backend/ops';
import { CHUNK_PATCHES, type GradPlan } from '../../../../src-main/engine/train/gradients';
import type { BGPTConfig } from '../../../../src-main/shared/config';

/** Two heads and two layers, so every registered gradient and the fused ones are on the path. */
const CONFIG: BGPTConfig = { patchSize: 4, patchLength: 6, hiddenSize: 16, patchNumLayers: 2, byteNumLayers: 1, numHeads: 2 };

function batch(): Batch {
  const rng = new Rng(3);
  // Different lengths: padding, and feature selection by slice + concat.
  const seq = (patches: number) => Int32Array.from({ length: patches * CONFIG.patchSize }, () => (rng.next() < 0.1 ? 256 : rng.int(256)));
  return makeBatch([seq(6), seq(3)], CONFIG.patchSize);
}

async function gradients(model: BGPTModel, b: Batch): Promise<Map<string, Float32Array>> {
  const { value, grads } = tf.variableGrads(() => meanLoss({ ops: ops() }, model.weights, model.config, b));
  const out = new Map<string, Float32Array>();
  for (const [name, g] of Object.entries(grads)) out.set(name, (await g.data()) as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

function lossOf(model: BGPTModel, b: Batch): number {
  return tf.tidy(() => meanLoss({ ops: ops() }, model.weights, model.config, b).dataSync()[0]);
}

function setEntry(v: tf.Variable, i: number, value: number): void {
  const data = v.dataSync().slice();
  data[i] = value;
  tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
}

describe('gradients', () => {
  it('match central finite differences on cpu', async () => {
    await initBackend('cpu');
    const model = BGPTModel.random(CONFIG, 5);
    const b = batch();
    const grads = await gradients(model, b);
    expect(grads.size).toBe(model.vars.size);
    const EPS = 1e-2;
    for (const [name, g] of grads) {
      // The entry with the largest gradient, where the finite difference is well above float noise.
      let i = 0;
      for (let k = 1; k < g.length; k++) if (Math.abs(g[k]) > Math.abs(g[i])) i = k;
      const v = model.vars.get(name) as tf.Variable;
      const x = v.dataSync()[i];
      setEntry(v, i, x + EPS);
      const up = lossOf(model, b);
      setEntry(v, i, x - EPS);
      const down = lossOf(model, b);
      setEntry(v, i, x);
      const fd = (up - down) / (2 * EPS);
      expect(Math.abs(fd - g[i]), `${name}[${i}]: finite difference ${fd}, gradient ${g[i]}`).toBeLessThan(2e-4 + 0.03 * Math.abs(g[i]));
    }
    model.dispose();
  });

  it('agree between the cpu and wasm backends', async () => {
    const b = batch();
    await initBackend('cpu');
    let model = BGPTModel.random(CONFIG, 6);
    const onCpu = await gradients(model, b);
    model.dispose();
    await initBackend('wasm');
    model = BGPTModel.random(CONFIG, 6);
    const onWasm = await gradients(model, b);
    model.dispose();
    for (const [name, g] of onCpu) {
      const w = onWasm.get(name) as Float32Array;
      let worst = 0;
      for (let k = 0; k < g.length; k++) worst = Math.max(worst, Math.abs(g[k] - w[k]));
      expect(worst, name).toBeLessThan(1e-5);
    }
  });

  it('are the same when a worker thread computes half of the batch', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const model = BGPTModel.random(CONFIG, 8);
    const b = batch();
    const seqs = [0, 1].map((i) => b.input.slice(i * b.patches * CONFIG.patchSize, (i * b.patches + b.counts[i]) * CONFIG.patchSize));
    const names = [...model.vars.keys()];
    const helper = await GradHelper.start({ task: 'generative', backend: 'wasm', config: CONFIG, labels: null, lora: null, names, streamedBase: false });
    const plan: GradPlan = { recompute: false, byteChunk: CHUNK_PATCHES };
    const none = { rate: 0, loraRate: 0, seed: 0 };
    const scale = 1 / b.targets / CONFIG.patchSize;
    try {
      const weights = await helper.weightsFor(0, model.vars);
      const remote = helper.run(weights, { kind: 'examples', examples: [seqs[1]], scale, dropout: none, plan });
      const local = await generativeGradients(passOf(none, ops()), model, model.vars, [seqs[0]], scale, plan);
      const theirs = await remote;
      const whole = await generativeGradients(passOf(none, ops()), model, model.vars, seqs, scale, plan);
      expect(local.loss + theirs.loss).toBeCloseTo(whole.loss, 5);
      for (const [name, g] of whole.grads) {
        const a = await g.data();
        const mine = await (local.grads.get(name) as tf.Tensor).data();
        const other = theirs.grads.get(name) as Float32Array;
        let worst = 0;
        for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - mine[k] - other[k]));
        expect(worst, name).toBeLessThan(1e-6);
      }
      tf.dispose([...local.grads.values(), ...whole.grads.values()]);
    } finally {
      await helper.close();
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('draws dropout masks from the seed: reproducible, and off at rate 0', async () => {
    await initBackend('wasm');
    const model = BGPTModel.random(CONFIG, 9);
    const b = batch();
    const loss = (d?: Dropout) => tf.tidy(() => meanLoss({ ops: ops(), dropout: d }, model.weights, model.config, b).dataSync()[0]);
    const plain = loss();
    expect(loss(new Dropout(0.1, 1))).toBe(loss(new Dropout(0.1, 1)));
    expect(loss(new Dropout(0.1, 1))).not.toBe(loss(new Dropout(0.1, 2)));
    expect(loss(new Dropout(0.1, 1))).not.toBe(plain);
    expect(loss(new Dropout(0, 1))).toBe(plain);
    model.dispose();
  });

  it('are the same when the byte level runs in chunks, dropout masks included', async () => {
    await initBackend('wasm');
    const model = BGPTModel.random(CONFIG, 10);
    const rng = new Rng(4);
    // More target patches than one chunk holds, so the chunks and their concatenation are exercised.
    const seqs = Array.from({ length: 60 }, (_, i) => Int32Array.from({ length: (2 + (i % 5)) * CONFIG.patchSize }, () => rng.int(257)));
    const b = makeBatch(seqs, CONFIG.patchSize);
    expect(b.targets).toBeGreaterThan(CHUNK_PATCHES);
    const plan: GradPlan = { recompute: false, byteChunk: CHUNK_PATCHES };
    const scale = 1 / (b.targets * CONFIG.patchSize);
    const none = passOf({ rate: 0, loraRate: 0, seed: 0 }, ops());
    const chunked = await generativeGradients(none, model, model.vars, seqs, scale, plan);
    const whole = await gradients(model, b);
    expect(chunked.loss).toBeCloseTo(lossOf(model, b), 5);
    for (const [name, g] of whole) {
      const c = chunked.grads.get(name)?.dataSync() as Float32Array;
      let worst = 0;
      for (let k = 0; k < g.length; k++) worst = Math.max(worst, Math.abs(g[k] - c[k]));
      expect(worst, name).toBeLessThan(1e-5);
    }
    tf.dispose([...chunked.grads.values()]);
    // With dropout, the patch-level masks must match between the two passes: check against the
    // finite difference of the same masked loss.
    const run = () => generativeGradients(passOf({ rate: 0.3, loraRate: 0, seed: 11 }, ops()), model, model.vars, seqs, scale, plan);
    const r = await run();
    const name = 'patch_level_decoder.patch_embedding.bias';
    const g = r.grads.get(name)?.dataSync() as Float32Array;
    tf.dispose([...r.grads.values()]);
    let i = 0;
    for (let k = 1; k < g.length; k++) if (Math.abs(g[k]) > Math.abs(g[i])) i = k;
    const v = model.vars.get(name) as tf.Variable;
    const x = v.dataSync()[i];
    const at = async (value: number) => {
      setEntry(v, i, value);
      const q = await run();
      tf.dispose([...q.grads.values()]);
      return q.loss;
    };
    const fd = ((await at(x + 1e-2)) - (await at(x - 1e-2))) / 2e-2;
    setEntry(v, i, x);
    expect(Math.abs(fd - g[i])).toBeLessThan(2e-4 + 0.03 * Math.abs(g[i]));
    model.dispose();
  });
});
