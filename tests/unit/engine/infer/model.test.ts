// The inference model with smaller weights and several threads (model.ts, shard.ts, threads.ts): every
// thread count gives exactly the bits of one, for every precision, single samples, batches and prefill;
// float16 and Q8_0 stay near float32 on the parity fixture; workers end with the model; the merge hook
// sees the float32 weights before they are packed.
import { describe, it, expect, afterAll } from 'vitest';
import { once } from 'node:events';
import { generate, generateMany, loadInferenceModel, scoreSequence, InferenceModel, threadCount, type Precision } from '../../../../src-main/engine/infer/index';
import { packedBytes } from '../../../../src-main/engine/infer/pack';
import { fileSequence } from '../../../../src-main/shared/patches';
import { TINY_A_CHECKPOINT, tinyA, copyTensors } from './helpers';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const text = (s: string) => new TextEncoder().encode(s);
const INPUTS = path.join(TINY_A_CHECKPOINT, '..', 'inputs');
const opened: InferenceModel[] = [];
async function load(precision: Precision, threads: number, batch = 4): Promise<InferenceModel> {
  const m = await loadInferenceModel(TINY_A_CHECKPOINT, { precision, threads, batch });
  opened.push(m);
  return m;
}
afterAll(async () => {
  await Promise.all(opened.map((m) => m.dispose()));
});

describe('threads', () => {
  const seq = fileSequence(text('two threads share each step of every position; '.repeat(12)), 'txt', 16);
  for (const precision of ['f32', 'f16', 'q8'] as const) {
    it(`give exactly one thread's losses and samples (${precision}: scoring with prefill, one sample, four at once)`, async () => {
      const one = await load(precision, 1);
      const two = await load(precision, 2);
      const three = await load(precision, 3);
      expect(two.threads).toBe(2);
      expect(three.threads).toBe(3);
      const want = scoreSequence(one, seq).nats;
      expect(scoreSequence(two, seq).nats).toEqual(want);
      expect(scoreSequence(three, seq).nats).toEqual(want);
      const opts = { ext: 'txt', seed: 11, maxBytes: 120, prompt: text('a prompt of a few patches, read in one pass') };
      const g = await generate(one, opts);
      expect((await generate(two, opts)).bytes).toEqual(g.bytes);
      expect((await generate(three, opts)).bytes).toEqual(g.bytes);
      const many = { ext: 'bin', seed: 5, maxBytes: 60, count: 4 };
      const a = (await generateMany(one, many)).map((r) => r.bytes);
      expect((await generateMany(two, many)).map((r) => r.bytes)).toEqual(a);
    });
  }

  it('end when the model is disposed; the model then runs on one thread with the same results', async () => {
    const m = await loadInferenceModel(TINY_A_CHECKPOINT, { threads: 3 });
    const workers = m.workerThreads;
    expect(workers).toHaveLength(2);
    const exits = workers.map((w) => once(w, 'exit'));
    const before = scoreSequence(m, seq).nats;
    await m.dispose();
    await Promise.all(exits);
    expect(m.threads).toBe(1);
    expect(m.workerThreads).toHaveLength(0);
    expect(scoreSequence(m, seq).nats).toEqual(before);
  });

  it('come from the option, else BGPT_THREADS, else the cores (at most 4; one for a small model); bad values are refused', async () => {
    expect(threadCount(3, {})).toBe(3);
    expect(threadCount(undefined, { BGPT_THREADS: '1' })).toBe(1);
    expect(threadCount(2, { BGPT_THREADS: '1' })).toBe(2);
    expect(threadCount(undefined, {})).toBeGreaterThanOrEqual(1);
    expect(threadCount(undefined, {})).toBeLessThanOrEqual(4);
    expect(() => threadCount(0, {})).toThrow(/threads must be a whole number from 1 to 16, got 0/);
    expect(() => threadCount(undefined, { BGPT_THREADS: 'many' })).toThrow(/got many/);
    expect(() => threadCount(1.5, {})).toThrow(/got 1.5/);
    // A model reading under 4 M weights a byte (tiny-a: ~0.3 M) gains nothing from threads by default.
    expect(threadCount(undefined, {}, 300_000)).toBe(1);
    expect(threadCount(2, {}, 300_000)).toBe(2);
    expect(threadCount(undefined, { BGPT_THREADS: '2' }, 300_000)).toBe(2);
    const m = await loadInferenceModel(TINY_A_CHECKPOINT);
    opened.push(m);
    expect(m.threads).toBe(1);
  });
});

