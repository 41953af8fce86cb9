// Batched inference (several samples decoded in lockstep, sharing each weight read) against the
// single-sample path it must reproduce exactly, and the streaming checkpoint loader against the
// in-memory one: same logits bit for bit, same bytes for the same seeds.
import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InferenceModel } from '../../../../src-main/engine/infer/model';
import { generate, generateMany } from '../../../../src-main/engine/infer/generate';
import { loadInferenceModel, scoreSequence } from '../../../../src-main/engine/infer/index';
import { fileSequence } from '../../../../src-main/shared/patches';
import { UserError } from '../../../../src-main/shared/errors';
import type { BGPTConfig } from '../../../../src-main/shared/config';
import type { Tensor } from '../../../../src-main/engine/io/safetensors';
import { TINY_A_CHECKPOINT, copyTensors, tinyA } from './helpers';
import { tempDir } from '../../../helpers/temp';

const BYTE_LN_F = 'byte_level_decoder.base.transformer.ln_f.';
const BYTE_WTE = 'byte_level_decoder.base.transformer.wte.weight';
const text = (s: string) => new TextEncoder().encode(s);

let config: BGPTConfig;
let tensors: Map<string, Tensor>;
let single: InferenceModel;
let batched: InferenceModel;

beforeAll(async () => {
  ({ config, tensors } = await tinyA());
  single = new InferenceModel(config, tensors, 'tiny-a');
  batched = new InferenceModel(config, tensors, 'tiny-a', 4);
});

describe('batched decoding', () => {
  it('gives each sample the logits the single path gives it, bit for bit', () => {
    const p = config.patchSize;
    const seqs = [fileSequence(text('hello, batched world: 0123456789'), 'txt', p), fileSequence(text('another file, other bytes!!'), 'md', p)];
    const patches = Math.min(...seqs.map((s) => s.length / p));
    batched.reset();
    for (let i = 0; i + 1 < patches; i++) {
      const both = new Int32Array(2 * p);
      both.set(seqs[0].subarray(i * p, (i + 1) * p));
      both.set(seqs[1].subarray(i * p, (i + 1) * p), p);
      batched.pushPatches(both);
      let logits = Float32Array.from(batched.beginBytesAll());
      const perByte: Float32Array[] = [logits];
      for (let j = 0; j + 1 < p; j++) {
        logits = Float32Array.from(batched.pushBytes([seqs[0][(i + 1) * p + j], seqs[1][(i + 1) * p + j]]));
        perByte.push(logits);
      }
      // The same positions through the single path, one sample after the other.
      for (let r = 0; r < 2; r++) {
        single.reset();
        for (let q = 0; q <= i; q++) single.pushPatch(seqs[r].subarray(q * p, (q + 1) * p));
        const want = [Float32Array.from(single.beginBytes())];
        for (let j = 0; j + 1 < p; j++) want.push(Float32Array.from(single.pushByte(seqs[r][(i + 1) * p + j])));
        for (let j = 0; j < p; j++) expect(perByte[j].subarray(r * 257, (r + 1) * 257)).toEqual(want[j]);
      }
    }
  });

  it('makes with generateMany exactly the files generate makes with seeds s, s+1, ... (prompt ending inside a patch)', async () => {
    const prompt = text('X:1\nT:a prompt that ends inside a patch');
    const many = await generateMany(batched, { ext: 'abc', prompt, seed: 40, maxBytes: 120, topK: 20, count: 3 });
    expect(many).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const one = await generate(single, { ext: 'abc', prompt, seed: 40 + i, maxBytes: 120, topK: 20 });
      expect(many[i].seed).toBe(40 + i);
      expect(many[i].bytes).toEqual(one.bytes);
      expect(many[i].stoppedBy).toBe(one.stoppedBy);
      expect(many[i].patches).toBe(one.patches);
    }
    expect(new Set(many.map((r) => Buffer.from(r.bytes).toString('hex'))).size).toBe(3);
  });

  it('lets each sample stop on its own (end, max bytes) while the others go on', async () => {
    // 256 gets a moderate probability (logit 4 against about 0 for the others): some files end early.
    const pinned = copyTensors(tensors);
    const d = config.hiddenSize;
    pinned.get(`${BYTE_LN_F}weight`)!.data.fill(0);
    pinned.get(`${BYTE_LN_F}bias`)!.data.fill(0)[0] = 1;
    pinned.get(BYTE_WTE)!.data[256 * d] = 4;
    pinned.get('byte_level_decoder.base.lm_head.weight')!.data.set(pinned.get(BYTE_WTE)!.data);
    const one = new InferenceModel(config, pinned, 'pinned');
    const four = new InferenceModel(config, pinned, 'pinned', 4);
    const events: number[] = [];
    const many = await generateMany(four, { ext: 'txt', constrain: false, seed: 3, maxBytes: 12, count: 4, onPatch: (e) => events.push(e.sample ?? -1) });
    const reasons = new Set(many.map((r) => r.stoppedBy));
    expect(reasons).toEqual(new Set(['end', 'max-bytes']));
    for (let i = 0; i < 4; i++) {
      const want = await generate(one, { ext: 'txt', constrain: false, seed: 3 + i, maxBytes: 12 });
      expect(many[i].bytes).toEqual(want.bytes);
      expect(many[i].stoppedBy).toBe(want.stoppedBy);
    }
    expect(new Set(events)).toEqual(new Set(many.map((r, i) => (r.generated > 0 ? i : -2)).filter((i) => i >= 0)));
  });

  it('refuses more samples than the model was loaded for, and a bad batch size, in one line', async () => {
    await expect(generateMany(batched, { ext: 'txt', count: 5 })).rejects.toThrow(/at most 4 samples/);
    await expect(generateMany(batched, { ext: 'txt', count: 0 })).rejects.toThrow(UserError);
    expect(() => new InferenceModel(config, tensors, 'x', 0)).toThrow(/from 1 to/);
  });

  it('sizes the caches by the batch: each extra sample adds one set of key/value caches', () => {
    const d = config.hiddenSize;
    const caches = 2 * d * (config.patchNumLayers * config.patchLength + config.byteNumLayers * (config.patchSize + 1)) * 4;
    // Scratch grows a little too (a few rows of d per sample), so compare with a tolerance of scratch size.
    const extra = (batched.memoryBytes - single.memoryBytes) / 3;
    expect(extra).toBeGreaterThanOrEqual(caches);
    expect(extra).toBeLessThan(caches + 20 * d * 4 + 257 * 4 + 64);
  });
});

