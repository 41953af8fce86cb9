// LoRA on the engine's model (src-main/engine/model/lora.ts): fresh factors leave the base model's
// outputs unchanged, the adapted forward equals the merged checkpoint's, and the gradients of the
// factors are the full model's weight gradients projected through the factors, and match finite
// differences. Small config, real TF.js on wasm.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src-main/engine/backend/backend';
import { ops } from '../../../../src-main/engine/backend/ops';
import { BGPTModel } from '../../../../src-main/engine/io/checkpoint';
import { makeBatch, meanLoss, type Batch } from '../../../../src-main/engine/model/batch';
import { LoraAdapter, mergedTensors } from '../../../../src-main/engine/model/lora';
import { Rng } from '../../../../src-main/engine/model/rng';
import { LORA_DEFAULTS, loraModules, loraTensorNames, type LoraSettings } from '../../../../src-main/checkpoint/adapter';
import type { BGPTConfig } from '../../../../src-main/shared/config';

const CONFIG: BGPTConfig = { patchSize: 4, patchLength: 6, hiddenSize: 16, patchNumLayers: 2, byteNumLayers: 1, numHeads: 2 };
const SETTINGS: LoraSettings = { ...LORA_DEFAULTS, rank: 3, alpha: 6, dropout: 0 };

function batch(): Batch {
  const rng = new Rng(3);
  const seq = (patches: number) => Int32Array.from({ length: patches * CONFIG.patchSize }, () => (rng.next() < 0.1 ? 256 : rng.int(256)));
  return makeBatch([seq(6), seq(3)], CONFIG.patchSize);
}

/** Random B (fresh adapters have B = 0, which hides any mistake in the update's direction). */
function randomiseB(adapter: LoraAdapter, seed: number): void {
  const rng = new Rng(seed);
  for (const m of adapter.modules) {
    const v = adapter.vars.get(loraTensorNames(m.module).b) as tf.Variable;
    tf.tidy(() => v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => (rng.next() * 2 - 1) * 0.3), v.shape)));
  }
}

