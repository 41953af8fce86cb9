// The classifier (engine/classify): labels as train-cls.py reads them, the forward pass and its
// gradient, training with best-by-eval-loss checkpoints, exact resume, `bgpt classify` / `bgpt train
// --mode classify` through the real CLI, and the one-line errors.
import { ops } from '../../../../src-main/engine/backend/ops';
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src-main/engine/backend/backend';
import { detectLabelSource, folderLabel, labelOf, nameLabel } from '../../../../src-main/engine/classify/labels';
import { ClassifierModel, classifierLogits, loadClassifier, makeClassBatch, CLASSIFIER_WEIGHT, CLASSIFIER_BIAS } from '../../../../src-main/engine/classify/model';
import { classifyFiles } from '../../../../src-main/engine/classify/predict';
import { trainClassifier, EVALS_FILE, type ClassifyTrainOptions } from '../../../../src-main/engine/classify/train';
import type { LabelledFile } from '../../../../src-main/engine/classify/data';
import { TrainControl } from '../../../../src-main/engine/train/control';
import { parseSafetensors } from '../../../../src-main/engine/io/safetensors';
import { fileSequence } from '../../../../src-main/shared/patches';
import type { BGPTConfig } from '../../../../src-main/shared/config';
import { runCli } from '../../../../src-main/cli/framework';
import { classifyCommand } from '../../../../src-main/cli/commands/classify';
import { trainCommand } from '../../../../src-main/cli/commands/train';
import { tempDir } from '../../../helpers/temp';

const MICRO: BGPTConfig = { patchSize: 16, patchLength: 8, hiddenSize: 32, patchNumLayers: 1, byteNumLayers: 0, numHeads: 2 };
const PARITY = fileURLToPath(new URL('../../../fixtures/parity/tiny-a/checkpoint', import.meta.url));
const TEXT_SET = fileURLToPath(new URL('../../../../datasets/classify/text', import.meta.url));

const tmp = (p: string) => tempDir(`bgpt-cls-${p}-`);

/** Two kinds of real text: lines from two fortune categories of the built-in set (datasets/classify/text). */
function realFiles(split: 'train' | 'eval', perLabel: number): LabelledFile[] {
  const dir = path.join(TEXT_SET, split);
  const out: LabelledFile[] = [];
  for (const cat of ['definitions', 'songs-poems']) {
    for (let i = 0; i < perLabel; i++) {
      const name = `${cat}_${String(split === 'eval' ? i : 50 + i).padStart(4, '0')}.txt`;
      out.push({ name, ext: 'txt', bytes: new Uint8Array(readFileSync(path.join(dir, name))), label: nameLabel(name) });
    }
  }
  return out;
}

