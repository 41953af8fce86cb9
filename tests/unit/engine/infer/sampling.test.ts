// Sampling steps: validation of every argument, what each step keeps, and seeded determinism.
import { describe, it, expect } from 'vitest';
import { Sampler, sampleLogits, samplingSteps, temperature, topK, topP, excludeTokens } from '../../../../src-main/engine/infer/sampling';
import { Rng } from '../../../../src-main/engine/model/rng';
import { UserError } from '../../../../src-main/shared/errors';

const logits = () => Float32Array.from([1, 3, 2, 0, 3]);
const kept = (l: Float32Array) => Array.from(l, (v, i) => (v === -Infinity ? -1 : i)).filter((i) => i >= 0);

describe('argument validation', () => {
  it('refuses temperature ≤ 0 or not finite', () => {
    for (const t of [0, -1, NaN, Infinity]) expect(() => temperature(t)).toThrow(UserError);
    expect(() => temperature(0)).toThrow(/temperature must be a number > 0, got 0/);
  });
  it('refuses top-p outside (0, 1]', () => {
    for (const p of [0, -0.1, 1.01, NaN]) expect(() => topP(p)).toThrow(UserError);
    expect(() => topP(1.5)).toThrow(/top-p must be in \(0, 1\], got 1.5/);
  });
  it('refuses top-k below 0 or fractional', () => {
    for (const k of [-1, 2.5, NaN]) expect(() => topK(k)).toThrow(UserError);
    expect(() => topK(-3)).toThrow(/top-k must be a whole number ≥ 0 \(0 = off\), got -3/);
  });
  it('validates through samplingSteps too', () => {
    expect(() => samplingSteps({ temperature: -2 })).toThrow(UserError);
  });
});

describe('steps', () => {
  it('top-k keeps the k largest (ties by index) and 0 keeps all', () => {
    const l = logits();
    topK(2)(l);
    expect(kept(l)).toEqual([1, 4]);
    const all = logits();
    topK(0)(all);
    expect(all).toEqual(logits());
  });

  it('top-p keeps the smallest set reaching p, the crossing value included', () => {
    // softmax of [1,3,2,0,3]: 3s ≈ 0.366 each, 2 ≈ 0.135, 1 ≈ 0.05, 0 ≈ 0.018
    const a = logits();
    topP(0.5)(a);
    expect(kept(a)).toEqual([1, 4]);
    const b = logits();
    topP(0.8)(b);
    expect(kept(b)).toEqual([1, 2, 4]);
    const c = logits();
    topP(1)(c);
    expect(c).toEqual(logits());
  });

  it('temperature divides the logits', () => {
    const l = logits();
    temperature(0.5)(l);
    expect(Array.from(l)).toEqual([2, 6, 4, 0, 6]);
  });

  it('exclusion removes the named values', () => {
    const l = logits();
    excludeTokens([4])(l);
    expect(kept(l)).toEqual([0, 1, 2, 3]);
  });
});

describe('drawing', () => {
  it('follows the distribution', () => {
    const rng = new Rng(7);
    const counts = [0, 0, 0];
    const l = Float32Array.from([Math.log(0.2), Math.log(0.5), Math.log(0.3)]);
    for (let i = 0; i < 20000; i++) counts[sampleLogits(l, rng)]++;
    expect(counts[0] / 20000).toBeCloseTo(0.2, 1);
    expect(counts[1] / 20000).toBeCloseTo(0.5, 1);
    expect(counts[2] / 20000).toBeCloseTo(0.3, 1);
  });

  it('never draws a removed value', () => {
    const rng = new Rng(1);
    const l = Float32Array.from([0, -Infinity, 0, -Infinity]);
    for (let i = 0; i < 1000; i++) expect([0, 2]).toContain(sampleLogits(l, rng));
  });

  it('gives the same draws for the same seed and leaves the model logits untouched', () => {
    const draw = (seed: number) => {
      const s = new Sampler({ topK: 4, topP: 0.9, temperature: 1.3 }, new Rng(seed), 5);
      const l = logits();
      const out = Array.from({ length: 50 }, () => s.sample(l));
      expect(l).toEqual(logits());
      return out;
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });
});
