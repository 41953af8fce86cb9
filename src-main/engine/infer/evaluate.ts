// `bgpt eval --fast`: the docs/cli.md eval report computed on the CPU inference kernels instead of TF.js.
// Same per-file loss (each file alone, the head of its sequence, every predicted position: the parity
// tests hold it within 1e-4 of the reference), a fraction of the memory: the paper model loads and
// scores an 8 KB file in about 0.65 GB, where the TF.js graph of a whole window needs several GB.
import { UserError } from '../../shared/errors';
import { maxFileBytes, windowDataBytes, type Precision } from '../../shared/config';
import type { InputFile } from '../io/files';
import { loadInferenceModel, PREFILL_BATCH, type InferenceModel } from './index';
import { scoreFile } from './score';

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

/** How the kernels hold and run a model loaded for the purpose (loadInferenceModel's options). */
export interface KernelOptions {
  precision?: Precision;
  threads?: number;
  /** The base weights when the checkpoint is a LoRA adapter folder. */
  base?: string | null;
}

/**
 * Scores each file alone (scoreFile, prefilling 8 patches a pass) with `model`, or with `checkpoint`
 * loaded once for the purpose (at `opts.precision`; its worker threads end before this returns).
 */
export async function evaluateWithKernels(checkpoint: string, files: InputFile[], model?: InferenceModel, opts: KernelOptions = {}): Promise<FastEvalReport> {
  if (files.length === 0) throw new UserError('no files to evaluate', 'BAD_ARGS');
  for (const f of files) if (f.bytes.length === 0) throw new UserError(`${f.name}: file is empty`, 'BAD_INPUT');
  const own = model ? null : await loadInferenceModel(checkpoint, { batch: PREFILL_BATCH, ...opts });
  const m = (model ?? own) as InferenceModel;
  try {
    const c = m.config;
    const out: FastEvalReport['files'] = [];
    const warnings: string[] = [];
    for (const file of files) {
      const score = scoreFile(m, file.bytes, file.ext);
      if (score.cropped) warnings.push(croppedWarning(file.name, file.bytes.length, c));
      out.push({ path: file.name, loss: score.loss, bitsPerByte: score.bitsPerByte, patches: score.patches });
    }
    const meanLoss = out.reduce((a, f) => a + f.loss, 0) / out.length;
    return { backend: KERNELS_BACKEND, precision: m.precision, files: out, meanLoss, meanBitsPerByte: meanLoss / Math.LN2, warnings };
  } finally {
    await own?.dispose();
  }
}

/** What evaluation and surprisal say of a file longer than the window (only its head is scored). */
export function croppedWarning(name: string, size: number, c: { patchSize: number; patchLength: number }): string {
  const window = windowDataBytes(c);
  return `${name}: ${size.toLocaleString('en')} bytes do not fit the ${window.toLocaleString('en')}-byte window whole (up to ${maxFileBytes(c).toLocaleString('en')} do, with their end); evaluated its first ${Math.min(size, window).toLocaleString('en')} bytes`;
}
