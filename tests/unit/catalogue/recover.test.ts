// A damaged catalogue file: a clear error on open, then Catalogue.recover rebuilds it from the files.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { cataloguePath, checkpointDir, newId, samplePath } from '../../../src-main/catalogue/paths';
import { writeDirAtomic, writeFileAtomic } from '../../../src-main/node/atomic';
import { UserError } from '../../../src-main/shared/errors';
import { storeBlob, tempHome } from './helpers';

/** A studio home with one dataset, one finished run with both checkpoints, and two samples. */
async function populatedHome(): Promise<{ home: string; runId: string; sampleIds: string[] }> {
  const home = tempHome();
  const c = await Catalogue.open(home);
  const files = [await storeBlob(home, 'one', '1.abc'), await storeBlob(home, 'two', '2.abc', 'eval')];
  const d = await c.createDataset({ name: 'tunes', source: '/music', kind: 'generative', stats: { n: 2 }, files });
  const run = await c.createRun({ name: 'tiny run', datasetId: d.id, mode: 'generative', config: { hidden_size: 32 }, preset: 'tiny' });
  await c.updateRun(run.id, { status: 'running' });
  await c.appendMetrics(run.id, [{ step: 1, trainLoss: 3 }]);
  for (const kind of ['last', 'best'] as const) {
    const dir = checkpointDir(home, run.id, kind);
    await writeDirAtomic(dir, (tmp) => fs.writeFile(path.join(tmp, 'state.json'), JSON.stringify({ step: kind === 'last' ? 40 : 30 })));
    await c.addCheckpoint({ runId: run.id, kind, step: kind === 'last' ? 40 : 30, path: dir });
  }
  await c.updateRun(run.id, { status: 'done', stepsDone: 40 });
  const sampleIds: string[] = [];
  for (const [i, body] of ['X:1', 'X:2'].entries()) {
    const id = newId('smp');
    await writeFileAtomic(samplePath(home, id, 'abc'), body);
    await c.addSample({ id, runId: run.id, ext: 'abc', path: samplePath(home, id, 'abc'), params: { seed: i }, validity: 'valid' });
    sampleIds.push(id);
  }
  await c.updateSample(sampleIds[1], { rating: 5, tags: ['keeper'], notes: 'best one' });
  await c.close();
  return { home, runId: run.id, sampleIds };
}

async function scribble(file: string, offset: number, length: number): Promise<void> {
  const h = await fs.open(file, 'r+');
  try {
    await h.write(Buffer.alloc(length, 0xa5), 0, length, offset);
  } finally {
    await h.close();
  }
}

describe('corrupt catalogue', () => {
  it('says the catalogue is damaged when garbage overwrites its header', async () => {
    const { home } = await populatedHome();
    await scribble(cataloguePath(home), 0, 100);
    const err = await Catalogue.open(home).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('CATALOGUE_DAMAGED');
    expect((err as Error).message).toMatch(/^catalogue .*catalogue\.sqlite is damaged \(.+\); run 'bgpt catalogue recover --home .+' to move it aside/);
  });

  it('says the catalogue is damaged when garbage lands inside its pages', async () => {
    const { home } = await populatedHome();
    const size = (await fs.stat(cataloguePath(home))).size;
    await scribble(cataloguePath(home), 4096, size - 4096);
    await expect(Catalogue.open(home)).rejects.toThrow(/is damaged/);
  });

  it('recovers: moves the file aside and rebuilds datasets, runs, checkpoints and samples from disk', async () => {
    const { home, runId, sampleIds } = await populatedHome();
    await scribble(cataloguePath(home), 0, 4096);
    const report = await Catalogue.recover(home);
    expect(report).toMatchObject({ datasets: 1, datasetFiles: 2, runs: 1, checkpoints: 2, samples: 2, skipped: [] });
    expect(path.basename(report.movedTo ?? '')).toMatch(/^catalogue\.sqlite\.corrupt-\d{4}-/);
    await expect(fs.stat(report.movedTo!)).resolves.toBeTruthy();

    const c = await Catalogue.open(home);
    expect(await c.integrityCheck()).toEqual(['ok']);
    expect(c.lastReconcile?.orphans).toEqual([]);
    expect(await c.listDatasets()).toEqual([expect.objectContaining({ name: 'tunes', fileCount: 2, missingCount: 0, stats: { n: 2 } })]);
    expect(await c.getRun(runId)).toMatchObject({ name: 'tiny run', status: 'done', datasetName: 'tunes', preset: 'tiny', stepsDone: 40 });
    expect((await c.listCheckpoints(runId)).map((k) => [k.kind, k.step])).toEqual([['last', 40], ['best', 40]]);
    expect(await c.getSample(sampleIds[1])).toMatchObject({ runId, rating: 5, tags: ['keeper'], notes: 'best one', missing: false });
    expect((await c.metricSeries([runId], 'trainLoss'))[0].totalPoints).toBe(0);
    await c.close();
  });

  it('reads checkpoint steps through the given reader and reports what it cannot rebuild', async () => {
    const { home, runId } = await populatedHome();
    await fs.mkdir(path.join(home, 'runs', 'run_stray'));
    await fs.writeFile(path.join(home, 'samples', 'smp_broken.meta.json'), '{ not json');
    await scribble(cataloguePath(home), 0, 4096);
    const readInfo = async (dir: string) => ({ ...(JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as { step: number }), evalLoss: null });
    const report = await Catalogue.recover(home, { checkpointInfo: readInfo });
    expect(report.skipped.map((s) => [path.basename(s.path), s.reason])).toEqual([
      ['run_stray', 'run folder without a readable run.json'],
      ['smp_broken.meta.json', 'unreadable sample sidecar'],
    ]);
    const c = await Catalogue.open(home, { checkpointInfo: readInfo });
    expect((await c.listCheckpoints(runId)).map((k) => [k.kind, k.step])).toEqual([['last', 40], ['best', 30]]);
    await c.close();
  });
});

describe('recover on a sound catalogue', () => {
  it('refuses unless forced, keeping the metrics', async () => {
    const { home, runId } = await populatedHome();
    const err = await Catalogue.recover(home).catch((e: unknown) => e);
    expect((err as UserError).code).toBe('CATALOGUE_SOUND');
    let c = await Catalogue.open(home);
    expect((await c.metricSeries([runId], 'trainLoss'))[0].totalPoints).toBe(1);
    await c.close();
    expect((await Catalogue.recover(home, { force: true })).runs).toBe(1);
    c = await Catalogue.open(home);
    expect((await c.metricSeries([runId], 'trainLoss'))[0].totalPoints).toBe(0);
    await c.close();
  });
});
