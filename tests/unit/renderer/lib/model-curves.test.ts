// An imported model's curves for the Models view: a real reference trainer log (the format train-gen.py
// writes) read by the studio's log reader, turned into MetricChart series per epoch.
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { modelCurveSeries } from '../../../../src-renderer/lib/model-curves';
import { alignSeries } from '../../../../src-renderer/lib/chart-data';
import { readLogCurves } from '../../../../src-main/studio/model-file';
import { tempDir } from '../../../helpers/temp';

describe('model curves', () => {
  it('draws train and eval loss per epoch from a reference log', async () => {
    const dir = tempDir('bgpt-curves-');
    const log = path.join(dir, 'logs-gen.txt');
    await fs.writeFile(log, 'Epoch 1\ntrain_loss: 2.5\neval_loss: 2.25\ntime: Mon\n\nEpoch 2\ntrain_loss: 1.75\neval_loss: 1.5\ntime: Tue\n\n');
    const points = await readLogCurves(log);
    const series = modelCurveSeries(points.map((p) => ({ epoch: p.epoch, trainLoss: p.trainLoss ?? null, evalLoss: p.evalLoss ?? null })));
    expect(series.map((s) => s.label)).toEqual(['train loss', 'eval loss']);
    expect(alignSeries(series)).toEqual([[1, 2], [2.5, 1.75], [2.25, 1.5]]);
    expect(series[0].color).not.toBe(series[1].color);
  });

  it('leaves out missing values and a line with none', () => {
    const series = modelCurveSeries([{ epoch: 1, trainLoss: 3, evalLoss: null }, { epoch: 2, trainLoss: Number.NaN, evalLoss: null }, { epoch: 3, trainLoss: 2, evalLoss: null }]);
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ label: 'train loss', xs: [1, 3], ys: [3, 2] });
    expect(modelCurveSeries([])).toEqual([]);
  });
});
