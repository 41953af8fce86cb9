// Scoring with a classifier: label probabilities of files (`bgpt classify`), and the evaluation a
// training run records (mean cross-entropy, accuracy, per-class accuracy, confusion matrix).
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../backend/backend';
import type { InputFile } from '../io/files';
import { fileSequence } from '../../shared/patches';
import { headWindow, type Example } from './data';
import { ops } from '../backend/ops';
import { classifierHead, classInput, loadClassifier, makeClassBatch, type ClassifierModel } from './model';
import { disposeTape, patchForward } from '../train/gradients';
import { loadAnyClassifier } from './load';

/** Windows scored at a time: a few patch-level forward passes, small against the wasm heap. */
export const SCORE_BATCH = 8;

/** Softmax probabilities [L] of each window (head-cropped already), batch by batch. */
export async function windowProbabilities(model: ClassifierModel, windows: Int32Array[], batchSize = SCORE_BATCH): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const l = model.labels.length;
  for (let i = 0; i < windows.length; i += batchSize) {
    const part = windows.slice(i, i + batchSize);
    // The patch level block by block (as a training pass holds it), then the head.
    const b = makeClassBatch(part, model.config.patchSize);
    const f = { ops: ops() };
    const tape = patchForward(f, model.patch, model.config, classInput(model, b), b.size, b.patches, { recompute: false, byteChunk: 0 });
    const probs = tf.tidy(() => tf.softmax(classifierHead(f, model, b, tape.features)));
    disposeTape(tape);
    const data = (await probs.data()) as Float32Array;
    probs.dispose();
    for (let b = 0; b < part.length; b++) out.push(data.slice(b * l, (b + 1) * l));
  }
  return out;
}

/** One evaluation of a classifier on labelled examples (the head window of each file). */
export interface ClassEval {
  /** Mean cross-entropy in nats. */
  loss: number;
  accuracy: number;
  /** Accuracy of each true label (null where the eval split has no file of that label). */
  perClass: Array<number | null>;
  /** confusion[true][predicted] file counts, label order. */
  confusion: number[][];
  count: number;
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** Evaluates on examples; loss from the probabilities (clamped, so a confident miss is finite). */
export async function evaluateClassifier(model: ClassifierModel, examples: Example[], batchSize = SCORE_BATCH): Promise<ClassEval> {
  const l = model.labels.length;
  const probs = await windowProbabilities(model, examples.map((e) => headWindow(model.config, e.seq)), batchSize);
  const confusion = Array.from({ length: l }, () => new Array<number>(l).fill(0));
  let nats = 0;
  let right = 0;
  probs.forEach((p, i) => {
    const y = examples[i].label;
    const guess = argmax(p);
    confusion[y][guess] += 1;
    if (guess === y) right += 1;
    nats -= Math.log(Math.max(p[y], 1e-30));
  });
  const perClass = confusion.map((row, y) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? null : row[y] / n;
  });
  const n = Math.max(1, examples.length);
  return { loss: nats / n, accuracy: right / n, perClass, confusion, count: examples.length };
}

export interface ClassifyReport {
  backend: BackendName;
  labels: string[];
  files: Array<{ path: string; label: string; probabilities: Record<string, number> }>;
  warnings: string[];
}

/** Label probabilities of files under a classifier checkpoint (folder, reference .pth, or a classification adapter on `base`). */
export async function classifyFiles(opts: { checkpoint: string; base?: string | null; files: InputFile[]; backend?: BackendName }): Promise<ClassifyReport> {
  const backend = await initBackend(opts.backend);
  const model = await loadAnyClassifier(opts.checkpoint, opts.base);
  try {
    const c = model.config;
    const seqs = opts.files.map((f) => fileSequence(f.bytes, f.ext, c.patchSize));
    const long = seqs.filter((s) => s.length > c.patchLength * c.patchSize).length;
    const warnings = long > 0 ? [`${long} file(s) are longer than the ${c.patchLength}-patch window: their heads are classified`] : [];
    const probs = await windowProbabilities(model, seqs.map((s) => headWindow(c, s)));
    return {
      backend,
      labels: model.labels,
      files: opts.files.map((f, i) => ({
        path: f.name,
        label: model.labels[argmax(probs[i])],
        probabilities: Object.fromEntries(model.labels.map((name, j) => [name, probs[i][j]])),
      })),
      warnings,
    };
  } finally {
    model.dispose();
  }
}

export { loadClassifier };
