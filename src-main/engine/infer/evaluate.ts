// `bgpt eval --fast`: the docs/cli.md eval report computed on the CPU inference kernels instead of TF.js.
// Same per-file loss (each file alone, the head of its sequence, every predicted position: the parity
// tests hold it within 1e-4 of the reference), a fraction of the memory: the paper model loads and
// scores an 8 KB file in about 0.65 GB, where the TF.js graph of a whole window needs several GB.
import { UserError } from '../../shared/errors';
import { cropSequence, fileSequence, fitsWindow } from '../../shared/patches';
import type { InputFile } from '../io/files';
import { loadInferenceModel, PREFILL_BATCH } from './index';
import { scoreSequence } from './score';

/** The kernels are hand-written WebAssembly SIMD (kernels.wat), not a TF.js backend. */
export const KERNELS_BACKEND = 'wasm-simd';

export interface FastEvalReport {
  backend: typeof KERNELS_BACKEND;
  files: { path: string; loss: number; bitsPerByte: number; patches: number }[];
  meanLoss: number;
  meanBitsPerByte: number;
  warnings: string[];
}

/** Loads `checkpoint` once (an adapter folder merged onto `base`) and scores each file alone (prefilling 8 patches a pass). */
export async function evaluateWithKernels(checkpoint: string, files: InputFile[], base?: string | null): Promise<FastEvalReport> {
  if (files.length === 0) throw new UserError('no files to evaluate', 'BAD_ARGS');
  for (const f of files) if (f.bytes.length === 0) throw new UserError(`${f.name}: file is empty`, 'BAD_INPUT');
  const model = await loadInferenceModel(checkpoint, { batch: PREFILL_BATCH, base });
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
  return { backend: KERNELS_BACKEND, files: out, meanLoss, meanBitsPerByte: meanLoss / Math.LN2, warnings };
}
