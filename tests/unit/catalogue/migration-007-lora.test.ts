// Migration 007 (lora): adapter models tied to their base (models.base_sha256, models.adapter) and the sha256 of a
// run checkpoint's model.safetensors (checkpoints.sha256, hashed on first need), on an old database, through the
// store, a rewritten checkpoint, and a rebuild from the files.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { Db } from '../../../src-main/catalogue/db';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src-main/catalogue/migrations/index';
import { cataloguePath, checkpointDir, modelDir, runDir } from '../../../src-main/catalogue/paths';
import { checkpointPathOf, type AdapterMeta } from '../../../src-main/catalogue/models';
import { sha256OfFile } from '../../../src-main/node/sha256';
import { tempHome } from './helpers';

const SHA = (c: string) => c.repeat(64);
const META: AdapterMeta = { rank: 8, alpha: 16, dropout: 0.05, targets: ['attn.c_attn', 'mlp.c_fc'], levels: ['patch', 'byte'], trainLayerNorms: false, trainBiases: false, baseName: 'weights-text' };

/** A model folder with one file, as the model service lands one. */
async function modelFile(home: string, id: string, name: string, bytes = 'weights'): Promise<string> {
  await fs.mkdir(modelDir(home, id), { recursive: true });
  const file = path.join(modelDir(home, id), name);
  await fs.writeFile(file, bytes);
  return file;
}

