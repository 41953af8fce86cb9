// Runs and imported models on one chart (issue 24 item 9): a run's steps as epochs, a model's log per epoch.
import { describe, expect, it } from 'vitest';
import { modelColumn, stepsPerEpoch } from '../../../../src-renderer/lib/compare-models';

describe('compare models', () => {
  it('turns a run of batch 8 on 100 training files into 13 steps an epoch', () => {
    expect(stepsPerEpoch({ hyper: { batchSize: 8, accumulation: 1, lr: 1e-3, seed: 0, steps: 10, evalEvery: 5 } }, 100)).toBe(13);
    expect(stepsPerEpoch({ hyper: { batchSize: 4, accumulation: 2, lr: 1e-3, seed: 0, steps: 10, evalEvery: 5 } }, 0)).toBe(1);
  });

  it('draws a model per epoch, bits per byte from nats, gaps left out', () => {
    const points = [{ epoch: 1, trainLoss: 2, evalLoss: null }, { epoch: 2, trainLoss: 1.5, evalLoss: Math.LN2 }];
    expect(modelColumn(points, 'trainLoss')).toEqual({ xs: [1, 2], ys: [2, 1.5] });
    expect(modelColumn(points, 'evalLoss', true)).toEqual({ xs: [2], ys: [1] });
  });
});