async function weightsOf(dir: string): Promise<Map<string, Float32Array>> {
  const { tensors } = parseSafetensors(readFileSync(path.join(dir, 'model.safetensors')), dir);
  return new Map([...tensors].map(([n, t]) => [n, Float32Array.from(t.data)]));
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('labels', () => {
  it("are train-cls.py's: the base name up to the first '_', a dot, and the text after the last dot", () => {
    expect(nameLabel('data/train/cat_0001.bmp')).toBe('cat.bmp');
    expect(nameLabel('a_b_c.tar.gz')).toBe('a.gz');
    expect(nameLabel('C:\\sets\\dog_7.wav')).toBe('dog.wav');
    // No '_': the whole name is the prefix, as the reference's split('_')[0].
    expect(nameLabel('cat.bmp')).toBe('cat.bmp.bmp');
    expect(nameLabel('README')).toBe('README.README');
  });

  it('come from folders when every file sits in a label folder and no name has an underscore', () => {
    expect(folderLabel('cats/001.bmp')).toBe('cats');
    expect(folderLabel('001.bmp')).toBeNull();
    expect(detectLabelSource(['cats/1.bmp', 'dogs/2.bmp', 'eval/cats/3.bmp'])).toBe('folder');
    expect(detectLabelSource(['train/cat_1.bmp', 'eval/dog_2.bmp'])).toBe('name');
    expect(detectLabelSource(['cats/cat_1.bmp', 'dogs/2.bmp'])).toBe('name');
    expect(labelOf('eval/cats/3.bmp', 'folder')).toBe('cats');
    expect(() => labelOf('3.bmp', 'folder')).toThrow(/in none/);
  });
});

describe('classifier model', () => {
  it('scores a file the same alone and in a padded batch (the mean skips padding), and leaks no tensor', () => {
    const m = ClassifierModel.random(MICRO, ['a.txt', 'b.txt', 'c.txt'], 3);
    const short = fileSequence(new TextEncoder().encode('short'), 'txt', 16);
    const long = fileSequence(new TextEncoder().encode('a longer file of several patches, five or so'), 'txt', 16);
    const before = tf.memory().numTensors;
    const alone = tf.tidy(() => classifierLogits({ ops: ops() }, m, makeClassBatch([short], 16)).arraySync());
    const batched = tf.tidy(() => classifierLogits({ ops: ops() }, m, makeClassBatch([long, short], 16)).arraySync());
    expect(tf.memory().numTensors).toBe(before);
    for (let j = 0; j < 3; j++) expect(Math.abs(batched[1][j] - alone[0][j])).toBeLessThan(1e-5);
    m.dispose();
  });

  it('has the gradient of its loss (finite differences on the head and the patch embedding)', () => {
    const m = ClassifierModel.random(MICRO, ['a.txt', 'b.txt'], 5);
    const seqs = ['first file', 'the second, different one'].map((t) => fileSequence(new TextEncoder().encode(t), 'txt', 16));
    const batch = makeClassBatch(seqs, 16);
    const lossOf = () => tf.tidy(() => tf.mean(ops().crossEntropy(classifierLogits({ ops: ops() }, m, batch), tf.tensor1d([0, 1], 'int32'))).dataSync()[0]);
    const vars = [...m.vars.values()];
    const { value, grads } = tf.variableGrads(() => tf.mean(ops().crossEntropy(classifierLogits({ ops: ops() }, m, batch), tf.tensor1d([0, 1], 'int32'))) as tf.Scalar, vars);
    const probe = (name: string, index: number) => {
      const v = m.vars.get(name) as tf.Variable;
      const analytic = grads[v.name].dataSync()[index];
      const eps = 1e-2;
      const data = v.dataSync().slice();
      const at = (delta: number) => {
        const d = data.slice();
        d[index] += delta;
        v.assign(tf.tensor(d, v.shape));
        return lossOf();
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      v.assign(tf.tensor(data, v.shape));
      expect(Math.abs(numeric - analytic)).toBeLessThan(2e-3 + 0.02 * Math.abs(analytic));
    };
    probe(CLASSIFIER_BIAS, 1);
    probe(CLASSIFIER_WEIGHT, 7);
    // Byte 'f' (102) at position 0 of the first data patch: a weight the inputs use.
    probe('patch_level_decoder.patch_embedding.weight', 3 * (16 * 257) + 257 + 102);
    tf.dispose([value, ...Object.values(grads)]);
    m.dispose();
  });
});

describe('trainClassifier', () => {
  const base = (out: string, extra: Partial<ClassifyTrainOptions> = {}): ClassifyTrainOptions => ({
    config: MICRO, files: realFiles('train', 24), evalFiles: realFiles('eval', 10), steps: 40, batchSize: 4, lr: 3e-3, dropout: 0, seed: 1, evalEvery: 10, out, backend: 'cpu', ...extra,
  });

  it('learns real categories above the majority baseline, keeps the best by eval loss, and its checkpoint classifies', async () => {
    const out = tmp('run');
    const evals: number[] = [];
    const before = tf.memory().numTensors;
    const r = await trainClassifier({ ...base(out), onEval: (m) => evals.push(m.loss) });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.labels).toEqual(['definitions.txt', 'songs-poems.txt']);
    expect(r.checkpoint).toBe(path.join(out, 'best'));
    expect(r.evalLoss).toBe(Math.min(...evals));
    expect(r.evalAccuracy as number).toBeGreaterThan(0.5);
    // The checkpoint folder: reference tensor names, byte_num_layers 0, the label list.
    expect(JSON.parse(readFileSync(path.join(out, 'best', 'labels.json'), 'utf8'))).toEqual(r.labels);
    expect(JSON.parse(readFileSync(path.join(out, 'best', 'config.json'), 'utf8')).byte_num_layers).toBe(0);
    const w = await weightsOf(path.join(out, 'best'));
    expect(w.get(CLASSIFIER_WEIGHT)?.length).toBe(2 * 32);
    expect([...w.keys()].some((n) => n.startsWith('byte_level_decoder'))).toBe(false);
    const history = JSON.parse(readFileSync(path.join(out, EVALS_FILE), 'utf8'));
    expect(history.evals).toHaveLength(4);
    expect(history.evals[3].confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(20);
    // Its eval accuracy is what classifyFiles finds on the same files.
    const evalFiles = realFiles('eval', 10);
    const c = await classifyFiles({ checkpoint: r.checkpoint, files: evalFiles, backend: 'cpu' });
    const right = c.files.filter((f, i) => f.label === evalFiles[i].label).length;
    expect(right / evalFiles.length).toBeCloseTo(r.evalAccuracy as number, 10);
    for (const f of c.files) expect(Object.values(f.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('resumes exactly: stopped and resumed equals uninterrupted', async () => {
    const straight = tmp('straight');
    await trainClassifier({ ...base(straight), steps: 12, evalEvery: 6, dropout: 0.1 });
    const split = tmp('split');
    const control = new TrainControl();
    const first = await trainClassifier({ ...base(split), steps: 12, evalEvery: 6, dropout: 0.1, control, onStep: (m) => { if (m.step === 5) control.stop(); } });
    expect(first.endedBy).toBe('stopped');
    expect(first.steps).toBe(5);
    const second = await trainClassifier({ ...base(split), resume: path.join(split, 'last') });
    expect(second.steps).toBe(12);
    const a = await weightsOf(path.join(straight, 'last'));
    const b = await weightsOf(path.join(split, 'last'));
    for (const [name, data] of a) expect(Array.from(b.get(name) as Float32Array), name).toEqual(Array.from(data));
  });

  it('starts from the patch-level decoder of a generative checkpoint', async () => {
    const out = tmp('init');
    const r = await trainClassifier({ ...base(out), config: undefined, init: PARITY, steps: 2, evalEvery: 2 });
    const gen = await weightsOf(PARITY);
    const cls = await loadClassifier(path.join(out, 'last'));
    expect(cls.config.hiddenSize).toBe(JSON.parse(readFileSync(path.join(PARITY, 'config.json'), 'utf8')).hidden_size);
    cls.dispose();
    expect(r.steps).toBe(2);
    // After init the weights moved from the generative ones, but only a little (2 updates).
    const w = await weightsOf(path.join(out, 'last'));
    const name = 'patch_level_decoder.base.ln_f.weight';
    const diff = Math.max(...Array.from(w.get(name) as Float32Array).map((v, i) => Math.abs(v - (gen.get(name) as Float32Array)[i])));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.05);
  });

  it('refuses a single label and an unreadable checkpoint with one clear line', async () => {
    const one = realFiles('train', 3).slice(0, 3);
    await expect(trainClassifier({ ...base(tmp('one')), files: one })).rejects.toThrow(/at least two labels/);
    await expect(classifyFiles({ checkpoint: PARITY, files: one })).rejects.toThrow(/no labels\.json, so not a classifier/);
  });
});

describe('bgpt train --mode classify / bgpt classify', () => {
  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli([trainCommand, classifyCommand], argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
    return { code, out, err };
  }

  it('trains on a folder, records the run, and classifies files by checkpoint path or run id', async () => {
    const data = tmp('data');
    mkdirSync(path.join(data, 'eval'));
    for (const f of realFiles('train', 12)) writeFileSync(path.join(data, f.name), f.bytes);
    for (const f of realFiles('eval', 4)) writeFileSync(path.join(data, 'eval', f.name), f.bytes);
    const home = tmp('home');
    const r = await cli(['train', '--json', '--mode', 'classify', '--data', data, '--patch-length', '8', '--hidden-size', '32', '--patch-layers', '1',
      '--steps', '6', '--batch', '4', '--lr', '0.003', '--home', home]);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out.trim());
    for (const k of ['runId', 'checkpoint', 'steps', 'trainLoss', 'evalLoss', 'evalBitsPerByte', 'bytesPerSecond', 'backend', 'evalAccuracy']) expect(result).toHaveProperty(k);
    expect(typeof result.evalAccuracy).toBe('number');
    expect(existsSync(path.join(result.checkpoint, 'labels.json'))).toBe(true);
    const file = path.join(data, 'eval', 'definitions_0000.txt');
    for (const checkpoint of [result.checkpoint, result.runId]) {
      const c = await cli(['classify', '--json', '--checkpoint', checkpoint, '--home', home, file]);
      expect(c.code, c.err).toBe(0);
      const out = JSON.parse(c.out.trim());
      expect(out.labels).toEqual(['definitions.txt', 'songs-poems.txt']);
      expect(out.files[0].path).toBe(file);
      expect(out.labels).toContain(out.files[0].label);
      expect(Object.keys(out.files[0].probabilities).sort()).toEqual(out.labels);
    }
    const bad = await cli(['classify', '--json', '--checkpoint', PARITY, file]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toBe('');
    expect(bad.err.trim().split('\n')).toHaveLength(1);
  });
});
