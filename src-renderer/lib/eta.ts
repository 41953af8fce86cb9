// The run monitor's time left (docs/walkthrough.md, "Time"): the studio's one ETA computation
// (shared/eta.ts) over a run's step points, in running time — pauses excluded — so a pause never
// moves it. Points recorded before running time was kept fall back to their wall-clock times.
import type { MetricPoint } from '../../src-main/shared/contract';
import { secondsLeft, type PacePoint } from '../../src-main/shared/eta';

export { PACE_STEPS } from '../../src-main/shared/eta';

/** The step points of a run as pace points: running seconds where recorded, else wall time. */
export function pacePoints(points: readonly MetricPoint[]): PacePoint[] {
  const steps = points.filter((p) => p.trainLoss !== null);
  const running = steps.filter((p) => typeof p.runSeconds === 'number');
  return running.length >= 2 ? running.map((p) => ({ step: p.step, seconds: p.runSeconds! })) : steps.map((p) => ({ step: p.step, seconds: p.time / 1000 }));
}

/**
 * Seconds left for `totalSteps`; `sinceLastSeconds` is the running time spent on the step under way
 * (0 while paused). Null with fewer than two steps, or once the run is finished.
 */
export function recentEtaSeconds(points: readonly MetricPoint[], totalSteps: number, sinceLastSeconds = 0): number | null {
  return secondsLeft(pacePoints(points), totalSteps, sinceLastSeconds);
}
