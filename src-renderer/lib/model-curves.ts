// An imported model's training curves (docs/pytorch.md: the reference trainer's `logs-*.txt`, read by
// getModelMetrics) as MetricChart series: train and eval loss per epoch, points missing in the log left out.
import type { ModelMetricPoint } from '../../src-main/shared/contract';
import type { ChartSeries } from './chart-data';
import { runColor } from './colors';

export function modelCurveSeries(points: readonly ModelMetricPoint[]): ChartSeries[] {
  const line = (label: string, pick: (p: ModelMetricPoint) => number | null, i: number): ChartSeries | null => {
    const kept = points.filter((p) => pick(p) !== null && Number.isFinite(pick(p)));
    if (kept.length === 0) return null;
    return { label, color: runColor(i), xs: kept.map((p) => p.epoch), ys: kept.map((p) => pick(p)), sparse: kept.length < 2 };
  };
  return [line('train loss', (p) => p.trainLoss, 0), line('eval loss', (p) => p.evalLoss, 1)].filter((s): s is ChartSeries => s !== null);
}
