// Validity as a training metric (docs/music.md): at each evaluation, a few files sampled from the current
// weights with the fast inference path (infer/), judged by the formats validator. The share judged
// valid is recorded beside the eval loss: loss says how well the model predicts, this says whether
// what it makes is usable, which is what a musician waits for.
import { validate } from '../../formats/validate';
import { samplingDefaults } from '../../shared/recipe';
import type { BGPTConfig, Precision } from '../../shared/config';
import { generate } from '../infer/generate';
import { InferenceModel } from '../infer/model';
import { deriveSeed } from '../model/rng';

/** Samples per evaluation: enough to see 0 % → 50 % → 100 %, cheap beside the eval loss. */
export const VALIDITY_SAMPLES = 4;
/** Bytes per sample at most: bounds the cost on big-window models (a sample cut here is judged as is). */
export const VALIDITY_MAX_BYTES = 4096;
/**
 * The samples are drawn from an f16 copy of the weights: half the memory of f32 and about three times its speed
 * on CPU (docs/performance.md), which is what keeps a paper-size LoRA run's evaluation within its memory plan
 * (f32 added ~0.5 GB and two minutes to each evaluation there). The rate is a share of a few samples; f16's
 * rounding (relative 2^-11 on each weight) is far below what moves it.
 */
export const VALIDITY_PRECISION = 'f16' satisfies Precision;
/** Random stream of the validity samples (data.ts and train.ts use 1..3). */
const VALIDITY_STREAM = 4;

/** The extension most training files have (the one the model is asked to make). */
export function dominantExt(files: Array<{ ext: string }>): string | null {
  const counts = new Map<string, number>();
  for (const f of files) counts.set(f.ext, (counts.get(f.ext) ?? 0) + 1);
  let best: string | null = null;
  for (const [ext, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = ext;
  return best;
}

/**
 * Share of `count` files sampled from the current weights (`tensor(name)`, a full checkpoint's tensors) (with the sampling defaults for `ext`,
 * format constraints on, seeds from (seed, step, k)) that the validator calls valid.
 */
export async function validSampleRate(c: BGPTConfig, tensor: (name: string) => Promise<Float32Array>, ext: string, seed: number, step: number, count = VALIDITY_SAMPLES): Promise<number> {
  // Filled tensor by tensor (never a second whole copy of the weights in JavaScript), at VALIDITY_PRECISION.
  const infer = new InferenceModel(c, null, 'training weights', 1, { precision: VALIDITY_PRECISION });
  // `into` takes the tensor as stored (PyTorch layout); the model transposes or packs it itself.
  await infer.fill(async (name, into) => into.set(await tensor(name)));
  let valid = 0;
  for (let k = 0; k < count; k++) {
    const r = await generate(infer, { ext, ...samplingDefaults(ext), seed: deriveSeed(seed, VALIDITY_STREAM, step, k) >>> 0, maxBytes: VALIDITY_MAX_BYTES });
    if (validate(r.bytes, ext).verdict === 'valid') valid += 1;
  }
  return valid / count;
}
