// Metric series bookkeeping: history from getMetrics and live batches from onMetrics can overlap or
// arrive out of order, so points are merged by step (the newest report of a step wins).
import type { MetricPoint } from '../../src-main/shared/contract';

/** `a` and `b` merged, sorted by step, one point per step (b's points replace a's). */
export function mergePoints(a: readonly MetricPoint[], b: readonly MetricPoint[]): MetricPoint[] {
  if (b.length === 0) return a.slice();
  const last = a.at(-1);
  // Fast path for the live case: a batch that strictly follows what is there.
  if (!last || b[0].step > last.step) {
    if (isSorted(b)) return [...a, ...b];
  }
  const byStep = new Map<number, MetricPoint>();
  for (const p of a) byStep.set(p.step, p);
  for (const p of b) {
    const old = byStep.get(p.step);
    byStep.set(p.step, old ? combine(old, p) : p);
  }
  return [...byStep.values()].sort((x, y) => x.step - y.step);
}

/** Train and eval values of one step may come in separate reports: keep every value either has. */
function combine(old: MetricPoint, p: MetricPoint): MetricPoint {
  return {
    step: p.step,
    time: p.time,
    trainLoss: p.trainLoss ?? old.trainLoss,
    evalLoss: p.evalLoss ?? old.evalLoss,
    bitsPerByte: p.bitsPerByte ?? old.bitsPerByte,
    lr: p.lr ?? old.lr,
    bytesPerSecond: p.bytesPerSecond ?? old.bytesPerSecond,
    validRate: p.validRate ?? old.validRate ?? null,
    runSeconds: p.runSeconds ?? old.runSeconds,
    evalAccuracy: p.evalAccuracy ?? old.evalAccuracy,
  };
}

function isSorted(points: readonly MetricPoint[]): boolean {
  return points.every((p, i) => i === 0 || points[i - 1].step < p.step);
}

export type MetricKey = Exclude<keyof MetricPoint, 'step' | 'time'>;

/** The steps and values of one metric, skipping points that do not report it. */
export function column(points: readonly MetricPoint[], key: MetricKey): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const p of points) {
    const v = p[key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      xs.push(p.step);
      ys.push(v);
    }
  }
  return { xs, ys };
}
