// Export → reference-format file → import is exact (docs/pytorch.md "Done when"): `bgpt export torch` writes a
// weights.pth whose state dict has the reference trainer's own names, order, shapes and attention
// buffers (a strict load_state_dict in the reference's transformers 4.18 needs them), reads back to
// identical tensors and identical losses; config.py and the data folders are what the trainers read.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdirSync, cpSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../../src-main/cli/framework';
import { exportTorchCommand } from '../../../../src-main/cli/commands/export';
import { evalCommand } from '../../../../src-main/cli/commands/eval';
import { datasetsImport } from '../../../../src-main/cli/commands/datasets';
import { readSafetensors } from '../../../../src-main/engine/io/safetensors';
import { parseReferenceLog, readReferenceLog, readTorchCheckpoint, writeTorchCheckpoint } from '../../../../src-main/engine/torch/index';
import { TorchZip } from '../../../../src-main/engine/torch/zip';
import { DTYPE_BYTES, PyDict, TensorRef, unpickle } from '../../../../src-main/engine/torch/pickle';
import { initialTensors } from '../../../../src-main/engine/model/weights';
import { tempDir } from '../../../helpers/temp';

/** Bit-exact float arrays, compared as bytes (vitest's deep equality is slow on large typed arrays). */
const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const FIXTURE = path.join(import.meta.dirname, '../../../fixtures/parity/tiny-a');
const CHECKPOINT = path.join(FIXTURE, 'checkpoint');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([exportTorchCommand, evalCommand, datasetsImport], argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

/** Every entry of a .pth's `model` state dict, buffers included: dtype, shape and stored bytes. */
async function rawStateDict(file: string): Promise<Array<{ name: string; dtype: string; shape: number[]; bytes: Buffer }>> {
  const zip = await TorchZip.open(file);
  try {
    const prefix = [...zip.entries.keys()].find((n) => n.endsWith('/data.pkl'))!.slice(0, -'data.pkl'.length);
    const root = unpickle(await zip.readEntry(`${prefix}data.pkl`, 1 << 26)) as PyDict;
    const out = [];
    for (const [name, ref] of (root.map.get('model') as PyDict).map) {
      const t = ref as TensorRef;
      const all = await zip.readEntry(`${prefix}data/${t.storage.key}`, 1 << 30);
      const n = t.shape.reduce((a, b) => a * b, 1);
      const elem = DTYPE_BYTES[t.storage.dtype];
      out.push({ name: name as string, dtype: t.storage.dtype, shape: t.shape, bytes: all.subarray(t.offset * elem, (t.offset + n) * elem) });
    }
    return out;
  } finally {
    await zip.close();
  }
}

let data: string;
beforeAll(() => {
  data = tempDir('bgpt-export-data-');
  cpSync(path.join(FIXTURE, 'inputs'), data, { recursive: true });
  mkdirSync(path.join(data, 'eval'));
  writeFileSync(path.join(data, 'eval', 'held-out.md'), readFileSync(path.join(FIXTURE, 'inputs/apache-2.0-head.md'), 'utf8').toUpperCase());
});

describe('bgpt export torch', () => {
  it('writes weights.pth that reads back to identical tensors and gives identical losses', async () => {
    const out = path.join(tempDir('bgpt-export-'), 'exp');
    const r = await cli(['export', 'torch', '--json', '--checkpoint', CHECKPOINT, '--out', out, '--data', data]);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out.trim());
    expect(result).toMatchObject({ weights: path.join(out, 'weights.pth'), config: path.join(out, 'config.py'), trainFiles: 3, evalFiles: 1, kind: 'generative' });

    // Import: exactly the studio checkpoint's tensors.
    const back = await readTorchCheckpoint(result.weights);
    const { tensors } = await readSafetensors(path.join(CHECKPOINT, 'model.safetensors'));
    expect([...back.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) expect(bytesOf(back.tensors.get(name)!.data).equals(bytesOf(t.data)), name).toBe(true);
    expect(back.meta.hasOptimizer).toBe(false);

    // Identical losses through the exported file and the folder.
    const files = readdirSync(path.join(FIXTURE, 'inputs')).map((f) => path.join(FIXTURE, 'inputs', f));
    const a = JSON.parse((await cli(['eval', '--json', '--checkpoint', result.weights, ...files])).out.trim());
    const b = JSON.parse((await cli(['eval', '--json', '--checkpoint', CHECKPOINT, ...files])).out.trim());
    expect(a.files.map((f: { loss: number }) => f.loss)).toEqual(b.files.map((f: { loss: number }) => f.loss));

    // The data as the trainers' folders, names kept (train-cls.py reads labels from them).
    expect(readdirSync(path.join(out, 'data/train')).sort()).toEqual(readdirSync(path.join(FIXTURE, 'inputs')).sort());
    expect(readdirSync(path.join(out, 'data/eval'))).toEqual(['held-out.md']);
    const py = readFileSync(result.config, 'utf8');
    for (const line of ['PATCH_SIZE = 16', 'PATCH_LENGTH = 64', 'HIDDEN_SIZE = 64', 'PATCH_NUM_LAYERS = 2', 'BYTE_NUM_LAYERS = 1',
      'TRAIN_FOLDERS = ["data/train"]', 'EVAL_FOLDERS = ["data/eval"]', 'PRETRAINED_PATH = "weights.pth"', 'LOAD_FROM_PRETRAINED = True',
      'CONVERSION_MODE = None', 'INFERENCE_WEIGHTS_PATH = "weights.pth"']) {
      expect(py).toContain(line);
    }
  });

  it('writes the state dict the reference trainer writes: same names, order, shapes, dtypes and buffers', async () => {
    const out = path.join(tempDir('bgpt-export-'), 'exp');
    expect((await cli(['export', 'torch', '--checkpoint', CHECKPOINT, '--out', out])).code).toBe(0);
    expect(existsSync(path.join(out, 'data'))).toBe(false);
    const ours = await rawStateDict(path.join(out, 'weights.pth'));
    const theirs = await rawStateDict(path.join(FIXTURE, 'model.pth'));
    expect(ours.map((e) => e.name)).toEqual(theirs.map((e) => e.name));
    ours.forEach((e, i) => {
      expect([e.name, e.dtype, e.shape]).toEqual([theirs[i].name, theirs[i].dtype, theirs[i].shape]);
      expect(e.bytes.equals(theirs[i].bytes), e.name).toBe(true);
    });
    expect(theirs.some((e) => e.name.endsWith('.attn.bias') && e.dtype === 'u8')).toBe(true);
    expect(theirs.some((e) => e.name.endsWith('.attn.masked_bias'))).toBe(true);
  });

  it('lays out a catalogue dataset and never writes into a folder that is not empty', async () => {
    const home = tempDir('bgpt-export-home-');
    expect((await cli(['datasets', 'import', data, '--name', 'tunes', '--home', home])).code).toBe(0);
    const out = path.join(tempDir('bgpt-export-'), 'exp');
    const r = await cli(['export', 'torch', '--json', '--checkpoint', CHECKPOINT, '--out', out, '--data', 'tunes', '--home', home, '--conversion', 'md->txt']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out.trim())).toMatchObject({ trainFiles: 3, evalFiles: 1 });
    expect(readFileSync(path.join(out, 'config.py'), 'utf8')).toContain('CONVERSION_MODE = "md->txt"');
    const again = await cli(['export', 'torch', '--checkpoint', CHECKPOINT, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.err.trim().split('\n')).toHaveLength(1);
    expect(again.err).toMatch(/already exists and is not empty/);
    const missing = await cli(['export', 'torch', '--checkpoint', CHECKPOINT, '--out', out + '-2', '--data', 'nope', '--home', home]);
    expect(missing.err).toMatch(/no such folder, and no dataset/);
    expect(existsSync(out + '-2')).toBe(false);
  });

  it('refuses a model the reference cannot express (heads other than hidden/64), writing nothing', async () => {
    const dir = tempDir('bgpt-export-heads-');
    const config = { patchSize: 4, patchLength: 8, hiddenSize: 64, patchNumLayers: 1, byteNumLayers: 1, numHeads: 2 };
    const pth = path.join(dir, 'two-heads.pth');
    await writeTorchCheckpoint(pth, [...initialTensors(config, 1)].concat([['byte_level_decoder.base.lm_head.weight', initialTensors(config, 1).get('byte_level_decoder.base.transformer.wte.weight')!]]));
    // A .pth carries no head count: read back it is hidden/64 = 1 head, which the reference can express.
    expect((await readTorchCheckpoint(pth)).config.numHeads).toBe(1);
    const ckpt = path.join(dir, 'ckpt');
    mkdirSync(ckpt);
    writeFileSync(path.join(ckpt, 'config.json'), JSON.stringify({ patch_size: 4, patch_length: 8, hidden_size: 64, patch_num_layers: 1, byte_num_layers: 1, num_heads: 2 }));
    const { writeSafetensors } = await import('../../../../src-main/engine/io/safetensors');
    await writeSafetensors(path.join(ckpt, 'model.safetensors'), (await readTorchCheckpoint(pth)).tensors);
    const r = await cli(['export', 'torch', '--checkpoint', ckpt, '--out', path.join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/2 heads .* hidden_size \/\/ 64 = 1 heads/);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });
});

describe('reference log files', () => {
  it('reads the curves train-gen.py and train-cls.py write', async () => {
    // Exactly what train-gen.py appends per epoch.
    let text = '';
    for (const [e, tr, ev] of [[1, 2.5, 2.25], [2, 1.75, 1.9]]) {
      text += 'Epoch ' + e + '\ntrain_loss: ' + tr + '\neval_loss: ' + ev + '\ntime: Tue Dec  1 00:00:00 2026\n\n';
    }
    const file = path.join(tempDir('bgpt-log-'), 'logs-irish.txt');
    writeFileSync(file, text);
    expect(await readReferenceLog(file)).toEqual([{ epoch: 1, trainLoss: 2.5, evalLoss: 2.25 }, { epoch: 2, trainLoss: 1.75, evalLoss: 1.9 }]);
    const cls = 'Epoch 1\ntrain_acc: 0.5\neval_acc: 0.625\ntime: x\n\nBest Epoch so far!\n';
    expect(parseReferenceLog(cls)).toEqual([{ epoch: 1, trainAcc: 0.5, evalAcc: 0.625 }]);
    expect(() => parseReferenceLog('Epoch 1\ntrain_loss: lots\n', 'l.txt')).toThrow(/l\.txt:2: train_loss is not a number/);
    await expect(readReferenceLog(file + '.nope')).rejects.toThrow(/no such log file/);
  });
});
