// Sampler seeds, one rule for every front end and the engine: seeds are uint32, and sample i of a request
// with seed S is made with seed (S + i) mod 2^32 (the engine's batched generation makes exactly the bytes
// one run with that seed makes, engine/infer/generate.ts generateMany).

/** Seeds a sampler takes: 0 .. 2^32 - 1 (the contract's schema and the forms' limits follow it). */
export const SEED_LIMIT = { min: 0, max: 2 ** 32 - 1 } as const;

const SEEDS = 2 ** 32;

/** The seed of sample `index` of a request whose seed is `seed`. */
export function sampleSeed(seed: number, index: number): number {
  return (seed + index) % SEEDS;
}
