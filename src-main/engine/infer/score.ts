// Per-byte cross-entropy of a whole byte sequence through the cached inference path, computed as the
// reference's loss (docs/model.md: every position of every patch after the start patch, 256s included).
// It proves the caches right against the parity fixtures; scoreFile and fileSurprisal are the one
// computation of a file's bits per byte (evaluation) and of each of its bytes' bits (the viewer).
import { VOCAB_SIZE } from '../../shared/config';
import { cropSequence, fileSequence, fitsWindow } from '../../shared/patches';
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
    // A model loaded with batch > 1 reads up to `batch` patches per pass and runs their byte decoders
    // side by side (prefill): the same arithmetic per position, each weight read once per group.
    const group = model.batch;
    const targets = new Int32Array(group);
    // Summed in position order in float64, as the one-position-at-a-time loop did.
    const exact = new Float64Array(nats.length);
    for (let p0 = 0; p0 + 1 < patches; p0 += group) {
      const n = Math.min(group, patches - 1 - p0);
      model.prefillPatches(sequence.subarray(p0 * patchSize, (p0 + n) * patchSize));
      let logits = model.beginBytesAll();
      for (let j = 0; j < patchSize; j++) {
        for (let r = 0; r < n; r++) {
          const t = sequence[(p0 + r + 1) * patchSize + j];
          const nll = crossEntropy(logits.subarray(r * VOCAB_SIZE, (r + 1) * VOCAB_SIZE), t);
          exact[(p0 + r) * patchSize + j] = nll;
          targets[r] = t;
        }
        // The last byte's output predicts nothing inside this patch.
        if (j + 1 < patchSize) logits = model.pushBytes(targets.subarray(0, n));
      }
    }
    for (let i = 0; i < exact.length; i++) sum += exact[i];
    nats.set(exact);
  } finally {
    release();
  }
  return { loss: sum / nats.length, nats, patches, cropped: total > patchLength };
}

/**
 * A file's score, THE definition every front end shows (docs/cli.md `bgpt eval`, the Models view, the
 * viewer's surprisal mean): the file alone, its sequence's head window (start patch, data, end patch,
 * cut to patchLength), the mean cross-entropy over every predicted position of it, as the reference.
 */
export interface FileScore {
  /** Mean nats per predicted position of the head window. */
  loss: number;
  bitsPerByte: number;
  /** Patches in the head window. */
  patches: number;
  /** The file did not fit one window: only its head was scored. */
  cropped: boolean;
}

/** A file's score and the bits of each of its bytes (a long file read window after window). */
export interface FileSurprisal extends FileScore {
  /** Bits of every byte of the file, in order. */
  bits: Float32Array;
  /** Windows read (1 when the file fits). */
  windows: number;
}

/** The head window of a file: its sequence (start patch, bytes, end patch) cut to patchLength patches. */
export function headSequence(bytes: Uint8Array, ext: string, config: { patchSize: number; patchLength: number }): Int32Array {
  return cropSequence(fileSequence(bytes, ext, config.patchSize), config.patchSize, config.patchLength);
}

/** Scores a file (see FileScore) on the cached kernels. */
export function scoreFile(model: InferenceModel, bytes: Uint8Array, ext: string): FileScore {
  const { score } = scoreHead(model, bytes, ext);
  return score;
}

function scoreHead(model: InferenceModel, bytes: Uint8Array, ext: string): { score: FileScore; nats: Float32Array } {
  const seq = headSequence(bytes, ext, model.config);
  const s = scoreSequence(model, seq);
  return { score: { loss: s.loss, bitsPerByte: s.loss / Math.LN2, patches: s.patches, cropped: !fitsWindow(bytes.length, model.config) }, nats: s.nats };
}

/**
 * The score of a file (scoreFile: the same computation, the same number) and the bits of every byte.
 * The head window gives both; a longer file is read on in successive windows, each the next
 * (patchLength - 1) patches of data behind the extension's start patch, so the first bytes of a later
 * window are predicted with less context than in one long pass.
 */
export function fileSurprisal(model: InferenceModel, bytes: Uint8Array, ext: string): FileSurprisal {
  const { patchSize: s, patchLength: l } = model.config;
  const chunk = (l - 1) * s;
  const bits = new Float32Array(bytes.length);
  const head = scoreHead(model, bytes, ext);
  // Position k of a window predicts its data byte k: the start patch is never a target.
  for (let k = 0; k < Math.min(chunk, bytes.length); k++) bits[k] = head.nats[k] / Math.LN2;
  let windows = 1;
  for (let at = chunk; at < bytes.length; at += chunk, windows++) {
    const part = bytes.subarray(at, at + chunk);
    const rows = scoreSequence(model, headSequence(part, ext, model.config)).nats;
    for (let k = 0; k < part.length; k++) bits[at + k] = rows[k] / Math.LN2;
  }
  return { ...head.score, bits, windows };
}
