// Generation and conversion on the tiny-a checkpoint: seeds, limits, the end value, prompts that end
// inside a patch, progress events, cancellation, one generation per model, and bad input.
import { describe, it, expect, beforeAll } from 'vitest';
import { InferenceModel } from '../../../../src-main/engine/infer/model';
import { convert, generate, type PatchEvent } from '../../../../src-main/engine/infer/generate';
import { benchGenerate } from '../../../../src-main/engine/infer/bench';
import { startPatch } from '../../../../src-main/shared/patches';
import { UserError } from '../../../../src-main/shared/errors';
import { copyTensors, tinyA } from './helpers';

const BYTE_LN_F = 'byte_level_decoder.base.transformer.ln_f.';
const BYTE_WTE = 'byte_level_decoder.base.transformer.wte.weight';

let model: InferenceModel;
/** tiny-a with the byte decoder's output pinned so that 256 always wins: every file ends at once. */
let endsAtOnce: InferenceModel;

beforeAll(async () => {
  const { config, tensors } = await tinyA();
  model = new InferenceModel(config, tensors, 'tiny-a');
  const pinned = copyTensors(tensors);
  const d = config.hiddenSize;
  // ln_f output becomes the constant e_0, so logit v = wte[v][0]; make value 256's the largest.
  pinned.get(`${BYTE_LN_F}weight`)!.data.fill(0);
  pinned.get(`${BYTE_LN_F}bias`)!.data.fill(0)[0] = 1;
  pinned.get(BYTE_WTE)!.data[256 * d] = 1000;
  pinned.get('byte_level_decoder.base.lm_head.weight')!.data.set(pinned.get(BYTE_WTE)!.data);
  endsAtOnce = new InferenceModel(config, pinned, 'pinned');
});

const text = (s: string) => new TextEncoder().encode(s);

