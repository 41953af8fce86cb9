// The cached inference path against the reference PyTorch fixtures: logits within 1e-3, per-file loss
// within 1e-4 (docs/model.md), which holds only if both key/value caches are right.
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InferenceModel } from '../../../../src-main/engine/infer/model';
import { scoreSequence } from '../../../../src-main/engine/infer/score';
import { fileSequence, extOf } from '../../../../src-main/shared/patches';
import { UserError } from '../../../../src-main/shared/errors';
import { parameterCount } from '../../../../src-main/shared/config';
import { TINY_A, tinyA } from './helpers';

interface Expected { loss: number; num_patches: number; num_predicted_positions: number; input_ids: number[] }
interface LogitsFirst { file: string; shape: [number, number, number]; logits: number[][][] }

let model: InferenceModel;
let expected: Record<string, Expected>;

beforeAll(async () => {
  const { config, tensors } = await tinyA();
  model = new InferenceModel(config, tensors, 'tiny-a');
  expected = JSON.parse(await fs.readFile(path.join(TINY_A, 'expected.json'), 'utf8'));
});

describe('cached inference parity with the reference (tiny-a)', () => {
  it('gives the byte-decoder logits of logits_first.json within 1e-3', async () => {
    const ref: LogitsFirst = JSON.parse(await fs.readFile(path.join(TINY_A, 'logits_first.json'), 'utf8'));
    const ids = Int32Array.from(expected[ref.file].input_ids);
    const [targets, positions, vocab] = ref.shape;
    const ps = model.config.patchSize;
    let worst = 0;
    model.reset();
    for (let k = 0; k < targets; k++) {
      model.pushPatch(ids.subarray(k * ps, (k + 1) * ps));
      for (let j = 0; j < positions; j++) {
        const logits = j === 0 ? model.beginBytes() : model.pushByte(ids[(k + 1) * ps + j - 1]);
        for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(logits[v] - ref.logits[k][j][v]));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('gives each file\'s loss of expected.json within 1e-4, from the file bytes', async () => {
    for (const [name, e] of Object.entries(expected)) {
      const bytes = new Uint8Array(await fs.readFile(path.join(TINY_A, name)));
      const seq = fileSequence(bytes, extOf(name), model.config.patchSize).slice(0, model.config.patchLength * model.config.patchSize);
      expect(Array.from(seq)).toEqual(e.input_ids);
      const score = scoreSequence(model, seq);
      expect(score.patches).toBe(e.num_patches);
      expect(score.nats.length).toBe(e.num_predicted_positions);
      expect(Math.abs(score.loss - e.loss)).toBeLessThan(1e-4);
    }
  });

  it('scores only the head of a sequence longer than the window, and says so', () => {
    const ps = model.config.patchSize;
    const long = new Int32Array((model.config.patchLength + 3) * ps).fill(65);
    const score = scoreSequence(model, long);
    expect(score.cropped).toBe(true);
    expect(score.patches).toBe(model.config.patchLength);
  });
});

describe('loading weights', () => {
  it('names a missing tensor', async () => {
    const { config, tensors } = await tinyA();
    tensors.delete('byte_level_decoder.base.transformer.h.0.mlp.c_fc.bias');
    expect(() => new InferenceModel(config, tensors, 'm.safetensors')).toThrow(UserError);
    expect(() => new InferenceModel(config, tensors, 'm.safetensors')).toThrow(/byte_level_decoder\.base\.transformer\.h\.0\.mlp\.c_fc\.bias is missing/);
  });

  it('names a tensor whose shape does not fit the config, with both shapes', async () => {
    const { config, tensors } = await tinyA();
    expect(() => new InferenceModel({ ...config, hiddenSize: 128, numHeads: 2 }, tensors, 'm.safetensors'))
      .toThrow(/m\.safetensors: tensor patch_level_decoder\.patch_embedding\.weight has shape \[64, 4112\], config\.json expects \[128, 4112\]/);
  });

  it('sizes its memory from the config: the weights once (LM head tied) plus both caches', () => {
    const c = model.config;
    const d = c.hiddenSize;
    const weights = parameterCount(c) - d; // the patch level's unused wte is not loaded
    const caches = 2 * d * (c.patchNumLayers * c.patchLength + c.byteNumLayers * (c.patchSize + 1));
    // x, qkv, attention, MLP and feature rows, one thread's layer-norm row and scores, the logits.
    const scratch = 11 * d + Math.max(c.patchLength, c.patchSize + 1) + 257;
    const expected = 4 * (weights + caches + scratch);
    // Each buffer starts 16-byte aligned: at most 12 bytes of padding per buffer.
    expect(model.memoryBytes).toBeGreaterThanOrEqual(expected);
    expect(model.memoryBytes - expected).toBeLessThan(16 * 120);
  });

  it('keeps its own copy of the weights', async () => {
    const { config, tensors } = await tinyA();
    const own = new InferenceModel(config, tensors);
    const ids = Int32Array.from(expected['inputs/apache-2.0-head.md'].input_ids);
    const before = scoreSequence(own, ids).loss;
    for (const t of tensors.values()) t.data.fill(0);
    expect(scoreSequence(own, ids).loss).toBe(before);
  });
});
