// `bgpt eval --fast`: the docs/cli.md eval report computed on the CPU inference kernels instead of TF.js.
// Same per-file loss (each file alone, the head of its sequence, every predicted position: the parity
// tests hold it within 1e-4 of the reference), a fraction of the memory: the paper model loads and
// scores an 8 KB file in about 0.65 GB, where the TF.js graph of a whole window needs several GB.
import { UserError } from '../../shared/errors';
import type { InputFile } from '../io/files';
import { loadInferenceModel, PREFILL_BATCH, type InferenceModel } from './index';
import { scoreFile } from './score';

/** The kernels are hand-written WebAssembly SIMD (kernels.wat), not a TF.js backend. */
export const KERNELS_BACKEND = 'wasm-simd';

export interface FastEvalReport {
  backend: typeof KERNELS_BACKEND;
  files: { path: string; loss: number; bitsPerByte: number; patches: number }[];
  meanLoss: number;
  meanBitsPerByte: number;
  warnings: string[];
}

/**
 * Scores each file alone (scoreFile, prefilling 8 patches a pass) with `model`, or with `checkpoint`
 * loaded once for the purpose.
 */
export async function evaluateWithKernels(checkpoint: string, files: InputFile[], model?: InferenceModel): Promise<FastEvalReport> {
  if (files.length === 0) throw new UserError('no files to evaluate', 'BAD_ARGS');
  for (const f of files) if (f.bytes.length === 0) throw new UserError(`${f.name}: file is empty`, 'BAD_INPUT');
  model ??= await loadInferenceModel(checkpoint, { batch: PREFILL_BATCH });
  const c = model.config;
  const out: FastEvalReport['files'] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const score = scoreFile(model, file.bytes, file.ext);
    if (score.cropped) warnings.push(croppedWarning(file.name, file.bytes.length, c));
    out.push({ path: file.name, loss: score.loss, bitsPerByte: score.bitsPerByte, patches: score.patches });
  }
  const meanLoss = out.reduce((a, f) => a + f.loss, 0) / out.length;
  return { backend: KERNELS_BACKEND, files: out, meanLoss, meanBitsPerByte: meanLoss / Math.LN2, warnings };
}

/** What evaluation and surprisal say of a file longer than the window (only its head is scored). */
export function croppedWarning(name: string, size: number, c: { patchSize: number; patchLength: number }): string {
  return `${name}: ${size} bytes do not fit the ${c.patchLength}-patch window; evaluated its first ${(c.patchLength - 1) * c.patchSize} bytes`;
}
