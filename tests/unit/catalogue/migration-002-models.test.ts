// Migration 002 (models): the models and model_metrics tables, their constraints, and models in the
// catalogue (lookup by id or name, rename, delete, reconcile of a vanished file).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Db } from '../../../src-main/catalogue/db';
import { MIGRATIONS, migrate } from '../../../src-main/catalogue/migrations/index';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { modelDir, newId } from '../../../src-main/catalogue/paths';
import type { NewModel } from '../../../src-main/catalogue/models';
import { tempHome } from './helpers';

async function columns(db: Db, table: string): Promise<string[]> {
  return (await db.all<{ name: string }>(`PRAGMA table_info(${table})`)).map((c) => c.name);
}

async function placeModel(home: string, name: string, bytes = 'weights'): Promise<NewModel> {
  const id = newId('mdl');
  const file = path.join(modelDir(home, id), 'weights.pth');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
  return {
    id, name, source: '/tmp/x.pth', kind: 'generative', config: { patch_size: 4, patch_length: 8, hidden_size: 16, patch_num_layers: 1, byte_num_layers: 1 },
    parameters: 1234, size: bytes.length, sha256: 'a'.repeat(64), labels: null, meta: { epoch: 3 }, path: file,
  };
}

describe('migration 002 (models)', () => {
  it('creates models and model_metrics with their constraints', async () => {
    const db = await Db.open(path.join(tempHome(), 'm.sqlite'));
    await migrate(db, 'test db', MIGRATIONS.slice(0, 2));
    expect(await columns(db, 'models')).toEqual(
      ['id', 'name', 'source', 'kind', 'config', 'parameters', 'size', 'sha256', 'labels', 'meta', 'created', 'path', 'status']);
    expect(await columns(db, 'model_metrics')).toEqual(['model_id', 'epoch', 'train_loss', 'eval_loss']);
    const insert = (id: string, name: string, kind = 'generative', sha = 'b'.repeat(64)) => db.run(
      `INSERT INTO models (id, name, source, kind, config, parameters, size, sha256, created, path) VALUES (?, ?, 'x', ?, '{}', 1, 1, ?, 0, 'models/x')`,
      [id, name, kind, sha]);
    await insert('mdl_a', 'a');
    await expect(insert('mdl_b', 'a')).rejects.toThrow(/UNIQUE/);
    await expect(insert('mdl_c', 'c', 'poetry')).rejects.toThrow(/CHECK constraint/);
    await expect(insert('mdl_d', 'd', 'generative', 'short')).rejects.toThrow(/CHECK constraint/);
    await expect(db.run("UPDATE models SET status = 'gone'")).rejects.toThrow(/CHECK constraint/);
    await expect(db.run("INSERT INTO model_metrics (model_id, epoch) VALUES ('mdl_nope', 1)")).rejects.toThrow(/FOREIGN KEY/);
    await db.run("INSERT INTO model_metrics (model_id, epoch, train_loss) VALUES ('mdl_a', 1, 2.5)");
    await db.run("DELETE FROM models WHERE id = 'mdl_a'");
    expect(await db.get('SELECT COUNT(*) AS n FROM model_metrics')).toEqual({ n: 0 });
    await db.close();
  });

  it('upgrades a version-1 catalogue in place, keeping its rows', async () => {
    const home = tempHome();
    const db = await Db.open(path.join(home, 'catalogue.sqlite'));
    await migrate(db, 'test db', MIGRATIONS.slice(0, 1));
    await db.run("INSERT INTO datasets (id, name, source, kind, created) VALUES ('ds_a', 'kept', 'x', 'generative', 0)");
    await db.close();
    const catalogue = await Catalogue.open(home);
    expect((await catalogue.listDatasets()).map((d) => d.name)).toEqual(['kept']);
    expect(await catalogue.models.list()).toEqual([]);
    await catalogue.close();
  });

  it('finds models by id or name, renames, flags a vanished file missing and deletes the folder', async () => {
    const home = tempHome();
    const catalogue = await Catalogue.open(home);
    const a = await catalogue.models.insert(await placeModel(home, 'text'), [{ epoch: 1, trainLoss: 2, evalLoss: 2.5 }]);
    const b = await catalogue.models.insert(await placeModel(home, 'audio', 'longer weights'));
    await expect(catalogue.models.insert(await placeModel(home, 'text'))).rejects.toThrow(/a model named 'text' already exists/);
    expect((await catalogue.models.get('text'))?.id).toBe(a.id);
    expect((await catalogue.models.get(b.id))?.name).toBe('audio');
    expect(await catalogue.models.metrics(a.id)).toEqual([{ epoch: 1, trainLoss: 2, evalLoss: 2.5 }]);
    await expect(catalogue.models.rename(a.id, 'audio')).rejects.toThrow(/already exists/);
    await expect(catalogue.models.rename(a.id, 'a/b')).rejects.toThrow(/slashes/);
    expect((await catalogue.models.rename(a.id, 'text v1')).name).toBe('text v1');
    await catalogue.close();

    await fs.rm(b.path);
    const reopened = await Catalogue.open(home);
    expect(reopened.lastReconcile?.missingModels).toEqual([b.id]);
    expect((await reopened.models.get(b.id))?.status).toBe('missing');
    // The orphan left by the refused duplicate import is reported, not deleted.
    expect(reopened.lastReconcile?.orphans.some((o) => o.reason === 'model folder with no model row')).toBe(true);
    await reopened.models.delete(a.id);
    expect(await reopened.models.get(a.id)).toBeNull();
    await expect(fs.stat(modelDir(home, a.id))).rejects.toThrow(/ENOENT/);
    await reopened.close();
  });

  it('rebuilds models and their curves from model.json when the catalogue is recovered', async () => {
    const home = tempHome();
    const catalogue = await Catalogue.open(home);
    const a = await catalogue.models.insert(await placeModel(home, 'text'), [{ epoch: 1, trainLoss: 2, evalLoss: 2.5 }]);
    await catalogue.models.rename(a.id, 'renamed');
    await catalogue.close();
    const report = await Catalogue.recover(home, { force: true });
    expect(report.models).toBe(1);
    const reopened = await Catalogue.open(home);
    const back = await reopened.models.get(a.id);
    expect(back).toMatchObject({ name: 'renamed', kind: 'generative', sha256: a.sha256, size: a.size, path: a.path, status: 'ok', created: a.created });
    expect(await reopened.models.metrics(a.id)).toEqual([{ epoch: 1, trainLoss: 2, evalLoss: 2.5 }]);
    await reopened.close();
  });
});
