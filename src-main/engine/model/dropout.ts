// Dropout as GPT-2 applies it while training (embeddings, attention probabilities, both residual
// branches; HF `GPT2Config` defaults, with which the reference trains). A Dropout is a stream of mask
// keys: call k uses key deriveSeed(seed, k), so a step is reproducible from its seed alone (exact
// resume), on every backend; the backend's ops (backend/ops.ts) turn a key into a mask where the
// tensor lives.
import { deriveSeed } from './rng';

export class Dropout {
  private calls = 0;
  constructor(readonly rate: number, readonly seed: number) {}

  /** The key of the next mask of this stream. */
  nextKey(): number {
    return deriveSeed(this.seed, this.calls++);
  }
}
