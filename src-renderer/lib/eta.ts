// Time left for a training run from its recent pace (docs/walkthrough.md): the last few steps, not the
// whole run, so a pause, a slower eval phase or a warm-up at the start does not skew the estimate.
import type { MetricPoint } from '../../src-main/shared/contract';

/** Steps the pace is measured over: enough to average out step-to-step noise, recent enough to follow changes. */
export const PACE_STEPS = 20;

/**
 * Seconds left from the train points' times: (total - step) × seconds per step over the last
 * PACE_STEPS steps. Null with fewer than two steps, or once the run is finished.
 */
export function recentEtaSeconds(points: readonly MetricPoint[], totalSteps: number): number | null {
  const steps = points.filter((p) => p.trainLoss !== null);
  if (steps.length < 2) return null;
  const last = steps[steps.length - 1];
  const first = steps[Math.max(0, steps.length - 1 - PACE_STEPS)];
  if (last.step >= totalSteps || last.step <= first.step || last.time <= first.time) return null;
  const secondsPerStep = (last.time - first.time) / 1000 / (last.step - first.step);
  return (totalSteps - last.step) * secondsPerStep;
}
