import { describe, it, expect } from 'vitest';
import { lacks } from '../../../helpers/system';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../../../src-main/engine/backend/backend';
import { loadModel } from '../../../../src-main/engine/io/checkpoint';
import { evaluate, headWindow, sequenceLogits } from '../../../../src-main/engine/eval/evaluate';
import { loadInferenceModel } from '../../../../src-main/engine/infer';
import { fileSurprisal } from '../../../../src-main/engine/infer/score';
import { readInputFile } from '../../../../src-main/engine/io/files';
import { tempDir } from '../../../helpers/temp';

const DIR = fileURLToPath(new URL('../../../fixtures/parity/tiny-a/', import.meta.url));
const CHECKPOINT = DIR + 'checkpoint';
const expected = JSON.parse(readFileSync(DIR + 'expected.json', 'utf8')) as Record<string, { loss: number; num_patches: number; input_ids: number[] }>;
const logitsFirst = JSON.parse(readFileSync(DIR + 'logits_first.json', 'utf8')) as { file: string; shape: number[]; logits: number[][][] };

describe.each((lacks('webgpu') ? ['cpu', 'wasm'] : ['cpu', 'wasm', 'webgpu']) as BackendName[])('parity with the reference on %s', (backend) => {
  it('gives the reference per-file losses within 1e-4, without leaking tensors', async () => {
    await initBackend(backend);
    const files = await Promise.all(Object.keys(expected).map((name) => readInputFile(DIR + name)));
    const before = tf.memory().numTensors;
    const report = await evaluate({ checkpoint: CHECKPOINT, files, backend });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.backend).toBe(backend);
    expect(report.warnings).toEqual([]);
    for (const f of report.files) {
      const e = expected[f.path.slice(DIR.length)];
      expect(Math.abs(f.loss - e.loss)).toBeLessThan(1e-4);
      expect(f.bitsPerByte).toBeCloseTo(f.loss / Math.LN2, 10);
      expect(f.patches).toBe(e.num_patches);
    }
  });

  it('gives the reference byte-level logits of the first file within 1e-3', async () => {
    await initBackend(backend);
    const model = await loadModel(CHECKPOINT);
    const file = await readInputFile(DIR + logitsFirst.file);
    const got = await sequenceLogits(model, headWindow(file, model.config));
    model.dispose();
    const want = logitsFirst.logits.flat(2);
    // Only the first target patches are in the fixture: compare that prefix.
    expect(logitsFirst.shape).toEqual([4, 17, 257]);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThan(1e-3);
  });
});

describe('per-byte surprisal', () => {
  it('gives per-byte surprisal (on the kernels) whose mean over the data matches the loss positions', async () => {
    const name = 'inputs/apache-2.0-head.md';
    const bytes = new Uint8Array(readFileSync(DIR + name));
    const r = fileSurprisal(await loadInferenceModel(CHECKPOINT), bytes, 'md');
    expect(r.bits.length).toBe(bytes.length);
    expect(r.windows).toBe(1);
    // The file's bits per byte is the reference loss of its window, as evaluation computes it.
    expect(Math.abs(r.loss - expected[name].loss)).toBeLessThan(1e-4);
    // 512 bytes fill 32 patches exactly: the data positions are all predicted positions but the end patch.
    const e = expected[name];
    const dataBits = r.bits.reduce((a, b) => a + b, 0);
    expect(dataBits / Math.LOG2E).toBeLessThan(e.loss * (e.num_patches - 1) * 16);
    expect(Math.min(...r.bits)).toBeGreaterThanOrEqual(0);
  });
});

describe('bad checkpoints', () => {
  it('names a missing folder, a missing config and an empty input file', async () => {
    await initBackend('cpu');
    await expect(evaluate({ checkpoint: '/nonexistent/ckpt', files: [{ name: 'a.txt', ext: 'txt', bytes: new Uint8Array([1]) }] }))
      .rejects.toThrow(/checkpoint \/nonexistent\/ckpt: no such folder/);
    await expect(evaluate({ checkpoint: DIR + 'inputs', files: [{ name: 'a.txt', ext: 'txt', bytes: new Uint8Array([1]) }] }))
      .rejects.toThrow(/config\.json: cannot read the checkpoint config \(no such file\)/);
    await expect(evaluate({ checkpoint: CHECKPOINT, files: [{ name: 'empty.txt', ext: 'txt', bytes: new Uint8Array(0) }] }))
      .rejects.toThrow(/empty\.txt: file is empty/);
  });
});

describe('checkpoints that do not fit their config', () => {
  it('names the tensor and both shapes, and rejects a corrupt weights file', async () => {
    const { writeFileSync, copyFileSync } = await import('node:fs');
    await initBackend('cpu');
    const dir = tempDir('bgpt-ckpt-');
    copyFileSync(CHECKPOINT + '/model.safetensors', dir + '/model.safetensors');
    writeFileSync(dir + '/config.json', JSON.stringify({ patch_size: 16, patch_length: 64, hidden_size: 32, patch_num_layers: 2, byte_num_layers: 1 }));
    await expect(loadModel(dir)).rejects.toThrow(/tensor patch_level_decoder\.patch_embedding\.weight has shape \[64, 4112\], config\.json expects \[32, 4112\]/);
    writeFileSync(dir + '/config.json', readFileSync(CHECKPOINT + '/config.json'));
    writeFileSync(dir + '/model.safetensors', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await expect(loadModel(dir)).rejects.toThrow(/model\.safetensors: /);
    writeFileSync(dir + '/config.json', '{not json');
    await expect(loadModel(dir)).rejects.toThrow(/config\.json: not valid JSON/);
  });
});

describe('checkpoint round trip', () => {
  it('writes the reference tensor names, order and layouts back unchanged', async () => {
    const { saveModel } = await import('../../../../src-main/engine/io/checkpoint');
    await initBackend('cpu');
    const model = await loadModel(CHECKPOINT);
    const dir = tempDir('bgpt-save-') + '/ckpt';
    await saveModel(dir, model);
    model.dispose();
    const header = (file: string) => {
      const bytes = readFileSync(file);
      const n = Number(bytes.readBigUInt64LE(0));
      const json = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { shape: number[] }>;
      return Object.entries(json).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, v.shape]);
    };
    expect(header(dir + '/model.safetensors')).toEqual(header(CHECKPOINT + '/model.safetensors'));
    expect(readFileSync(dir + '/model.safetensors').subarray(-4096)).toEqual(readFileSync(CHECKPOINT + '/model.safetensors').subarray(-4096));
    expect(JSON.parse(readFileSync(dir + '/config.json', 'utf8'))).toEqual(JSON.parse(readFileSync(CHECKPOINT + '/config.json', 'utf8')));
  });
});
