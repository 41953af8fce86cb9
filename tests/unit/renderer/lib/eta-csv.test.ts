// The run monitor's ETA from the recent pace, and a run's metrics as CSV (docs/walkthrough.md items 3 and 9).
import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../../src-main/shared/contract';
import { PACE_STEPS, recentEtaSeconds } from '../../../../src-renderer/lib/eta';
import { metricsCsv, safeFileStem } from '../../../../src-renderer/lib/csv';

function point(step: number, time: number, extra: Partial<MetricPoint> = {}): MetricPoint {
  return { step, time, trainLoss: 2, evalLoss: null, bitsPerByte: null, lr: 1e-3, bytesPerSecond: 100, ...extra };
}

describe('recent-pace ETA', () => {
  it('follows the last steps, not the average since the start', () => {
    // 10 slow steps (10 s each, e.g. before a pause or on a busy machine), then 40 steps of 1 s.
    const pts: MetricPoint[] = [];
    let t = 0;
    for (let s = 1; s <= 10; s++) pts.push(point(s, (t += 10_000)));
    for (let s = 11; s <= 50; s++) pts.push(point(s, (t += 1000)));
    expect(recentEtaSeconds(pts, 150)).toBeCloseTo(100, 6);
    // the whole-run average would say (140 s / 50 steps) × 100 = 280 s
  });

  it('ignores eval-only points and has no estimate before two steps or after the end', () => {
    expect(recentEtaSeconds([point(1, 1000)], 10)).toBeNull();
    const pts = [point(1, 0), point(2, 2000), point(2, 9000, { trainLoss: null, evalLoss: 1 }), point(3, 4000)];
    expect(recentEtaSeconds(pts, 13)).toBeCloseTo(20, 6);
    expect(recentEtaSeconds(pts, 3)).toBeNull();
    expect(PACE_STEPS).toBeGreaterThan(1);
  });
});

describe('ETA in running time', () => {
  it('reads the running seconds the steps recorded, so a 30 s pause does not move it', () => {
    const pts: MetricPoint[] = [];
    for (let s = 1; s <= 30; s++) pts.push(point(s, s * 1000 + (s > 25 ? 30_000 : 0), { runSeconds: s }));
    // Wall time would see 30 s more over the last 20 steps; running time sees one second a step.
    expect(recentEtaSeconds(pts, 130)).toBeCloseTo(100, 6);
    expect(recentEtaSeconds(pts.map((p) => ({ ...p, runSeconds: undefined })), 130)).toBeCloseTo(250, 6);
    // The step under way counts down.
    expect(recentEtaSeconds(pts, 130, 4)).toBeCloseTo(96, 6);
  });
});

describe('metrics CSV', () => {
  it('writes a header with units and one row per step, empty where a value is missing', () => {
    const csv = metricsCsv([point(1, Date.UTC(2026, 0, 1)), point(2, Date.UTC(2026, 0, 1, 0, 0, 1), { trainLoss: null, evalLoss: 1.5, bitsPerByte: 1.5 / Math.LN2, lr: null, bytesPerSecond: null })]);
    const rows = csv.split('\r\n');
    expect(rows[0]).toBe('step,time_utc,train_loss_nats_per_byte,eval_loss_nats_per_byte,eval_bits_per_byte,learning_rate,bytes_per_second');
    expect(rows[1]).toBe('1,2026-01-01T00:00:00.000Z,2,,,0.001,100');
    expect(rows[2]).toBe(`2,2026-01-01T00:00:01.000Z,,1.5,${1.5 / Math.LN2},,`);
    expect(rows[3]).toBe('');
  });

  it('makes file names a user would keep', () => {
    expect(safeFileStem('Folk tunes (ABC + MIDI) · tiny')).toBe('Folk-tunes-ABC-MIDI-tiny');
    expect(safeFileStem('///')).toBe('run');
  });
});

describe('export names', () => {
  it('names a sample as a musician would: tune-<run>-<n>.<ext>', async () => {
    const { exportFileName } = await import('../../../../src-renderer/lib/csv');
    expect(exportFileName({ id: 'smp_0123abcdef', ext: 'mid', runName: 'Folk tunes · tiny' })).toBe('tune-Folk-tunes-tiny-abcdef.mid');
    expect(exportFileName({ id: 'smp_9', ext: 'wav', runName: null })).toBe('sound-sample-smp_9.wav');
    expect(exportFileName({ id: 'smp_x12345', ext: 'dat', runName: 'r' })).toBe('sample-r-x12345.dat');
  });
});
