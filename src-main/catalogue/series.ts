// Metric series for training curves. A long run is cut into equal-count buckets and each bucket keeps
// its minimum, maximum and last point, so spikes and the trend survive downsampling (the "min/max/last"
// decimation plotting tools such as uPlot users apply to dense series).
import type { Executor } from './db';
import type { MetricName, MetricPoint } from './types';

const COLUMN: Record<MetricName, string> = {
  trainLoss: 'train_loss',
  evalLoss: 'eval_loss',
  evalBpb: 'eval_bpb',
  lr: 'lr',
  bytesPerSecond: 'bytes_per_second',
  validRate: 'valid_rate',
  runSeconds: 'run_seconds',
};
/** Points each bucket may contribute (min, max, last). */
const POINTS_PER_BUCKET = 3;

export function metricColumn(metric: MetricName): string {
  const column = COLUMN[metric];
  if (!column) throw new Error(`unknown metric '${metric}'`);
  return column;
}

/** All points of one metric of one run, or at most `maxPoints` of them; also the full count. */
export async function readSeries(db: Executor, runId: string, metric: MetricName, maxPoints: number): Promise<{ points: MetricPoint[]; total: number }> {
  const col = metricColumn(metric);
  const count = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM metrics WHERE run_id = ? AND ${col} IS NOT NULL`, [runId]);
  const total = count?.n ?? 0;
  if (total <= maxPoints) {
    const points = await db.all<MetricPoint>(
      `SELECT step, time, ${col} AS value FROM metrics WHERE run_id = ? AND ${col} IS NOT NULL ORDER BY step`, [runId]);
    return { points, total };
  }
  const buckets = Math.max(1, Math.floor(maxPoints / POINTS_PER_BUCKET));
  // With one MIN()/MAX() aggregate SQLite takes the bare columns from the row holding that extreme.
  const points = await db.all<MetricPoint>(`
    WITH b AS (
      SELECT step, time, ${col} AS value, ((ROW_NUMBER() OVER (ORDER BY step) - 1) * ?) / ? AS bucket
      FROM metrics WHERE run_id = ? AND ${col} IS NOT NULL
    )
    SELECT step, time, value FROM (
      SELECT step, time, MIN(value) AS value FROM b GROUP BY bucket
      UNION SELECT step, time, MAX(value) FROM b GROUP BY bucket
      UNION SELECT MAX(step), time, value FROM b GROUP BY bucket
    ) ORDER BY step`, [buckets, total, runId]);
  return { points, total };
}
