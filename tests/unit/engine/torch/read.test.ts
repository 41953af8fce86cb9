// The PyTorch checkpoint reader against the reference trainer's own file (tests/fixtures/parity/tiny-a/
// model.pth, saved by torch.save with optimizer and scheduler state): same tensors as the studio
// checkpoint made from the same weights, the same per-file losses on cpu and wasm and through the fast
// inference path, and `.pth` accepted where a checkpoint folder is.
import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../../../src-main/engine/backend/backend';
import { evaluate } from '../../../../src-main/engine/eval/evaluate';
import { readInputFile } from '../../../../src-main/engine/io/files';
import { readCheckpointConfig } from '../../../../src-main/engine/io/checkpoint';
import { loadInferenceModel, scoreSequence } from '../../../../src-main/engine/infer/index';
import { readSafetensors } from '../../../../src-main/engine/io/safetensors';
import { fileSequence, extOf } from '../../../../src-main/shared/patches';
import { inspectTorchCheckpoint, readTorchCheckpoint } from '../../../../src-main/engine/torch/index';
import { checkpointForm } from '../../../../src-main/checkpoint';

/** Bit-exact float arrays, compared as bytes (vitest's deep equality is slow on large typed arrays). */
const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const DIR = path.join(import.meta.dirname, '../../../fixtures/parity/tiny-a');
const PTH = path.join(DIR, 'model.pth');
const CHECKPOINT = path.join(DIR, 'checkpoint');

async function expected(): Promise<Record<string, { loss: number; num_patches: number }>> {
  return JSON.parse(await fs.readFile(path.join(DIR, 'expected.json'), 'utf8'));
}

describe('reading the reference trainer\'s .pth', () => {
  it('gives exactly the tensors of the studio checkpoint, the config and the trainer\'s dict fields', async () => {
    const c = await readTorchCheckpoint(PTH);
    expect(c.kind).toBe('generative');
    expect(c.config).toEqual(await readCheckpointConfig(CHECKPOINT));
    expect(c.labels).toBeUndefined();
    expect(c.meta).toMatchObject({ epoch: 0, bestEpoch: 0, minEvalLoss: 0, hasOptimizer: true });
    const { tensors } = await readSafetensors(path.join(CHECKPOINT, 'model.safetensors'));
    // The attention buffers (attn.bias, attn.masked_bias) are dropped; every parameter is there.
    expect([...c.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    expect([...c.tensors.keys()].some((n) => n.endsWith('.attn.bias') || n.endsWith('.attn.masked_bias'))).toBe(false);
    for (const [name, t] of tensors) {
      const got = c.tensors.get(name)!;
      expect(got.shape, name).toEqual(t.shape);
      expect(bytesOf(got.data).equals(bytesOf(t.data)), name).toBe(true);
    }
  });

  it('inspects without reading tensors: config, kind, shapes and parameter count', async () => {
    const info = await inspectTorchCheckpoint(PTH);
    expect(info.config.hiddenSize).toBe(64);
    expect(info.shapes.get('patch_level_decoder.patch_embedding.weight')).toEqual([64, 16 * 257]);
    const { tensors } = await readSafetensors(path.join(CHECKPOINT, 'model.safetensors'));
    let n = 0;
    for (const [name, t] of tensors) if (name !== 'byte_level_decoder.base.lm_head.weight') n += t.data.length;
    expect(info.parameters).toBe(n);
    // Recognised by its content (checkpoint/form.ts), not its name.
    expect(await checkpointForm(PTH)).toBe('torch');
    expect(await checkpointForm(CHECKPOINT)).toBe('folder');
  });

  it.each(['cpu', 'wasm'] as BackendName[])('gives the reference per-file losses through the .pth on %s (as through the folder)', async (backend) => {
    await initBackend(backend);
    const want = await expected();
    const files = await Promise.all(Object.keys(want).map((name) => readInputFile(path.join(DIR, name))));
    const before = tf.memory().numTensors;
    const viaPth = await evaluate({ checkpoint: PTH, files, backend });
    expect(tf.memory().numTensors).toBe(before);
    const viaDir = await evaluate({ checkpoint: CHECKPOINT, files, backend });
    expect(viaPth.backend).toBe(backend);
    viaPth.files.forEach((f, i) => {
      const e = want[path.relative(DIR, f.path)];
      expect(Math.abs(f.loss - e.loss)).toBeLessThan(1e-4);
      expect(Math.abs(f.loss - viaDir.files[i].loss)).toBeLessThan(1e-6);
      expect(f.patches).toBe(e.num_patches);
    });
  });

  it('gives the reference per-file losses through the fast inference path', async () => {
    const want = await expected();
    const model = await loadInferenceModel(PTH);
    for (const [name, e] of Object.entries(want)) {
      const bytes = new Uint8Array(await fs.readFile(path.join(DIR, name)));
      const seq = fileSequence(bytes, extOf(name), model.config.patchSize).slice(0, model.config.patchLength * model.config.patchSize);
      expect(Math.abs(scoreSequence(model, seq).loss - e.loss)).toBeLessThan(1e-4);
    }
  });
});

describe('a file saved by PyTorch itself in float16 / bfloat16 (tests/fixtures/torch/make_mixed.py)', () => {
  it('widens each tensor to float32 within its precision and reads a strided view in order', async () => {
    const mixed = await readTorchCheckpoint(path.join(import.meta.dirname, '../../../fixtures/torch/mixed.pth'));
    const ref = await readTorchCheckpoint(PTH);
    expect(mixed.config).toEqual(ref.config);
    expect(mixed.meta.hasOptimizer).toBe(false);
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const bits = (v: number): number => { f32[0] = v; return u32[0]; };
    for (const [name, t] of ref.tensors) {
      const got = mixed.tensors.get(name)!.data;
      if (name === 'patch_level_decoder.base.h.0.attn.c_attn.weight') {
        expect(bytesOf(got).equals(bytesOf(t.data)), name).toBe(true); // float32, stored transposed: exact, in row-major order
        continue;
      }
      const half = name.startsWith('patch_level_decoder.');
      // Counted, then checked once per tensor: one expect per element is far too slow.
      let tooFar = 0;
      let notWidened = 0;
      for (let i = 0; i < t.data.length; i++) {
        const x = t.data[i];
        const err = Math.abs(got[i] - x);
        if (half) {
          if (err > Math.max(Math.abs(x) * 2 ** -11, 2 ** -25)) tooFar++;
          // A widened half: no float32 mantissa bits below the half's 10 (normal numbers).
          if (Math.abs(got[i]) >= 2 ** -14 && (bits(got[i]) & 0x1fff) !== 0) notWidened++;
        } else {
          if (err > Math.abs(x) * 2 ** -8) tooFar++;
          if ((bits(got[i]) & 0xffff) !== 0) notWidened++;
        }
      }
      expect([tooFar, notWidened], name).toEqual([0, 0]);
    }
  });
});
