// One rule for "sample i of a request with seed S" (src-main/shared/seeds.ts), and the limits every
// front end takes it from.
import { describe, expect, it } from 'vitest';
import { SEED_LIMIT, sampleSeed } from '../../../src-main/shared/seeds';
import { requests } from '../../../src-main/shared/contract';
import { SAMPLING_FIELDS } from '../../../src-renderer/state/generate-form';

describe('sample seeds', () => {
  it('are uint32, sample i taking (S + i) mod 2^32', () => {
    expect(sampleSeed(7, 0)).toBe(7);
    expect(sampleSeed(7, 3)).toBe(10);
    expect(sampleSeed(SEED_LIMIT.max, 1)).toBe(0);
    expect(sampleSeed(2 ** 31 - 1, 1)).toBe(2 ** 31); // where the UI used to wrap to 0 (mod 2^31)
  });

  it('bound the contract and the Generate form alike', () => {
    const seed = requests.generateRequest.shape.sampling.unwrap().shape.seed;
    expect(seed.safeParse(SEED_LIMIT.max).success).toBe(true);
    expect(seed.safeParse(SEED_LIMIT.max + 1).success).toBe(false);
    expect(seed.safeParse(-1).success).toBe(false);
    expect(seed.safeParse(1.5).success).toBe(false);
    expect([SAMPLING_FIELDS.seed.min, SAMPLING_FIELDS.seed.max]).toEqual([SEED_LIMIT.min, SEED_LIMIT.max]);
  });
});
