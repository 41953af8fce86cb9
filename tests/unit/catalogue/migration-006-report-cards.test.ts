// Migration 006 (report cards): the table on a real SQLite file upgraded from version 5, its checks, and
// the store's round trip: a run's cards newest first, kept when the dataset goes, gone with their run.
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { Db } from '../../../src-main/catalogue/db';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src-main/catalogue/migrations/index';
import { cataloguePath } from '../../../src-main/catalogue/paths';
import { storeBlob, tempHome } from './helpers';

describe('migration 006 (report cards)', () => {
  it('adds report_cards to a version-5 database, refusing a card that is not a JSON object or has no samples', async () => {
    const home = tempHome();
    const db = await Db.open(cataloguePath(home));
    await migrate(db, 'test db', MIGRATIONS.slice(0, 5));
    expect(await schemaVersion(db)).toBe(5);
    expect(MIGRATIONS[5]).toMatchObject({ version: 6, name: 'report-cards' });
    expect(await migrate(db, 'test db', MIGRATIONS.slice(0, 6))).toBe(6);
    expect((await db.all<{ name: string }>('PRAGMA table_info(report_cards)')).map((c) => c.name))
      .toEqual(['id', 'run_id', 'model_id', 'checkpoint', 'step', 'dataset_id', 'ext', 'samples', 'created', 'card']);
    const insert = (card: string, samples = 20) => db.run(`INSERT INTO report_cards (id, checkpoint, ext, samples, created, card) VALUES ('rc_x${Math.random()}', 'best', 'abc', ${samples}, 1, ${card})`);
    await insert(`'{"valid":{"verdict":0.5}}'`);
    for (const bad of ["'not json'", "'[1]'", "'3'"]) await expect(insert(bad)).rejects.toThrow(/CHECK constraint/);
    await expect(insert(`'{}'`, 0)).rejects.toThrow(/CHECK constraint/);
    await db.close();
  });

  it('keeps a run\'s cards newest first, unlinks them from a deleted dataset, and deletes them with their run', async () => {
    const home = tempHome();
    const c = await Catalogue.open(home);
    const d = await c.createDataset({ name: 'tunes', source: '/music', kind: 'generative', files: [await storeBlob(home, 'X:1\nK:C\nC|\n', '1.abc')] });
    const run = await c.createRun({ name: 'r', datasetId: d.id, mode: 'generative', config: {} });
    const first = await c.reportCards.insert({ runId: run.id, modelId: null, checkpoint: 'best', step: 100, datasetId: d.id, ext: 'abc', samples: 20, card: { n: 1 } });
    await new Promise((r) => setTimeout(r, 5));
    const second = await c.reportCards.insert({ runId: run.id, modelId: null, checkpoint: 'last', step: 200, datasetId: d.id, ext: 'abc', samples: 20, card: { n: 2 } });
    expect((await c.reportCards.list({ runId: run.id })).map((r) => r.id)).toEqual([second.id, first.id]);
    expect((await c.reportCards.latestByRun()).get(run.id)?.card).toEqual({ n: 2 });
    // A card for a run that no longer exists is kept unlinked rather than refused.
    const orphan = await c.reportCards.insert({ runId: 'run_gone', modelId: 'mdl_1', checkpoint: '/some/dir', step: null, datasetId: null, ext: 'mid', samples: 4, card: {} });
    expect(orphan.runId).toBeNull();
    expect((await c.reportCards.list({ modelId: 'mdl_1' })).map((r) => r.id)).toEqual([orphan.id]);
    await c.deleteDataset(d.id);
    expect((await c.reportCards.list({ runId: run.id }))[0].datasetId).toBeNull();
    await c.deleteRun(run.id);
    expect(await c.reportCards.list({ runId: run.id })).toEqual([]);
    await c.close();
  });
});