describe('generate', () => {
  it('gives the same bytes for the same seed, others for another seed', async () => {
    const a = await generate(model, { ext: 'txt', seed: 11, maxBytes: 100 });
    const b = await generate(model, { ext: 'txt', seed: 11, maxBytes: 100 });
    const c = await generate(model, { ext: 'txt', seed: 12, maxBytes: 100 });
    expect(a.bytes).toEqual(b.bytes);
    expect(a.bytes).not.toEqual(c.bytes);
    expect(a.seed).toBe(11);
  });

  it('stops at max bytes', async () => {
    const r = await generate(model, { ext: 'txt', seed: 1, maxBytes: 37, excludeEnd: true });
    expect(r).toMatchObject({ generated: 37, stoppedBy: 'max-bytes', patches: 4 });
    expect(r.bytes.length).toBe(37);
    expect(r.bytesPerSecond).toBeGreaterThan(0);
  });

  it('stops when the window is full (64 patches: the start patch and 63 generated)', async () => {
    const r = await generate(model, { ext: 'txt', seed: 2, excludeEnd: true });
    expect(r).toMatchObject({ generated: 63 * 16, stoppedBy: 'window', patches: 64 });
  });

  it('ends the file at the first sampled 256', async () => {
    const r = await generate(endsAtOnce, { ext: 'txt', seed: 3, prompt: text('hello') });
    expect(r).toMatchObject({ generated: 0, stoppedBy: 'end' });
    expect(new TextDecoder().decode(r.bytes)).toBe('hello');
  });

  it('never samples 256 when asked to exclude it', async () => {
    const r = await generate(endsAtOnce, { ext: 'txt', seed: 3, maxBytes: 20, excludeEnd: true });
    expect(r).toMatchObject({ generated: 20, stoppedBy: 'max-bytes' });
  });

  it('continues a prompt that ends inside a patch from the model\'s prediction after it', async () => {
    const prompt = text('GNU GENERAL PUBLIC LICENSE, Ver'); // 31 bytes: one whole patch and 15 bytes
    const r = await generate(model, { ext: 'txt', prompt, seed: 5, maxBytes: 1, topK: 1 });
    // The same prediction by hand: start patch, first prompt patch, then the 15 bytes through the byte decoder.
    model.reset();
    model.pushPatch(startPatch('txt', 16));
    model.pushPatch(prompt.subarray(0, 16));
    let logits = model.beginBytes();
    for (const b of prompt.subarray(16)) logits = model.pushByte(b);
    const best = logits.indexOf(Math.max(...logits));
    expect(Array.from(r.bytes.subarray(0, 31))).toEqual(Array.from(prompt));
    expect(r.bytes[31]).toBe(best);
    expect(r.patches).toBe(3);
  });

  it('reports each patch once, in order, with the bytes of the result', async () => {
    const events: PatchEvent[] = [];
    const prompt = text('abcdefghij'); // ends inside patch 1
    const r = await generate(model, { ext: 'md', prompt, seed: 9, maxBytes: 40, excludeEnd: true, onPatch: (e) => events.push(e) });
    // patch 1 holds the 10 prompt bytes and 6 sampled ones; the 40th byte falls in patch 4
    expect(events.map((e) => e.patch)).toEqual([1, 2, 3, 4]);
    expect(events.map((e) => e.bytes.length)).toEqual([6, 16, 16, 2]);
    const joined = Uint8Array.from(events.flatMap((e) => Array.from(e.bytes)));
    expect(joined).toEqual(r.bytes.subarray(prompt.length));
    expect(events.at(-1)!.generated).toBe(40);
  });

  it('stops at the next patch when cancelled and returns what it made', async () => {
    const controller = new AbortController();
    const r = await generate(model, {
      ext: 'txt', seed: 4, excludeEnd: true, signal: controller.signal,
      onPatch: (e) => { if (e.patch === 2) controller.abort(); },
    });
    expect(r).toMatchObject({ stoppedBy: 'cancelled', generated: 32, patches: 3 });
  });

  it('makes nothing when the signal is already aborted', async () => {
    const r = await generate(model, { ext: 'txt', seed: 1, signal: AbortSignal.abort() });
    expect(r).toMatchObject({ stoppedBy: 'cancelled', generated: 0, patches: 1 });
  });

  it('runs one generation per model at a time', async () => {
    const first = generate(model, { ext: 'txt', seed: 1, maxBytes: 64, excludeEnd: true });
    await expect(generate(model, { ext: 'txt', seed: 1, maxBytes: 8 })).rejects.toThrow(/already generating/);
    await first;
    await expect(generate(model, { ext: 'txt', seed: 1, maxBytes: 8 })).resolves.toMatchObject({ generated: 8 });
  });

  it('refuses bad options with one clear line', async () => {
    await expect(generate(model, { ext: 'txt', temperature: 0 })).rejects.toThrow(/temperature must be a number > 0/);
    await expect(generate(model, { ext: 'txt', topP: 2 })).rejects.toThrow(/top-p must be in \(0, 1\]/);
    await expect(generate(model, { ext: 'txt', topK: -1 })).rejects.toThrow(/top-k must be a whole number/);
    await expect(generate(model, { ext: 'txt', maxBytes: 0 })).rejects.toThrow(/max bytes must be a whole number ≥ 1, got 0/);
    await expect(generate(model, { ext: 'txt', seed: -1 })).rejects.toThrow(/seed must be a whole number/);
    await expect(generate(model, { ext: '' })).rejects.toThrow(UserError);
    await expect(generate(model, { ext: 'txt', prompt: new Uint8Array(63 * 16) })).rejects.toThrow(/the prompt is 1008 bytes; this model's window of 64 patches leaves room for at most 1007/);
  });
});

describe('convert', () => {
  it('reads the input without its end patch, then decodes after the target start patch', async () => {
    const input = text('X:1\nT:tune\nK:C\nabc|\n');
    const r = await convert(model, { input, inputExt: 'abc', to: 'txt', seed: 2, maxBytes: 24, excludeEnd: true });
    // input: start patch + 2 data patches; then the target start patch; then 2 generated patches
    expect(r).toMatchObject({ generated: 24, stoppedBy: 'max-bytes', patches: 6 });
    expect(r.bytes.length).toBe(24);
  });

  it('stops at the first 256', async () => {
    const r = await convert(endsAtOnce, { input: text('hello'), inputExt: 'txt', to: 'md', seed: 1 });
    expect(r).toMatchObject({ generated: 0, stoppedBy: 'end' });
  });

  it('refuses an input that leaves no room in the window', async () => {
    await expect(convert(model, { input: new Uint8Array(61 * 16 + 1), inputExt: 'txt', to: 'md' }))
      .rejects.toThrow(/the input is 977 bytes; conversion needs it and two more patches in this model's window of 64 patches \(at most 976 bytes\)/);
  });
});

describe('benchGenerate', () => {
  it('generates the asked number of bytes on the bench model', async () => {
    const r = await benchGenerate(32);
    expect(r).toMatchObject({ bytes: 32, windows: 1, config: { hiddenSize: 256, numHeads: 4, patchNumLayers: 4, byteNumLayers: 2, patchLength: 64 } });
    expect(r.bytesPerSecond).toBeGreaterThan(0);
  });
});