describe('prefill (several positions of one sequence per pass)', () => {
  const long = text('Prefill reads a prompt or a scored file several patches at a time; every position must come out exactly as one at a time. '.repeat(3));

  it('scores a file to exactly the per-byte losses of the one-position path, for groups that do not divide it', () => {
    const seq = fileSequence(long, 'txt', config.patchSize);
    const want = scoreSequence(single, seq);
    for (const batch of [2, 3, 4]) {
      const got = scoreSequence(new InferenceModel(config, tensors, 'tiny-a', batch), seq);
      expect(got.nats).toEqual(want.nats);
      expect(got.loss).toBe(want.loss);
    }
  });

  it('scores the head of a file longer than the window exactly as the one-position path', () => {
    const seq = fileSequence(new Uint8Array(config.patchSize * (config.patchLength + 5)).map((_, i) => (i * 37) % 256), 'bin', config.patchSize);
    const want = scoreSequence(single, seq);
    const got = scoreSequence(batched, seq);
    expect(got.cropped).toBe(true);
    expect(got.nats).toEqual(want.nats);
  });

  it('continues a long prompt with the same bytes as the one-position path', async () => {
    const a = await generate(batched, { ext: 'txt', prompt: long, seed: 21, maxBytes: 40 });
    const b = await generate(single, { ext: 'txt', prompt: long, seed: 21, maxBytes: 40 });
    expect(a.bytes).toEqual(b.bytes);
  });
});

describe('streaming checkpoint loader', () => {
  it('loads the same weights as the in-memory path: identical per-byte losses', async () => {
    const streamed = await loadInferenceModel(TINY_A_CHECKPOINT, { threads: 1 });
    const seq = fileSequence(text('the streaming loader reads each tensor into place'), 'txt', config.patchSize);
    expect(scoreSequence(streamed, seq).nats).toEqual(scoreSequence(single, seq).nats);
    expect(streamed.memoryBytes).toBe(single.memoryBytes);
  });

  it('loads a batched model from a folder', async () => {
    const m = await loadInferenceModel(TINY_A_CHECKPOINT, { batch: 2 });
    expect(m.batch).toBe(2);
    const [a] = await generateMany(m, { ext: 'txt', constrain: false, seed: 9, maxBytes: 20, count: 2 });
    expect(a.bytes).toEqual((await generate(single, { ext: 'txt', constrain: false, seed: 9, maxBytes: 20 })).bytes);
  });

  it('refuses a truncated model file in one line naming it', async () => {
    const dir = tempDir('bgpt-trunc-');
    await fs.copyFile(path.join(TINY_A_CHECKPOINT, 'config.json'), path.join(dir, 'config.json'));
    const bytes = await fs.readFile(path.join(TINY_A_CHECKPOINT, 'model.safetensors'));
    await fs.writeFile(path.join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 100));
    await expect(loadInferenceModel(dir)).rejects.toThrow(UserError);
    await expect(loadInferenceModel(dir)).rejects.toThrow(/model\.safetensors.*(truncated|out of range)/);
  });
});
