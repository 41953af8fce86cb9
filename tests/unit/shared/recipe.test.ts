// Defaults that fit the data (shared/recipe.ts): measured on the built-in datasets' real files, the rule
// gives the measured ABC recipe for the tunes, a window that holds 90 % of the MIDI files, and never plans
// more than the 10-minute budget, whatever the data's size.
import { describe, it, expect } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { BUDGET_SECONDS, MAX_EPOCHS, TUNES_RECIPE, WINDOW_LADDER, estimateRunSeconds, profileOf, trainDefaults } from '../../../src-main/shared/recipe';

const DATASETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../datasets');
const filesOf = (name: string) => ['train', 'eval'].flatMap((split) => readdirSync(path.join(DATASETS, name, split))
  .map((n) => ({ size: statSync(path.join(DATASETS, name, split, n)).size, split, ext: path.extname(n).slice(1) })));

describe('trainDefaults', () => {
  it('gives the built-in ABC tunes exactly the measured recipe', () => {
    const files = filesOf('abc-tunes');
    const d = trainDefaults(profileOf(files));
    // The recipe's updates, or fewer where its passes over this set would pass the cap (the set keeps only tunes
    // abc2midi plays exactly: 231 training files, 40 passes = 1,155 updates).
    const passes = Math.ceil((MAX_EPOCHS * files.filter((f) => f.split === 'train').length) / TUNES_RECIPE.batchSize);
    expect(d).toMatchObject({ preset: 'tunes', config: TUNES_RECIPE.config, steps: Math.min(TUNES_RECIPE.steps, passes), batchSize: TUNES_RECIPE.batchSize, lr: TUNES_RECIPE.lr });
    expect(Math.ceil(d.steps / d.evalEvery)).toBe(TUNES_RECIPE.evals);
    expect(d.seconds).toBeLessThanOrEqual(BUDGET_SECONDS);
  });

  it('gives the built-in MIDI tunes a window holding 90 % of them and the same work per update', () => {
    const files = filesOf('midi-tunes');
    const d = trainDefaults(profileOf(files));
    const windowBytes = (d.config.patchLength - 2) * 16;
    const train = files.filter((f) => f.split === 'train');
    const top = WINDOW_LADDER[WINDOW_LADDER.length - 1];
    const share = train.filter((f) => f.size <= windowBytes).length / train.length;
    // 90 % fit whole, or (the set's tunes are longer than that) the largest window a default run takes, saying so.
    if (d.config.patchLength < top) expect(share).toBeGreaterThanOrEqual(0.9);
    else expect(d.why).toMatch(/the largest window a default run takes; longer files are cropped/);
    expect(WINDOW_LADDER.filter((w) => w < d.config.patchLength).every((w) => train.filter((f) => f.size <= (w - 2) * 16).length / train.length < 0.9)).toBe(true);
    expect(d.preset).toBe('tiny');
    expect(d.batchSize * d.config.patchLength).toBeCloseTo(TUNES_RECIPE.batchSize * TUNES_RECIPE.config.patchLength, -2);
    expect(d.steps).toBeGreaterThan(TUNES_RECIPE.steps * 0.9);
    expect(d.seconds).toBeLessThanOrEqual(BUDGET_SECONDS);
    expect(d.why).toMatch(new RegExp(`^window ${d.config.patchLength} patches`));
  });

  it('stops a small dataset at 40 passes, crops what no window holds, and spends at most a tenth of the budget on a big eval split', () => {
    const small = trainDefaults({ trainFiles: 30, evalFiles: 3, p90Bytes: 400, maxBytes: 500, onlyAbc: false });
    expect(small.steps).toBe(Math.ceil((MAX_EPOCHS * 30) / small.batchSize));
    expect(small.why).toMatch(/40 passes over 30 files/);
    const tiny = trainDefaults({ trainFiles: 2, evalFiles: 0, p90Bytes: 100, maxBytes: 100, onlyAbc: true });
    expect(tiny.steps).toBe(100);
    const huge = trainDefaults({ trainFiles: 214_122, evalFiles: 2162, p90Bytes: 900, maxBytes: 60_000, onlyAbc: true });
    expect(huge.preset).toBe('tiny'); // one tune longer than the recipe's window: not the recipe's data
    expect(huge.config.patchLength).toBe(64);
    expect(Math.ceil(huge.steps / huge.evalEvery)).toBe(2);
    expect(huge.seconds).toBeLessThanOrEqual(BUDGET_SECONDS);
    const long = trainDefaults({ trainFiles: 100, evalFiles: 10, p90Bytes: 50_000, maxBytes: 90_000, onlyAbc: false });
    expect(long.config.patchLength).toBe(256);
    expect(long.why).toMatch(/cropped/);
  });

  it('estimates a run from its updates and evaluations', () => {
    const one = estimateRunSeconds({ patchLength: 64, batchSize: 8, steps: 100, evalEvery: 100, evalFiles: 0 });
    const two = estimateRunSeconds({ patchLength: 64, batchSize: 8, steps: 200, evalEvery: 200, evalFiles: 0 });
    expect(two - one).toBeCloseTo(100 * 0.35, 5);
    expect(estimateRunSeconds({ patchLength: 128, batchSize: 4, steps: 100, evalEvery: 100, evalFiles: 0 })).toBeCloseTo(one, 5);
    expect(profileOf([])).toEqual({ trainFiles: 0, evalFiles: 0, p90Bytes: 0, maxBytes: 0, onlyAbc: false });
  });
});
