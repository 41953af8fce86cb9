// Migration 005 (run seconds): the running time of each recorded step, pauses excluded, the clock of
// the ETA and of the time estimates (shared/eta.ts, studio/run-time.ts).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { Db } from '../../../src-main/catalogue/db';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src-main/catalogue/migrations/index';
import { tempHome } from './helpers';

describe('migration 005 (run seconds)', () => {
  it('adds metrics.run_seconds to a version-4 database, old rows NULL, negative times refused', async () => {
    const db = await Db.open(path.join(tempHome(), 'm.sqlite'));
    await migrate(db, 'test db', MIGRATIONS.slice(0, 4));
    await db.run("INSERT INTO runs (id, name, mode, config, status, created, run_dir) VALUES ('run_a', 'a', 'generative', '{}', 'done', 0, 'runs/run_a')");
    await db.run("INSERT INTO metrics (run_id, step, time, train_loss) VALUES ('run_a', 1, 0, 2.5)");
    expect(MIGRATIONS[4]).toMatchObject({ version: 5, name: 'run-seconds' });
    expect(await migrate(db, 'test db', MIGRATIONS.slice(0, 5))).toBe(5);
    expect(await schemaVersion(db)).toBe(5);
    expect(await db.get("SELECT train_loss, run_seconds FROM metrics WHERE run_id = 'run_a'")).toEqual({ train_loss: 2.5, run_seconds: null });
    await expect(db.run("UPDATE metrics SET run_seconds = -1 WHERE run_id = 'run_a'")).rejects.toThrow(/CHECK constraint/);
    await db.run("UPDATE metrics SET run_seconds = 0.5 WHERE run_id = 'run_a'");
    await db.close();
  });

  it('records running seconds with the step, keeps them when the eval of that step arrives, and gives the latest', async () => {
    const c = await Catalogue.open(tempHome());
    const run = await c.createRun({ name: 'r', mode: 'generative', config: {} });
    expect(await c.lastRunSeconds(run.id)).toBe(0);
    await c.appendMetrics(run.id, [{ step: 1, trainLoss: 3, runSeconds: 1.5 }, { step: 2, trainLoss: 2.9, runSeconds: 3.25 }]);
    // The eval of step 2 comes later without a running time: the step's time stays.
    await c.appendMetrics(run.id, [{ step: 2, evalLoss: 2.7 }]);
    const [series] = await c.metricSeries([run.id], 'runSeconds');
    expect(series.points.map((p) => [p.step, p.value])).toEqual([[1, 1.5], [2, 3.25]]);
    expect(await c.lastRunSeconds(run.id)).toBe(3.25);
    // A resume from the checkpoint at step 1 forgets step 2: the clock counts on from 1.5 s.
    await c.truncateMetrics(run.id, 1);
    expect(await c.lastRunSeconds(run.id)).toBe(1.5);
    await c.close();
  });
});
