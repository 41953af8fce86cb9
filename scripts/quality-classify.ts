// Classification quality on the built-in sets (docs/classification.md): trains a
// classifier from scratch on each set's train/ files with a fixed step budget, and reports its
// accuracy on the held-out eval/ files beside two baselines, majority class and byte-histogram
// nearest centroid. `npm run quality:classify [-- --sets text,speech --steps N --batch N --lr X --init CHECKPOINT --out FILE]`.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { BGPTConfig } from '../src-main/shared/config';
import { extOf } from '../src-main/shared/patches';
import { nameLabel } from '../src-main/engine/classify/labels';
import { trainClassifier } from '../src-main/engine/classify/train';
import type { LabelledFile } from '../src-main/engine/classify/data';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One model shape per set: the tiny preset's width and depth, the window as long as the set's
 * files (speech 0.45 s = 3,644 bytes, images 3,126 bytes, text ≤ 900 bytes).
 */
const SETS: Record<string, { config: BGPTConfig; lr: number; steps: number; batch: number }> = {
  text: { config: { patchSize: 16, patchLength: 64, hiddenSize: 128, patchNumLayers: 2, byteNumLayers: 0, numHeads: 2 }, lr: 1e-3, steps: 250, batch: 16 },
  // Narrower: these windows are 3–4x longer, and the CPU budget is about the same.
  speech: { config: { patchSize: 16, patchLength: 232, hiddenSize: 64, patchNumLayers: 2, byteNumLayers: 0, numHeads: 1 }, lr: 2e-3, steps: 300, batch: 8 },
  digits: { config: { patchSize: 16, patchLength: 200, hiddenSize: 64, patchNumLayers: 2, byteNumLayers: 0, numHeads: 1 }, lr: 2e-3, steps: 1500, batch: 8 },
  // Fashion overfits its 1,000 images sooner: with 1,500 updates the eval loss was lowest at 450 (42.5 %).
  fashion: { config: { patchSize: 16, patchLength: 200, hiddenSize: 64, patchNumLayers: 2, byteNumLayers: 0, numHeads: 1 }, lr: 2e-3, steps: 600, batch: 8 },
};

async function readSplit(dir: string): Promise<LabelledFile[]> {
  const names = (await fs.readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  return Promise.all(names.map(async (n) => ({ name: n, ext: extOf(n), bytes: new Uint8Array(await fs.readFile(path.join(dir, n))), label: nameLabel(n) })));
}

/** Accuracy of always answering the most common training label. */
function majorityBaseline(train: LabelledFile[], test: LabelledFile[]): number {
  const counts = new Map<string, number>();
  for (const f of train) counts.set(f.label, (counts.get(f.label) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
  return test.filter((f) => f.label === top).length / test.length;
}

function histogram(bytes: Uint8Array): Float64Array {
  const h = new Float64Array(256);
  for (const b of bytes) h[b] += 1;
  for (let i = 0; i < 256; i++) h[i] /= bytes.length;
  return h;
}

/** Accuracy of the nearest class centroid (Euclidean) of normalised byte histograms. */
function centroidBaseline(train: LabelledFile[], test: LabelledFile[]): number {
  const sums = new Map<string, { h: Float64Array; n: number }>();
  for (const f of train) {
    const s = sums.get(f.label) ?? { h: new Float64Array(256), n: 0 };
    const h = histogram(f.bytes);
    for (let i = 0; i < 256; i++) s.h[i] += h[i];
    s.n += 1;
    sums.set(f.label, s);
  }
  const centroids = [...sums].map(([label, s]) => ({ label, c: s.h.map((v) => v / s.n) }));
  let right = 0;
  for (const f of test) {
    const h = histogram(f.bytes);
    let best = '';
    let bestD = Infinity;
    for (const { label, c } of centroids) {
      let d = 0;
      for (let i = 0; i < 256; i++) d += (h[i] - c[i]) ** 2;
      if (d < bestD) { bestD = d; best = label; }
    }
    if (best === f.label) right += 1;
  }
  return right / test.length;
}

const { values } = parseArgs({
  options: {
    sets: { type: 'string', default: 'text,speech,digits,fashion' },
    /** Override the set's step budget and batch size. */
    steps: { type: 'string' },
    batch: { type: 'string' },
    /** Override the set's learning rate, width and depth. */
    lr: { type: 'string' },
    hidden: { type: 'string' },
    layers: { type: 'string' },
    out: { type: 'string' },
    /** The paper's recipe: start from a generative checkpoint's patch-level decoder (its shape wins). */
    init: { type: 'string' },
  },
});
const results: Record<string, unknown> = {};
for (const name of (values.sets as string).split(',')) {
  const set = SETS[name];
  if (!set) throw new Error(`unknown set ${name} (known: ${Object.keys(SETS).join(', ')})`);
  const dir = path.join(root, 'datasets', 'classify', name);
  const train = await readSplit(path.join(dir, 'train'));
  const test = await readSplit(path.join(dir, 'eval'));
  const loadBefore = os.loadavg()[0];
  const t0 = Date.now();
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), `bgpt-quality-${name}-`));
  const lr = values.lr !== undefined ? Number(values.lr) : set.lr;
  const steps = values.steps !== undefined ? Number(values.steps) : set.steps;
  const batchSize = values.batch !== undefined ? Number(values.batch) : set.batch;
  if (values.hidden !== undefined) set.config = { ...set.config, hiddenSize: Number(values.hidden), numHeads: Math.max(1, Math.floor(Number(values.hidden) / 64)) };
  if (values.layers !== undefined) set.config = { ...set.config, patchNumLayers: Number(values.layers) };
  /** Every evaluation, so the figure's checkpoint (best by eval loss) can be seen against the others. */
  const evals: { step: number; loss: number; accuracy: number }[] = [];
  const r = await trainClassifier({
    config: set.config, init: values.init, files: train, evalFiles: test, steps, batchSize, lr, seed: 0, out: runDir,
    evalEvery: Math.max(1, Math.floor(steps / 10)),
    onEval: (m) => {
      evals.push({ step: m.step, loss: Number(m.loss.toFixed(4)), accuracy: m.accuracy });
      process.stderr.write(`${name} step ${m.step}: eval loss ${m.loss.toFixed(4)}, accuracy ${(100 * m.accuracy).toFixed(1)} %\n`);
    },
  });
  const seconds = (Date.now() - t0) / 1000;
  results[name] = {
    labels: r.labels.length, trainFiles: train.length, evalFiles: test.length,
    config: set.config, init: values.init ?? null, steps: r.steps, batchSize, lr, backend: r.backend,
    evalAccuracy: r.evalAccuracy, evalLoss: r.evalLoss,
    majorityBaseline: majorityBaseline(train, test),
    histogramCentroidBaseline: centroidBaseline(train, test),
    evals, seconds, loadAverage: [loadBefore, os.loadavg()[0]], cpus: os.cpus().length,
  };
  process.stderr.write(`${name}: ${JSON.stringify(results[name])}\n`);
  await fs.rm(runDir, { recursive: true, force: true });
}
const text = JSON.stringify({ measured: new Date().toISOString(), results }, null, 1);
if (values.out) await fs.writeFile(values.out, text + '\n');
process.stdout.write(text + '\n');
