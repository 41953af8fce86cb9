// Training examples: whole-file sequences (or conversion pairs, docs/model.md), drawn in seeded epoch
// permutations and cut to the window at a seeded head / body / tail crop. Sample k of a run depends
// only on (seed, k), so a resumed run draws exactly the batches the uninterrupted run would have.
import type { BGPTConfig } from '../../shared/config';
import { conversionSequence, CROP_MODES, cropSequence, cropStart, fileSequence } from '../../shared/patches';
import type { FilePair, InputFile } from '../io/files';
import { deriveSeed, permutation, Rng } from '../model/rng';

/** Stream tags so the epoch orders and the crops use unrelated random streams. */
const ORDER_STREAM = 1;
const CROP_STREAM = 2;

/** Full sequences of the training files, or of the conversion pairs when given. */
export function buildSequences(c: BGPTConfig, files: InputFile[], pairs: FilePair[] = []): Int32Array[] {
  if (pairs.length > 0) {
    return pairs.map((p) => conversionSequence(p.input.bytes, p.input.ext, p.target.bytes, p.target.ext, c.patchSize));
  }
  return files.map((f) => fileSequence(f.bytes, f.ext, c.patchSize));
}

/** Sequences longer than the window (they are cropped when drawn). */
export function countCropped(c: BGPTConfig, seqs: Int32Array[]): number {
  return seqs.filter((s) => s.length > c.patchLength * c.patchSize).length;
}

/** Draws training windows by global sample index. */
export class Sampler {
  private orderEpoch = -1;
  private order: Int32Array = new Int32Array(0);

  /**
   * `keepHead`: conversion pairs are always cut at the head, so the input file's beginning (its
   * extension patch and header) is never lost, as the reference truncates a long pair to its head.
   */
  constructor(private readonly c: BGPTConfig, private readonly seqs: Int32Array[], private readonly seed: number, private readonly keepHead = false) {}

  /** Window number `k` of the run: epoch k / n in a seeded order, cropped with a seeded mode. */
  sample(k: number): Int32Array {
    const n = this.seqs.length;
    const epoch = Math.floor(k / n);
    if (epoch !== this.orderEpoch) {
      this.order = permutation(n, new Rng(deriveSeed(this.seed, ORDER_STREAM, epoch)));
      this.orderEpoch = epoch;
    }
    const seq = this.seqs[this.order[k % n]];
    const { patchSize: s, patchLength: l } = this.c;
    if (seq.length <= l * s) return seq;
    if (this.keepHead) return cropSequence(seq, s, l, 0);
    const rng = new Rng(deriveSeed(this.seed, CROP_STREAM, k));
    const mode = CROP_MODES[rng.int(CROP_MODES.length)];
    return cropSequence(seq, s, l, cropStart(seq.length / s, l, mode, () => rng.next()));
  }
}