describe('migration 007 (lora)', () => {
  it('adds the adapter columns to a version-6 database, old rows reading as full models and unhashed checkpoints', async () => {
    const home = tempHome();
    const db = await Db.open(cataloguePath(home));
    await migrate(db, 'test db', MIGRATIONS.slice(0, 6));
    await db.run(`INSERT INTO models (id, name, source, kind, config, parameters, size, sha256, created, path)
      VALUES ('mdl_old', 'old', '/x.pth', 'generative', '{}', 1, 7, '${SHA('a')}', 1, 'models/mdl_old/x.pth')`);
    await db.run(`INSERT INTO runs (id, name, mode, config, status, created, run_dir) VALUES ('run_old', 'r', 'generative', '{}', 'done', 1, 'runs/run_old')`);
    await db.run(`INSERT INTO checkpoints (run_id, kind, step, path, created, files) VALUES ('run_old', 'best', 3, 'runs/run_old/best', 1, '[]')`);
    expect(MIGRATIONS[6]).toMatchObject({ version: 7, name: 'lora' });
    expect(await migrate(db, 'test db')).toBe(7);
    expect(await schemaVersion(db)).toBe(7);
    expect(await db.get("SELECT base_sha256, adapter FROM models WHERE id = 'mdl_old'")).toEqual({ base_sha256: null, adapter: null });
    expect(await db.get("SELECT sha256 FROM checkpoints WHERE run_id = 'run_old'")).toEqual({ sha256: null });
    // The columns hold what they say: 64 lower-case hex digits, a JSON object.
    for (const bad of ["'abc'", `'${'G'.repeat(64)}'`, `'${'A'.repeat(64)}'`]) {
      await expect(db.run(`UPDATE models SET base_sha256 = ${bad} WHERE id = 'mdl_old'`)).rejects.toThrow(/CHECK constraint/);
      await expect(db.run(`UPDATE checkpoints SET sha256 = ${bad}`)).rejects.toThrow(/CHECK constraint/);
    }
    for (const bad of ["'not json'", "'[8]'", "'8'"]) await expect(db.run(`UPDATE models SET adapter = ${bad} WHERE id = 'mdl_old'`)).rejects.toThrow(/CHECK constraint/);
    const indexes = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index'")).map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(['models_base_sha256', 'checkpoints_sha256']));
    await db.close();
    const c = await Catalogue.open(home);
    expect(await c.models.get('old')).toMatchObject({ baseSha256: null, adapter: null });
    await c.close();
  });

  it('stores an adapter model beside its base: found by the base sha256, loaded from its folder, refused half-described', async () => {
    const home = tempHome();
    const c = await Catalogue.open(home);
    const basePath = await modelFile(home, 'mdl_base', 'weights-text.pth');
    await c.models.insert({ id: 'mdl_base', name: 'weights-text', source: 'https://x/weights-text.pth', kind: 'generative', config: {}, parameters: 10, size: 7, sha256: SHA('b'), labels: null, meta: {}, path: basePath });
    const adapterPath = await modelFile(home, 'mdl_ad', 'adapter_model.safetensors');
    const ad = await c.models.insert({
      id: 'mdl_ad', name: 'tunes-r8', source: '/work/tunes', kind: 'generative', config: {}, parameters: 3, size: 7, sha256: SHA('c'), labels: null, meta: {},
      path: adapterPath, baseSha256: SHA('b'), adapter: META,
    });
    expect(ad).toMatchObject({ baseSha256: SHA('b'), adapter: META });
    expect(checkpointPathOf(ad)).toBe(modelDir(home, 'mdl_ad'));
    expect(checkpointPathOf((await c.models.get('weights-text'))!)).toBe(basePath);
    // Bases are full models only: an adapter whose own file had the sha256 is never one.
    expect((await c.models.bySha256(SHA('b'))).map((m) => m.id)).toEqual(['mdl_base']);
    expect(await c.models.bySha256(SHA('c'))).toEqual([]);
    await expect(c.models.insert({ id: 'mdl_half', name: 'half', source: 'x', kind: 'generative', config: {}, parameters: 1, size: 1, sha256: SHA('d'), labels: null, meta: {}, path: adapterPath, adapter: META }))
      .rejects.toThrow(/needs both its settings and its base sha256/);
    await c.close();

    // Rebuilt from the model records, the adapter keeps its tie.
    await fs.writeFile(cataloguePath(home), 'garbage'.repeat(1000));
    await Catalogue.recover(home, { force: true });
    const back = await Catalogue.open(home);
    expect(await back.models.get('tunes-r8')).toMatchObject({ baseSha256: SHA('b'), adapter: META });
    await back.close();
  });

  it('hashes a run checkpoint once, forgets the hash when the folder is re-recorded, and finds checkpoints by it', async () => {
    const home = tempHome();
    const c = await Catalogue.open(home);
    const run = await c.createRun({ name: 'base run', mode: 'generative', config: {} });
    const dir = checkpointDir(home, run.id, 'best');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'config.json'), '{}');
    await fs.writeFile(path.join(dir, 'model.safetensors'), 'first weights');
    let cp = await c.addCheckpoint({ runId: run.id, kind: 'best', step: 5, path: dir });
    expect(cp.sha256).toBeNull();
    expect((await c.unhashedCheckpoints()).map((x) => x.id)).toEqual([cp.id]);
    const sha = await sha256OfFile(path.join(dir, 'model.safetensors'));
    expect(await c.checkpointSha256(cp)).toBe(sha);
    expect((await c.checkpointsBySha256(sha)).map((x) => x.id)).toEqual([cp.id]);
    expect(await c.unhashedCheckpoints()).toEqual([]);
    // Training rewrote best/: the row is re-recorded and the old hash no longer names it.
    await fs.writeFile(path.join(dir, 'model.safetensors'), 'second weights');
    cp = await c.addCheckpoint({ runId: run.id, kind: 'best', step: 9, path: dir });
    expect(cp.sha256).toBeNull();
    expect(await c.checkpointsBySha256(sha)).toEqual([]);
    expect(await c.checkpointSha256(cp)).toBe(await sha256OfFile(path.join(dir, 'model.safetensors')));
    // A folder changed behind the row's back is not hashed as if it were the recorded one.
    await fs.writeFile(path.join(dir, 'model.safetensors'), 'changed without a record!');
    const last = await c.addCheckpoint({ runId: run.id, kind: 'last', step: 9, path: dir });
    await fs.writeFile(path.join(dir, 'model.safetensors'), 'changed again, longer than before');
    expect(await c.checkpointSha256(last)).toBeNull();
    // An adapter's own checkpoint has no model.safetensors: nothing to hash.
    const adir = path.join(runDir(home, run.id), 'adapter-last');
    await fs.mkdir(adir, { recursive: true });
    await fs.writeFile(path.join(adir, 'adapter_config.json'), '{}');
    const other = await c.createRun({ name: 'lora run', mode: 'generative', config: {} });
    const acp = await c.addCheckpoint({ runId: other.id, kind: 'last', step: 1, path: adir, sha256: null });
    expect(await c.checkpointSha256(acp)).toBeNull();
    await c.close();
  });
});
