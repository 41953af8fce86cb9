// Dropout as GPT-2 applies it while training (embeddings, attention probabilities, both residual
// branches; HF `GPT2Config` defaults, with which the reference trains). A Dropout is a stream of mask
// keys: call k uses key deriveSeed(seed, k), so a step is reproducible from its seed alone (exact
// resume), on every backend; the backend's ops (backend/ops.ts) turn a key into a mask where the
// tensor lives. `part(i)` is the stream of one part of the model (a block): a block recomputed in the
// backward pass (activation recomputation) draws exactly the masks of its forward pass.
import { deriveSeed } from './rng';

/** Keeps the part streams apart from the stream's own keys (call numbers are small). */
const PART_TAG = 0x7a11;

export class Dropout {
  private calls = 0;
  constructor(readonly rate: number, readonly seed: number) {}

  /** The key of the next mask of this stream. */
  nextKey(): number {
    return deriveSeed(this.seed, this.calls++);
  }

  /** The stream of part `i` of the model: a pure function of (seed, i). */
  part(i: number): Dropout {
    return new Dropout(this.rate, deriveSeed(this.seed, PART_TAG, i));
  }
}