describe('smaller weights', () => {
  it('stay within 1 % of the float32 per-file loss on the parity fixture (f16 within 0.1 %)', async () => {
    const f32 = await load('f32', 1);
    const f16 = await load('f16', 1);
    const q8 = await load('q8', 1);
    for (const name of await fs.readdir(INPUTS)) {
      const bytes = new Uint8Array(await fs.readFile(path.join(INPUTS, name)));
      const s = fileSequence(bytes, path.extname(name).slice(1), 16).subarray(0, 64 * 16);
      const want = scoreSequence(f32, s).loss;
      expect(Math.abs(scoreSequence(f16, s).loss - want) / want).toBeLessThan(0.001);
      expect(Math.abs(scoreSequence(q8, s).loss - want) / want).toBeLessThan(0.01);
    }
  });

  it('hold the block matrices and the LM head packed (2 or 1.125 bytes a weight), the embeddings in float32', async () => {
    const f32 = await load('f32', 1, 1);
    const f16 = await load('f16', 1, 1);
    const q8 = await load('q8', 1, 1);
    expect(f16.precision).toBe('f16');
    const c = f32.config;
    const d = c.hiddenSize;
    const blocks = (c.patchNumLayers + c.byteNumLayers);
    const shapes = [[d, 3 * d], [d, d], [d, 4 * d], [4 * d, d]];
    const packed = (p: 'f16' | 'q8', nin: number, nout: number) => {
      const b = packedBytes(p, nin, nout);
      return b.weights + b.scales;
    };
    for (const [m, p] of [[f16, 'f16'], [q8, 'q8']] as const) {
      let want = f32.weightBytes;
      for (const [nin, nout] of shapes) want += blocks * (packed(p, nin, nout) - nin * nout * 4);
      // The head is a packed copy of the byte embedding (kept in float32 for the lookups), with a zero bias.
      want += packed(p, d, 257) + 257 * 4;
      expect(m.weightBytes).toBe(want);
    }
    expect(packed('q8', 768, 3072) / (768 * 3072)).toBe(1.125);
    expect(packed('f16', 768, 3072) / (768 * 3072)).toBe(2);
  });

  it('are packed after the merge hook, which sees every tensor in float32 and its PyTorch layout', async () => {
    const { config, tensors } = await tinyA();
    const name = 'byte_level_decoder.base.transformer.h.0.mlp.c_fc.weight';
    const changed = copyTensors(tensors);
    const w = changed.get(name)!.data;
    for (let i = 0; i < w.length; i++) w[i] *= 0.5;
    const seen: string[] = [];
    for (const precision of ['f32', 'q8'] as const) {
      const hooked = await loadInferenceModel(TINY_A_CHECKPOINT, {
        precision, threads: 1,
        merge: (n, data) => {
          seen.push(n);
          if (n === name) {
            expect(data.length).toBe(64 * 256);
            expect(data[1]).toBe(tensors.get(name)!.data[1]); // [in, out] as in the file
            for (let i = 0; i < data.length; i++) data[i] *= 0.5;
          }
        },
      });
      const direct = new InferenceModel(config, changed, 'changed', 1, { precision });
      const s = fileSequence(text('the hook runs before packing'), 'txt', 16);
      expect(scoreSequence(hooked, s).nats).toEqual(scoreSequence(direct, s).nats);
    }
    expect(seen).toContain(name);
    expect(seen).toContain('byte_level_decoder.base.transformer.wte.weight');
  });

  it('refuse an unknown precision in one line', async () => {
    await expect(loadInferenceModel(TINY_A_CHECKPOINT, { precision: 'int4' as Precision })).rejects.toThrow(/precision must be one of f32, f16, q8, got int4/);
  });
});
