// Per-byte cross-entropy of a whole byte sequence through the cached inference path, computed as the
// reference's loss (DESIGN §1: every position of every patch after the start patch, 256s included).
// It proves the caches right against the parity fixtures, and is a fast CPU surprisal.
import type { InferenceModel } from './model';

/** The loss of one sequence: nats for every predicted position, and their mean. */
export interface SequenceScore {
  /** Mean cross-entropy in nats over the predicted positions. */
  loss: number;
  /** Nats of each predicted byte: position i predicts sequence value patchSize + i. */
  nats: Float32Array;
  /** Patches scored (the sequence's head, at most patchLength). */
  patches: number;
  /** True when the sequence was longer than the window and only its head was scored. */
  cropped: boolean;
}

/** -log softmax(logits)[target], computed stably. */
export function crossEntropy(logits: Float32Array, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return Math.log(sum) + max - logits[target];
}

/**
 * Scores `sequence` (values 0..256, a whole number of patches, start patch first) with the model's
 * caches: one patch-level position per patch, one byte-level position per byte. Resets the model;
 * refused (UserError) while the model is generating.
 */
export function scoreSequence(model: InferenceModel, sequence: Int32Array): SequenceScore {
  const { patchSize, patchLength } = model.config;
  if (sequence.length % patchSize !== 0 || sequence.length < 2 * patchSize) {
    throw new Error(`a sequence holds at least two whole patches of ${patchSize}, got ${sequence.length} values`);
  }
  const total = sequence.length / patchSize;
  const patches = Math.min(total, patchLength);
  const nats = new Float32Array((patches - 1) * patchSize);
  let sum = 0;
  const release = model.claim();
  try {
    model.reset();
    for (let p = 0; p + 1 < patches; p++) {
      model.pushPatch(sequence.subarray(p * patchSize, (p + 1) * patchSize));
      const target = sequence.subarray((p + 1) * patchSize, (p + 2) * patchSize);
      let logits = model.beginBytes();
      for (let j = 0; j < patchSize; j++) {
        const n = crossEntropy(logits, target[j]);
        nats[p * patchSize + j] = n;
        sum += n;
        // The last byte's output predicts nothing inside this patch.
        if (j + 1 < patchSize) logits = model.pushByte(target[j]);
      }
    }
  } finally {
    release();
  }
  return { loss: sum / nats.length, nats, patches, cropped: total > patchLength };
}
