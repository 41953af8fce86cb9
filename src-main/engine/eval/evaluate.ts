// Evaluation on TF.js (docs/cli.md `bgpt eval`): each file alone as a batch of one, its window the head
// of its sequence, the loss the reference's mean cross-entropy over predicted bytes: the definition the
// kernels' scoreFile (engine/infer/score.ts) computes too. Per-byte surprisal runs on the kernels only.
import * as tf from '@tensorflow/tfjs-core';
import type { BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { fitsWindow } from '../../shared/patches';
import { croppedWarning } from '../infer/evaluate';
import { headSequence } from '../infer/score';
import { initBackend, type BackendName } from '../backend/backend';
import { batchHidden, lossRows, makeBatch } from '../model/batch';
import { loadModel, type BGPTModel } from '../io/checkpoint';
import type { InputFile } from '../io/files';
import { lmHead } from '../model/model';
import { ops } from '../backend/ops';

export interface FileEval {
  path: string;
  /** Mean nats per predicted byte (padding and end patch included, as the reference). */
  loss: number;
  bitsPerByte: number;
  /** Patches in the evaluated window. */
  patches: number;
}

export interface EvalReport {
  backend: BackendName;
  files: FileEval[];
  meanLoss: number;
  meanBitsPerByte: number;
  /** One line per file that did not fit the window and was cut to its head. */
  warnings: string[];
}

/** The head window of a file's sequence, as evaluation and generation read it (the kernels' scoreFile reads the same). */
export function headWindow(file: InputFile, c: BGPTConfig): Int32Array {
  return headSequence(file.bytes, file.ext, c);
}

/** Nats of every predicted byte of one sequence (batch of one): [(patches-1) * S]. */
export async function sequenceLossRows(model: BGPTModel, seq: Int32Array): Promise<Float32Array> {
  const rows = tf.tidy(() => lossRows({ ops: ops() }, model.weights, model.config, makeBatch([seq], model.config.patchSize)));
  try {
    return (await rows.data()) as Float32Array;
  } finally {
    rows.dispose();
  }
}

/** Byte-level logits of one sequence over all S+1 positions: [(patches-1) * (S+1) * 257] (parity tests). */
export async function sequenceLogits(model: BGPTModel, seq: Int32Array): Promise<Float32Array> {
  const c = model.config;
  const f = { ops: ops() };
  const logits = tf.tidy(() => lmHead(f, model.weights, batchHidden(f, model.weights, c, makeBatch([seq], c.patchSize), c.patchSize + 1)));
  try {
    return (await logits.data()) as Float32Array;
  } finally {
    logits.dispose();
  }
}

function mean(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

function checkFile(file: InputFile): void {
  if (file.bytes.length === 0) throw new UserError(`${file.name}: file is empty`, 'BAD_INPUT');
}

/** Evaluates files with a loaded model (see `evaluate`). */
export async function evaluateModel(model: BGPTModel, files: InputFile[]): Promise<Omit<EvalReport, 'backend'>> {
  const c = model.config;
  const out: FileEval[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    checkFile(file);
    if (!fitsWindow(file.bytes.length, c)) warnings.push(croppedWarning(file.name, file.bytes.length, c));
    const seq = headWindow(file, c);
    const loss = mean(await sequenceLossRows(model, seq));
    out.push({ path: file.name, loss, bitsPerByte: loss / Math.LN2, patches: seq.length / c.patchSize });
  }
  const meanLoss = out.reduce((a, f) => a + f.loss, 0) / Math.max(1, out.length);
  return { files: out, meanLoss, meanBitsPerByte: meanLoss / Math.LN2, warnings };
}

export interface EvaluateOptions {
  checkpoint: string;
  /** The base weights when `checkpoint` is a LoRA adapter folder. */
  base?: string | null;
  files: InputFile[];
  backend?: BackendName;
}

/** Loads `checkpoint` and evaluates each file alone (docs/cli.md eval JSON, plus `warnings`). */
export async function evaluate(opts: EvaluateOptions): Promise<EvalReport> {
  if (opts.files.length === 0) throw new UserError('no files to evaluate', 'BAD_ARGS');
  opts.files.forEach(checkFile);
  const backend = await initBackend(opts.backend);
  const model = await loadModel(opts.checkpoint, { base: opts.base });
  try {
    return { backend, ...(await evaluateModel(model, opts.files)) };
  } finally {
    model.dispose();
  }
}
