// The two implementations of the model agree: TF.js (training, evaluation) and the wasm generation kernels
// (generation, scoring), on a random multi-head model whose shapes differ from every fixture (4 heads of 16,
// patch 8, uneven layer counts), so a head split or a layout that only works for one shape shows up here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src-main/engine/backend/backend';
import { BGPTModel } from '../../../../src-main/engine/io/checkpoint';
import { sequenceLogits } from '../../../../src-main/engine/eval/evaluate';
import { InferenceModel } from '../../../../src-main/engine/infer/model';
import { VOCAB_SIZE, type BGPTConfig } from '../../../../src-main/shared/config';
import { fileSequence } from '../../../../src-main/shared/patches';
import { Rng } from '../../../../src-main/engine/model/rng';

const CONFIG: BGPTConfig = { patchSize: 8, patchLength: 12, hiddenSize: 64, patchNumLayers: 3, byteNumLayers: 2, numHeads: 4 };

let tfModel: BGPTModel;
let fast: InferenceModel;
let seq: Int32Array;

beforeAll(async () => {
  await initBackend('cpu');
  tfModel = BGPTModel.random(CONFIG, 7);
  // Random init leaves LayerNorm gains at 1 and biases at 0: perturb every tensor so each one matters.
  const rng = new Rng(11);
  const tensors = new Map((await tfModel.tensors()).map(([name, t]) => {
    const data = t.data.map((v) => v + 0.05 * (rng.next() * 2 - 1));
    return [name, { shape: t.shape, data }];
  }));
  // Keep the tied head tied: the LM head is the byte embedding in both implementations.
  tensors.set('byte_level_decoder.base.lm_head.weight', tensors.get('byte_level_decoder.base.transformer.wte.weight')!);
  tfModel.dispose();
  tfModel = BGPTModel.fromTensors(CONFIG, tensors);
  fast = new InferenceModel(CONFIG, tensors, 'random');
  const bytes = new Uint8Array(70).map((_, i) => (i * 37 + 11) % 256);
  seq = fileSequence(bytes, 'bin', CONFIG.patchSize);
});

afterAll(() => tfModel?.dispose());

describe('TF.js model and generation kernels', () => {
  it('give the same byte-level logits at every position of every patch (4 heads, 3+2 layers)', async () => {
    const ps = CONFIG.patchSize;
    const patches = seq.length / ps;
    const ref = await sequenceLogits(tfModel, seq); // [(patches-1) * (S+1) * 257]
    expect(ref.length).toBe((patches - 1) * (ps + 1) * VOCAB_SIZE);
    let worst = 0;
    let compared = 0;
    fast.reset();
    for (let k = 0; k < patches - 1; k++) {
      fast.pushPatch(seq.subarray(k * ps, (k + 1) * ps));
      for (let j = 0; j <= ps; j++) {
        const logits = j === 0 ? fast.beginBytes() : fast.pushByte(seq[(k + 1) * ps + j - 1]);
        const base = (k * (ps + 1) + j) * VOCAB_SIZE;
        for (let v = 0; v < VOCAB_SIZE; v++) worst = Math.max(worst, Math.abs(logits[v] - ref[base + v]));
        compared += VOCAB_SIZE;
      }
    }
    expect(compared).toBe(ref.length);
    expect(worst).toBeLessThan(1e-4);
  });
});
