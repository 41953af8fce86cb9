// Migration 004 (adapter): the GPU adapter a run trained on, kept in the run row and its run record, so it
// survives a restart, an old database's upgrade and a rebuild from the files (docs/gpu.md).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { Db } from '../../../src-main/catalogue/db';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src-main/catalogue/migrations/index';
import { cataloguePath, runDir, runRecordPath } from '../../../src-main/catalogue/paths';
import type { GpuAdapterInfo } from '../../../src-main/shared/adapter';
import { UserError } from '../../../src-main/shared/errors';
import { storeBlob, tempHome } from './helpers';

/** As Dawn describes an H200 through the webgpu addon (engine/backend/webgpu.ts describeAdapter). */
const H200: GpuAdapterInfo = {
  vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'NVIDIA H200 (Vulkan 1.3)',
  software: false, maxBufferSize: 4294967296, maxStorageBufferBindingSize: 4294967292,
};
const LAVAPIPE: GpuAdapterInfo = {
  vendor: 'mesa', architecture: '', device: 'llvmpipe', description: 'llvmpipe (LLVM 15.0.6, 256 bits)',
  software: true, maxBufferSize: 2147483648, maxStorageBufferBindingSize: 134217728,
};

async function readRecord(home: string, runId: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(runRecordPath(home, runId), 'utf8')) as Record<string, unknown>;
}

/** Overwrites the catalogue's first pages, as a crash or a bad disk might. */
async function scribble(file: string): Promise<void> {
  const h = await fs.open(file, 'r+');
  try {
    await h.write(Buffer.alloc(4096, 0xa5), 0, 4096, 0);
  } finally {
    await h.close();
  }
}

