// `bgpt eval --fast`: the docs/cli.md eval report computed on the CPU inference kernels instead of TF.js.
// Same per-file loss (each file alone, the head of its sequence, every predicted position: the parity
// tests hold it within 1e-4 of the reference), a fraction of the memory: the paper model loads and
// scores an 8 KB file in about 0.65 GB, where the TF.js graph of a whole window needs several GB.
import { UserError } from '../../shared/errors';
import type { Precision } from '../../shared/config';
import { cropSequence, fileSequence, fitsWindow } from '../../shared/patches';
import type { InputFile } from '../files';
import { loadInferenceModel, PREFILL_BATCH } from './index';
import type { InferenceModel } from './model';
import { scoreSequence } from './score';

/** The kernels are hand-written WebAssembly SIMD (kernels.wat), not a TF.js backend. */
export const KERNELS_BACKEND = 'wasm-simd';

export interface FastEvalReport {
  backend: typeof KERNELS_BACKEND;
  /** The weights' format the losses were computed with (float32 unless asked). */
  precision: Precision;
  files: { path: string; loss: number; bitsPerByte: number; patches: number }[];
  meanLoss: number;
  meanBitsPerByte: number;
  warnings: string[];
}

/** How the kernels hold and run the model (loadInferenceModel's options). */
export interface KernelOptions {
  precision?: Precision;
  threads?: number;
}

/** Loads `checkpoint` once and scores each file alone (prefilling 8 patches a pass). */
export async function evaluateWithKernels(checkpoint: string, files: InputFile[], opts: KernelOptions = {}): Promise<FastEvalReport> {
  if (files.length === 0) throw new UserError('no files to evaluate', 'BAD_ARGS');
  for (const f of files) if (f.bytes.length === 0) throw new UserError(`${f.name}: file is empty`, 'BAD_INPUT');
  const model = await loadInferenceModel(checkpoint, { batch: PREFILL_BATCH, ...opts });
  try {
    return evaluateModel(model, files);
  } finally {
    await model.dispose();
  }
}

/** The eval report of `files` under a loaded model (each file alone, the head of its sequence). */
export function evaluateModel(model: InferenceModel, files: InputFile[]): FastEvalReport {
  const c = model.config;
  const out: FastEvalReport['files'] = [];
  const warnings: string[] = [];
  for (const file of files) {
    if (!fitsWindow(file.bytes.length, c)) {
      warnings.push(`${file.name}: ${file.bytes.length} bytes do not fit the ${c.patchLength}-patch window; evaluated its first ${(c.patchLength - 1) * c.patchSize} bytes`);
    }
    const seq = cropSequence(fileSequence(file.bytes, file.ext, c.patchSize), c.patchSize, c.patchLength);
    const score = scoreSequence(model, seq);
    out.push({ path: file.name, loss: score.loss, bitsPerByte: score.loss / Math.LN2, patches: seq.length / c.patchSize });
  }
  const meanLoss = out.reduce((a, f) => a + f.loss, 0) / out.length;
  return { backend: KERNELS_BACKEND, precision: model.precision, files: out, meanLoss, meanBitsPerByte: meanLoss / Math.LN2, warnings };
}

/**
 * Bits of surprisal of every byte of a file (the studio's surprisal view) on the kernels: windows of
 * (patchLength - 1) · patchSize bytes, each scored alone, as engine/evaluate.ts's TF.js `surprisal`.
 */
export function surprisalBits(model: InferenceModel, bytes: Uint8Array, ext: string): { bits: Float32Array; windows: number } {
  if (bytes.length === 0) throw new UserError('surprisal: the file is empty', 'BAD_INPUT');
  const { patchSize: s, patchLength: l } = model.config;
  const chunk = (l - 1) * s;
  const bits = new Float32Array(bytes.length);
  let windows = 0;
  for (let at = 0; at < bytes.length; at += chunk, windows++) {
    const part = bytes.subarray(at, at + chunk);
    const nats = scoreSequence(model, cropSequence(fileSequence(part, ext, s), s, l)).nats;
    // Position k predicts byte k of the data: the start patch is never a target.
    for (let k = 0; k < part.length; k++) bits[at + k] = nats[k] / Math.LN2;
  }
  return { bits, windows };
}