const lossOf = (model: BGPTModel, b: Batch) => tf.tidy(() => meanLoss({ ops: ops() }, model.weights, model.config, b).dataSync()[0]);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('LoRA adapters', () => {
  it('start as the base model: B = 0, A of PEFT scale, one pair of factors per adapted matrix', () => {
    const model = BGPTModel.random(CONFIG, 1);
    const b = batch();
    const before = lossOf(model, b);
    const adapter = LoraAdapter.create(CONFIG, SETTINGS, 2);
    model.useLora(adapter.factors, new Set(model.vars.keys()));
    expect(lossOf(model, b)).toBe(before);
    expect(adapter.modules).toHaveLength(loraModules(CONFIG, SETTINGS).length);
    expect(adapter.vars.size).toBe(2 * adapter.modules.length);
    for (const m of adapter.modules) {
      const n = loraTensorNames(m.module);
      const a = adapter.vars.get(n.a) as tf.Variable;
      const bf = adapter.vars.get(n.b) as tf.Variable;
      expect(a.shape).toEqual([SETTINGS.rank, m.inFeatures]);
      expect(bf.shape).toEqual([m.outFeatures, SETTINGS.rank]);
      expect(Math.max(...bf.dataSync().map(Math.abs))).toBe(0);
      // kaiming_uniform_(a=√5): bound 1/√in, and A is not all zeros.
      const av = a.dataSync();
      expect(Math.max(...av.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(m.inFeatures));
      expect(Math.max(...av.map(Math.abs))).toBeGreaterThan(0.5 / Math.sqrt(m.inFeatures));
    }
    adapter.dispose();
    model.dispose();
  });

  it('give the merged checkpoint exactly the adapted forward (W + scale·(B·A)ᵀ), leaving the base weights as they were', async () => {
    const model = BGPTModel.random(CONFIG, 4);
    const baseValues = new Map([...model.vars].map(([n, v]) => [n, v.dataSync().slice()]));
    const adapter = LoraAdapter.create(CONFIG, SETTINGS, 5);
    randomiseB(adapter, 6);
    model.useLora(adapter.factors, new Set(model.vars.keys()));
    const b = batch();
    const adapted = lossOf(model, b);
    const mergedValues = new Map(await mergedTensors(await model.tensors(), adapter, new Map()));
    const baseTensors = new Map(await model.tensors());
    // The merge leaves the base variables as they are.
    for (const [n, v] of model.vars) expect(v.dataSync()).toEqual(baseValues.get(n));
    // (Variables carry their tensor names: one model in memory at a time.)
    adapter.dispose();
    model.dispose();
    const merged = BGPTModel.fromTensors(CONFIG, mergedValues);
    expect(Math.abs(lossOf(merged, b) - adapted)).toBeLessThan(1e-5);
    merged.dispose();
    // The adapter did change the function.
    const plain = BGPTModel.fromTensors(CONFIG, baseTensors);
    expect(Math.abs(lossOf(plain, b) - adapted)).toBeGreaterThan(1e-3);
    plain.dispose();
  });

  it('have the full model\'s weight gradients projected through the factors, and match finite differences', async () => {
    const before = tf.memory().numTensors;
    const model = BGPTModel.random(CONFIG, 7);
    const adapter = LoraAdapter.create(CONFIG, SETTINGS, 8);
    randomiseB(adapter, 9);
    model.useLora(adapter.factors, new Set(model.vars.keys()));
    const b = batch();
    const factorVars = [...adapter.vars.values()];
    const lora = tf.variableGrads(() => meanLoss({ ops: ops() }, model.weights, model.config, b), factorVars);
    const factorGrads = new Map([...adapter.vars].map(([n, v]) => [n, lora.grads[v.name].dataSync().slice()]));
    const factorValues = new Map([...adapter.vars].map(([n, v]) => [n, { shape: v.shape, data: (v.dataSync() as Float32Array).slice() }]));
    tf.dispose([lora.value, ...Object.values(lora.grads)]);
    const mergedValues = new Map(await mergedTensors(await model.tensors(), adapter, new Map()));
    const baseTensors = new Map(await model.tensors());
    adapter.dispose();
    model.dispose();
    // dL/dW of the merged model: with W' = W + s·(B·A)ᵀ, dL/dB = s·Gᵀ·Aᵀ and dL/dA = s·Bᵀ·Gᵀ.
    const merged = BGPTModel.fromTensors(CONFIG, mergedValues);
    const full = tf.variableGrads(() => meanLoss({ ops: ops() }, merged.weights, merged.config, b), [...merged.vars.values()]);
    const s = SETTINGS.alpha / SETTINGS.rank;
    for (const m of loraModules(CONFIG, SETTINGS)) {
      const n = loraTensorNames(m.module);
      const a = factorValues.get(n.a)!;
      const bv = factorValues.get(n.b)!;
      const g = full.grads[(merged.vars.get(m.weight) as tf.Variable).name]; // [in, out]
      const wantB = tf.tidy(() => tf.mul(tf.matMul(g, tf.tensor2d(a.data, a.shape as [number, number]), true, true), s).dataSync()); // [out, r]
      const wantA = tf.tidy(() => tf.mul(tf.matMul(tf.tensor2d(bv.data, bv.shape as [number, number]), g, true, true), s).dataSync()); // [r, in]
      for (const [got, want] of [[factorGrads.get(n.a)!, wantA], [factorGrads.get(n.b)!, wantB]] as const) {
        let worst = 0;
        for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]) / Math.max(1e-3, Math.abs(want[k])));
        expect(worst, m.module).toBeLessThan(2e-3);
      }
    }
    tf.dispose([full.value, ...Object.values(full.grads)]);
    merged.dispose();
    // Finite differences on the largest entry of a few factors, on the adapted model again.
    const again = BGPTModel.fromTensors(CONFIG, baseTensors);
    const adapter2 = LoraAdapter.fromTensors(CONFIG, SETTINGS, factorValues, 'test');
    again.useLora(adapter2.factors, new Set(again.vars.keys()));
    await fdCheck(again, adapter2, b);
    adapter2.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

async function fdCheck(model: BGPTModel, adapter: LoraAdapter, b: Batch): Promise<void> {
    const factorVars = [...adapter.vars.values()];
    // Finite differences on the largest entry of a few factors.
    const g = tf.variableGrads(() => meanLoss({ ops: ops() }, model.weights, model.config, b), factorVars);
    for (const name of [loraTensorNames(adapter.modules[0].module).a, loraTensorNames(adapter.modules.at(-1)!.module).b]) {
      const v = adapter.vars.get(name) as tf.Variable;
      const grad = g.grads[v.name].dataSync();
      let i = 0;
      for (let k = 1; k < grad.length; k++) if (Math.abs(grad[k]) > Math.abs(grad[i])) i = k;
      const data = v.dataSync().slice();
      const at = (delta: number) => {
        const d = data.slice();
        d[i] += delta;
        tf.tidy(() => v.assign(tf.tensor(d, v.shape)));
        return lossOf(model, b);
      };
      const fd = (at(1e-2) - at(-1e-2)) / 2e-2;
      tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
      expect(Math.abs(fd - grad[i]), `${name}[${i}]`).toBeLessThan(2e-4 + 0.03 * Math.abs(grad[i]));
    }
    tf.dispose([g.value, ...Object.values(g.grads)]);
}