describe('migration 004 (adapter)', () => {
  it('adds runs.adapter to a version-3 database, keeping its runs with the adapter not recorded, and checks it is a JSON object', async () => {
    const home = tempHome();
    const db = await Db.open(cataloguePath(home));
    await migrate(db, 'test db', MIGRATIONS.slice(0, 3));
    expect(await schemaVersion(db)).toBe(3);
    await fs.mkdir(runDir(home, 'run_old'), { recursive: true });
    await db.run(`INSERT INTO runs (id, name, mode, config, backend, status, created, steps_done, run_dir)
      VALUES ('run_old', 'old run', 'generative', '{"model":{}}', 'webgpu', 'done', 5, 12, 'runs/run_old')`);
    expect(MIGRATIONS[3]).toMatchObject({ version: 4, name: 'adapter' });
    expect(await migrate(db, 'test db', MIGRATIONS.slice(0, 4))).toBe(4);
    expect((await db.all<{ name: string }>('PRAGMA table_info(runs)')).map((c) => c.name)).toContain('adapter');
    // Old rows: NULL, "not recorded", even for a webgpu run (which GPU it was is not known).
    expect(await db.get("SELECT name, backend, steps_done, adapter FROM runs WHERE id = 'run_old'"))
      .toEqual({ name: 'old run', backend: 'webgpu', steps_done: 12, adapter: null });
    for (const bad of ["'not json'", "'[1, 2]'", `'"nvidia"'`, "'42'"]) {
      await expect(db.run(`UPDATE runs SET adapter = ${bad} WHERE id = 'run_old'`)).rejects.toThrow(/CHECK constraint/);
    }
    await db.run("UPDATE runs SET adapter = ? WHERE id = 'run_old'", [JSON.stringify(H200)]);
    await db.run("UPDATE runs SET adapter = NULL WHERE id = 'run_old'");
    await db.close();

    // The studio opens the upgraded file and reads the old run as it was, adapter null.
    const c = await Catalogue.open(home);
    expect(await c.getRun('run_old')).toMatchObject({ name: 'old run', backend: 'webgpu', status: 'done', stepsDone: 12, adapter: null });
    await c.close();
  });

  it('round-trips an adapter through createRun and updateRun, mirroring it into the run record', async () => {
    const home = tempHome();
    const c = await Catalogue.open(home);
    const created = await c.createRun({ name: 'gpu run', mode: 'generative', config: {}, backend: 'webgpu', adapter: H200 });
    expect(created.adapter).toEqual(H200);
    expect((await readRecord(home, created.id)).adapter).toEqual(H200);

    // Without `adapter` in the patch the column is left alone.
    await c.updateRun(created.id, { status: 'running', stepsDone: 3 });
    expect((await c.getRun(created.id))?.adapter).toEqual(H200);

    // The run ended on another adapter than it started on (an engine restart): the row and its record follow.
    const done = await c.updateRun(created.id, { status: 'done', adapter: LAVAPIPE });
    expect(done.adapter).toEqual(LAVAPIPE);
    expect((await readRecord(home, created.id)).adapter).toEqual(LAVAPIPE);

    // An adapter change alone (no status change) reaches the record too.
    await c.updateRun(created.id, { adapter: H200 });
    expect((await readRecord(home, created.id)).adapter).toEqual(H200);

    // Off webgpu: null, and a run created without one has none.
    const cpu = await c.createRun({ name: 'wasm run', mode: 'generative', config: {}, backend: 'wasm' });
    expect(cpu.adapter).toBeNull();
    expect((await readRecord(home, cpu.id)).adapter).toBeNull();
    await c.updateRun(created.id, { backend: 'wasm', adapter: null });
    expect((await c.getRun(created.id))?.adapter).toBeNull();
    expect(await c.listRuns()).toEqual(expect.arrayContaining([expect.objectContaining({ id: cpu.id, adapter: null })]));
    await c.close();
  });

  it('refuses a value that is not an adapter with one clear line, writing nothing', async () => {
    const home = tempHome();
    const c = await Catalogue.open(home);
    const bad = { vendor: 'nvidia', device: 7 } as unknown as GpuAdapterInfo;
    const err = await c.createRun({ name: 'bad', mode: 'generative', config: {}, backend: 'webgpu', adapter: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^run adapter is not a GPU adapter description/);
    expect(await c.listRuns()).toEqual([]);
    expect(await fs.readdir(path.join(home, 'runs')).catch(() => [])).toEqual([]);

    const run = await c.createRun({ name: 'ok', mode: 'generative', config: {}, backend: 'webgpu', adapter: H200 });
    await expect(c.updateRun(run.id, { status: 'done', adapter: bad })).rejects.toThrow(UserError);
    expect(await c.getRun(run.id)).toMatchObject({ status: 'queued', adapter: H200 });
    expect((await readRecord(home, run.id)).status).toBe('queued');

    // Fields beyond the adapter's are dropped, not stored.
    const extra = await c.createRun({ name: 'extra', mode: 'generative', config: {}, adapter: { ...H200, script: 'alert(1)' } as GpuAdapterInfo });
    expect(extra.adapter).toEqual(H200);
    expect(Object.keys((await readRecord(home, extra.id)).adapter as object)).not.toContain('script');
    await c.close();
  });

  it('keeps the adapter when the catalogue is rebuilt from the run records; old and damaged records give null', async () => {
    const home = tempHome();
    let c = await Catalogue.open(home);
    const d = await c.createDataset({ name: 'tunes', source: '/music', kind: 'generative', files: [await storeBlob(home, 'X:1', '1.abc')] });
    const gpu = await c.createRun({ name: 'gpu', datasetId: d.id, mode: 'generative', config: {}, backend: 'webgpu', adapter: H200 });
    await c.updateRun(gpu.id, { status: 'running' });
    const soft = await c.createRun({ name: 'soft', datasetId: d.id, mode: 'generative', config: {}, backend: 'webgpu', adapter: LAVAPIPE });
    await c.updateRun(soft.id, { status: 'done' });
    const old = await c.createRun({ name: 'old', datasetId: d.id, mode: 'generative', config: {}, backend: 'webgpu', adapter: H200 });
    const hacked = await c.createRun({ name: 'hacked', datasetId: d.id, mode: 'generative', config: {}, backend: 'webgpu', adapter: H200 });
    await c.close();
    // A record written before adapters were kept has no such field; a hand-edited one holds garbage.
    const oldRecord = await readRecord(home, old.id);
    delete oldRecord.adapter;
    await fs.writeFile(runRecordPath(home, old.id), JSON.stringify(oldRecord));
    await fs.writeFile(runRecordPath(home, hacked.id), JSON.stringify({ ...(await readRecord(home, hacked.id)), adapter: { vendor: ['x'] } }));

    await scribble(cataloguePath(home));
    const report = await Catalogue.recover(home);
    expect(report).toMatchObject({ runs: 4, skipped: [] });
    c = await Catalogue.open(home);
    // The run that was training when the catalogue broke comes back interrupted, still naming its GPU.
    expect(await c.getRun(gpu.id)).toMatchObject({ status: 'interrupted', backend: 'webgpu', adapter: H200 });
    expect(await c.getRun(soft.id)).toMatchObject({ status: 'done', adapter: LAVAPIPE });
    expect(await c.getRun(old.id)).toMatchObject({ name: 'old', backend: 'webgpu', adapter: null });
    expect(await c.getRun(hacked.id)).toMatchObject({ name: 'hacked', adapter: null });
    await c.close();
  });
});
