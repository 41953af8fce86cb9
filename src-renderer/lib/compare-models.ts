// Runs and imported models on the same charts (issue 24 item 9): a model's curves come per epoch from
// its reference log, a run's per step, so on the epoch axis a run's step becomes the epoch it falls in
// (steps ÷ steps per epoch of its dataset and batch) and both line up.
import type { ModelMetricPoint, RunSummary } from '../../src-main/shared/contract';

/** Steps per epoch of a run: its training files over its effective batch (at least 1). */
export function stepsPerEpoch(run: Pick<RunSummary, 'hyper'>, trainFiles: number): number {
  return Math.max(1, Math.ceil(trainFiles / Math.max(1, run.hyper.batchSize * run.hyper.accumulation)));
}

/** A model's loss (or bits per byte) per epoch: x = epoch, points the log lacks left out. */
export function modelColumn(points: readonly ModelMetricPoint[], key: 'trainLoss' | 'evalLoss', bits = false): { xs: number[]; ys: number[] } {
  const kept = points.filter((p) => typeof p[key] === 'number' && Number.isFinite(p[key]));
  return { xs: kept.map((p) => p.epoch), ys: kept.map((p) => (bits ? (p[key] as number) / Math.LN2 : (p[key] as number))) };
}
