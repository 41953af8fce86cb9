// Rows and files agreeing on open: missing flags, orphans, dead recorders, an interrupted directory swap.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { Db } from '../../../src-main/catalogue/db';
import { blobPath, cataloguePath, checkpointDir, newId, samplePath } from '../../../src-main/catalogue/paths';
import { writeDirAtomic, writeFileAtomic } from '../../../src-main/node/atomic';
import { storeBlob, tempHome } from './helpers';

describe('reconcile', () => {
  it('flags rows whose files vanished, unflags them when they return, and reports orphans', async () => {
    const home = tempHome();
    let c = await Catalogue.open(home);
    const file = await storeBlob(home, 'data', 'a.txt');
    const d = await c.createDataset({ name: 'd', source: 's', kind: 'generative', files: [file] });
    const id = newId('smp');
    await writeFileAtomic(samplePath(home, id, 'txt'), 'sample');
    const s = await c.addSample({ id, ext: 'txt', path: samplePath(home, id, 'txt'), params: {}, validity: 'valid' });
    await c.close();

    const blob = blobPath(home, file.sha256);
    await fs.rename(blob, `${blob}.away`);
    await fs.writeFile(samplePath(home, id, 'txt'), 'truncated!'.slice(0, 3));
    await storeBlob(home, 'nobody', 'n.txt');
    await fs.writeFile(path.join(home, 'samples', '.tmp-x.txt-abc'), 'half');
    c = await Catalogue.open(home);
    expect(c.lastReconcile?.missingDatasetFiles).toEqual([{ datasetId: d.id, sha256: file.sha256 }]);
    expect(c.lastReconcile?.missingSamples).toEqual([s.id]);
    expect(c.lastReconcile?.orphans.map((o) => o.reason).sort()).toEqual(['blob no dataset refers to', 'blob no dataset refers to', 'temporary left by an interrupted write']);
    expect((await c.getDataset(d.id))?.missingCount).toBe(1);
    expect((await c.searchSamples()).total).toBe(0);
    expect((await c.searchSamples({ includeMissing: true })).items[0].missing).toBe(true);

    await fs.rename(`${blob}.away`, blob);
    expect((await c.reconcile()).restored).toBe(1);
    expect((await c.getDataset(d.id))?.missingCount).toBe(0);
    await c.close();
  });

  it('marks runs left running by a dead process interrupted, and leaves a live recorder alone', async () => {
    const home = tempHome();
    let c = await Catalogue.open(home);
    const dead = await c.createRun({ name: 'dead', mode: 'generative', config: {} });
    const live = await c.createRun({ name: 'live', mode: 'generative', config: {} });
    await c.updateRun(live.id, { status: 'running' });
    await c.close();
    // A pid that certainly ended: a child process that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const db = await Db.open(cataloguePath(home));
    await db.run("UPDATE runs SET status = 'paused', owner_pid = ? WHERE id = ?", [Number(gone), dead.id]);
    await db.close();
    c = await Catalogue.open(home);
    expect(c.lastReconcile?.interruptedRuns).toEqual([dead.id]);
    expect((await c.getRun(dead.id))?.status).toBe('interrupted');
    expect((await c.getRun(live.id))?.status).toBe('running');
    await c.close();
  });

  it('puts back a checkpoint folder a crash left between the two renames of a swap', async () => {
    const home = tempHome();
    let c = await Catalogue.open(home);
    const run = await c.createRun({ name: 'r', mode: 'generative', config: {} });
    const last = checkpointDir(home, run.id, 'last');
    await writeDirAtomic(last, (tmp) => fs.writeFile(path.join(tmp, 'weights.bin'), 'old weights'));
    const row = await c.addCheckpoint({ runId: run.id, kind: 'last', step: 10, path: last });
    await c.close();
    // The state writeDirAtomic passes through: new copy complete, old copy renamed aside, target absent.
    await writeDirAtomic(path.join(path.dirname(last), '.tmp-last-new000'), (tmp) => fs.writeFile(path.join(tmp, 'weights.bin'), 'new weights'));
    await fs.rename(last, path.join(path.dirname(last), '.tmp-last-old000'));
    c = await Catalogue.open(home);
    expect(c.lastReconcile?.repairedCheckpoints).toEqual([row.id]);
    expect(await fs.readFile(path.join(last, 'weights.bin'), 'utf8')).toBe('old weights');
    expect((await fs.readdir(path.dirname(last))).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    expect((await c.listCheckpoints(run.id))[0]).toMatchObject({ step: 10, missing: false });
    await c.close();
  });

  it('follows a checkpoint folder rewritten after its row, reading its step through the given reader', async () => {
    const home = tempHome();
    const readInfo = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as { step: number; evalLoss: number | null };
    let c = await Catalogue.open(home, { checkpointInfo: readInfo });
    const run = await c.createRun({ name: 'r', mode: 'generative', config: {} });
    const last = checkpointDir(home, run.id, 'last');
    await writeDirAtomic(last, (tmp) => fs.writeFile(path.join(tmp, 'state.json'), JSON.stringify({ step: 10, evalLoss: 2 })));
    await c.addCheckpoint({ runId: run.id, kind: 'last', step: 10, path: last, evalLoss: 2 });
    await writeDirAtomic(last, (tmp) => fs.writeFile(path.join(tmp, 'state.json'), JSON.stringify({ step: 20, evalLoss: 1.5 })));
    await c.close();
    c = await Catalogue.open(home, { checkpointInfo: readInfo });
    expect((await c.listCheckpoints(run.id))[0]).toMatchObject({ step: 20, evalLoss: 1.5, missing: false });
    await fs.rm(last, { recursive: true });
    expect((await c.reconcile()).missingCheckpoints).toHaveLength(1);
    expect(await c.resumeCheckpoint(run.id)).toBeNull();
    await c.close();
  });
});
