// What crash-child.ts writes and crash.test.ts checks: deterministic per-step losses, weights and samples.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';

/** Steps per metrics batch; checkpoints fall on batch boundaries so a resume never splits a batch. */
export const BATCH = 5;
export const CHECKPOINT_EVERY = 10;
export const BEST_EVERY = 30;
/** Samples are written half-way between checkpoints. */
export const SAMPLE_OFFSET = 5;
/** Big enough that a checkpoint write takes a while and kills land inside it. */
const WEIGHTS_BYTES = 256 * 1024;

export const lossAt = (step: number): number => 5 / Math.sqrt(step);

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Weights of a step: a xorshift stream seeded by the step. */
export function weightsAt(step: number): Uint8Array {
  const out = new Uint8Array(WEIGHTS_BYTES);
  let x = (step * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function sampleBytes(step: number): Uint8Array {
  return new TextEncoder().encode(`sample from step ${step}\n`.repeat(200));
}

/** The checkpoint reader both the child and the checks give the catalogue. */
export async function readState(dir: string): Promise<{ step: number; evalLoss: number | null; sha256: string }> {
  return JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as { step: number; evalLoss: number | null; sha256: string };
}
