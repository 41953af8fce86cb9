// The time a run will take before it starts (studio/run-time.ts): from the running seconds an earlier
// run of the same model recorded in a real catalogue, scaled by the batch when it differs; nothing
// comparable measured gives no figure.
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { presetConfig } from '../../../src-main/shared/config';
import { measuredPace, shapeKey } from '../../../src-main/studio/run-time';
import { tempHome } from '../catalogue/helpers';

const TINY = presetConfig('tiny');
const hyper = (batchSize: number) => ({ batchSize, accumulation: 1, lr: 1e-3, seed: 0, steps: 10, evalEvery: 5 });

async function timedRun(c: Catalogue, name: string, batch: number, secondsPerStep: number, backend = 'wasm') {
  const run = await c.createRun({ name, mode: 'generative', config: { model: TINY, hyper: hyper(batch) } as never, backend });
  await c.appendMetrics(run.id, Array.from({ length: 10 }, (_, i) => ({ step: i + 1, trainLoss: 2, runSeconds: 5 + (i + 1) * secondsPerStep })));
  return run;
}

describe('measuredPace', () => {
  it('takes the pace of a run of the same model and batch on this backend', async () => {
    const c = await Catalogue.open(tempHome());
    await timedRun(c, 'batch 8', 8, 2);
    await timedRun(c, 'batch 4', 4, 0.75);
    await timedRun(c, 'on webgpu', 4, 0.1, 'webgpu');
    const pace = await measuredPace(c, { config: TINY, mode: 'generative', batch: 4, backend: 'wasm' });
    expect(pace?.secondsPerStep).toBeCloseTo(0.75, 9);
    expect(pace?.basis).toBe('measured on this machine by run “batch 4”');
    await c.close();
  });

  it('scales another batch of the same model, and says so', async () => {
    const c = await Catalogue.open(tempHome());
    await timedRun(c, 'batch 8', 8, 2);
    const pace = await measuredPace(c, { config: TINY, mode: 'generative', batch: 2, backend: 'wasm' });
    expect(pace?.secondsPerStep).toBeCloseTo(0.5, 9);
    expect(pace?.basis).toMatch(/batch 8.*scaled to batch 2/);
    await c.close();
  });

  it('gives nothing for another model shape, mode or backend, or a run without running times', async () => {
    const c = await Catalogue.open(tempHome());
    await timedRun(c, 'tiny', 4, 1);
    const old = await c.createRun({ name: 'old', mode: 'generative', config: { model: presetConfig('small'), hyper: hyper(4) } as never, backend: 'wasm' });
    await c.appendMetrics(old.id, [{ step: 1, trainLoss: 2 }, { step: 2, trainLoss: 2 }, { step: 3, trainLoss: 2 }]);
    expect(await measuredPace(c, { config: presetConfig('small'), mode: 'generative', batch: 4, backend: 'wasm' })).toBeNull();
    expect(await measuredPace(c, { config: TINY, mode: 'classification', batch: 4, backend: 'wasm' })).toBeNull();
    expect(await measuredPace(c, { config: TINY, mode: 'generative', batch: 4, backend: 'webgpu' })).toBeNull();
    // The engine has not said its backend yet: any backend's measurement will do.
    expect((await measuredPace(c, { config: TINY, mode: 'generative', batch: 4, backend: null }))?.secondsPerStep).toBeCloseTo(1, 9);
    expect(shapeKey(TINY)).not.toBe(shapeKey(presetConfig('small')));
    await c.close();
  });
});
