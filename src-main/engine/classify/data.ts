// Labelled windows for the classifier: each file's byte sequence (the reference's `read_bytes`,
// shared/patches.ts) with its label index, drawn in seeded epoch orders and cropped to the window at
// a seeded head / body / tail (training) or at the head (evaluation, prediction).
import type { BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { CROP_MODES, cropSequence, cropStart, fileSequence } from '../../shared/patches';
import type { InputFile } from '../io/files';
import { deriveSeed, permutation, Rng } from '../model/rng';

/** A file with the label it is trained or scored against. */
export interface LabelledFile extends InputFile {
  label: string;
}

export interface Example {
  seq: Int32Array;
  label: number;
  name: string;
}

/** Random streams of the classifier's sampling, apart from the generative trainer's (data.ts). */
const ORDER_STREAM = 21;
const CROP_STREAM = 22;

/** Sequences with label indices; a label outside `labels` is a UserError naming the file. */
export function buildExamples(c: BGPTConfig, files: LabelledFile[], labels: string[]): Example[] {
  const index = new Map(labels.map((l, i) => [l, i]));
  return files.map((f) => {
    const label = index.get(f.label);
    if (label === undefined) throw new UserError(`${f.name}: label '${f.label}' is not one of the model's labels (${labels.slice(0, 8).join(', ')}${labels.length > 8 ? ', …' : ''})`, 'BAD_INPUT');
    return { seq: fileSequence(f.bytes, f.ext, c.patchSize), label, name: f.name };
  });
}

/** The head window of a sequence (evaluation and prediction, as the generative evaluation). */
export function headWindow(c: BGPTConfig, seq: Int32Array): Int32Array {
  return cropSequence(seq, c.patchSize, c.patchLength);
}

/** Draws training examples by global sample index: sample k depends only on (seed, k). */
export class LabelledSampler {
  private orderEpoch = -1;
  private order: Int32Array = new Int32Array(0);

  constructor(private readonly c: BGPTConfig, private readonly examples: Example[], private readonly seed: number) {}

  sample(k: number): { window: Int32Array; label: number } {
    const n = this.examples.length;
    const epoch = Math.floor(k / n);
    if (epoch !== this.orderEpoch) {
      this.order = permutation(n, new Rng(deriveSeed(this.seed, ORDER_STREAM, epoch)));
      this.orderEpoch = epoch;
    }
    const ex = this.examples[this.order[k % n]];
    const { patchSize: s, patchLength: l } = this.c;
    if (ex.seq.length <= l * s) return { window: ex.seq, label: ex.label };
    const rng = new Rng(deriveSeed(this.seed, CROP_STREAM, k));
    const mode = CROP_MODES[rng.int(CROP_MODES.length)];
    return { window: cropSequence(ex.seq, s, l, cropStart(ex.seq.length / s, l, mode, () => rng.next())), label: ex.label };
  }
}
