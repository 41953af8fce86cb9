// The Catalogue's records: datasets, runs, metrics and curves, checkpoints, samples and their search.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { checkpointDir, newId, samplePath, sampleSidecarPath } from '../../../src-main/catalogue/paths';
import { writeDirAtomic, writeFileAtomic } from '../../../src-main/node/atomic';
import { UserError } from '../../../src-main/shared/errors';
import { storeBlob, tempHome } from './helpers';

async function withCatalogue<T>(fn: (c: Catalogue, home: string) => Promise<T>): Promise<T> {
  const home = tempHome();
  const c = await Catalogue.open(home);
  try {
    return await fn(c, home);
  } finally {
    await c.close();
  }
}

async function writeSample(c: Catalogue, runId: string | null, ext: string, body: string, extra: Partial<Parameters<Catalogue['addSample']>[0]> = {}) {
  const id = newId('smp');
  const file = samplePath(c.home, id, ext);
  await writeFileAtomic(file, body);
  return c.addSample({ id, runId, ext, path: file, params: { topK: 8 }, validity: 'valid', ...extra });
}

describe('datasets', () => {
  it('records a dataset with its files in one go and lists it with counts', async () => {
    await withCatalogue(async (c, home) => {
      const files = [await storeBlob(home, 'hello', 'a.txt'), await storeBlob(home, 'world!', 'b.txt', 'eval')];
      const d = await c.createDataset({ name: 'poems', source: '/tmp/poems', kind: 'generative', stats: { files: 2 }, files });
      expect(d).toMatchObject({ name: 'poems', kind: 'generative', fileCount: 2, totalBytes: 11, missingCount: 0, stats: { files: 2 } });
      expect((await c.listDatasetFiles(d.id, 'eval')).map((f) => f.originalName)).toEqual(['b.txt']);
      expect(await c.listDatasets()).toHaveLength(1);
      expect((await c.getDataset('poems'))?.id).toBe(d.id);
      const again = await c.addDatasetFiles(d.id, [files[0], await storeBlob(home, 'more', 'c.txt')]);
      expect(again).toEqual({ added: 1, duplicates: 1 });
      await expect(c.createDataset({ name: 'poems', source: 'x', kind: 'generative', files: [] })).rejects.toThrow(/already exists/);
    });
  });

  it('refuses files whose blob is not stored, recording nothing', async () => {
    await withCatalogue(async (c) => {
      const ghost = { sha256: 'a'.repeat(64), size: 3, ext: 'txt', modality: 'text', split: 'train' as const, originalName: 'ghost.txt' };
      await expect(c.createDataset({ name: 'g', source: 's', kind: 'generative', files: [ghost] })).rejects.toThrow(UserError);
      expect(await c.listDatasets()).toEqual([]);
    });
  });

  it('deletes a dataset with the blobs only it used; runs keep their history', async () => {
    await withCatalogue(async (c, home) => {
      const shared = await storeBlob(home, 'shared', 's.txt');
      const own = await storeBlob(home, 'own', 'o.txt');
      const a = await c.createDataset({ name: 'a', source: 's', kind: 'generative', files: [shared, own] });
      await c.createDataset({ name: 'b', source: 's', kind: 'generative', files: [shared] });
      const run = await c.createRun({ name: 'r', datasetId: a.id, mode: 'generative', config: {} });
      await c.deleteDataset(a.id);
      const paths = await c.listDatasetFiles((await c.getDataset('b'))!.id);
      await expect(fs.stat(paths[0].path)).resolves.toBeTruthy();
      await expect(fs.stat(path.join(home, 'datasets/blobs', own.sha256.slice(0, 2), own.sha256))).rejects.toThrow();
      expect(await c.getRun(run.id)).toMatchObject({ datasetId: null, datasetName: null });
    });
  });
});

describe('bad input', () => {
  it('answers each with one clear UserError', async () => {
    await withCatalogue(async (c, home) => {
      const bad = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof UserError ? e.message : `not a UserError: ${String(e)}`));
      expect(await bad(c.createDataset({ name: ' ', source: 's', kind: 'generative', files: [] }))).toBe('a dataset needs a name');
      expect(await bad(c.createDataset({ name: 'x', source: 's', kind: 'poetry' as never, files: [] }))).toMatch(/kind must be generative or conversion/);
      expect(await bad(c.createRun({ name: 'r', mode: 'dreaming' as never, config: {} }))).toMatch(/run mode must be/);
      expect(await bad(c.updateRun('run_nope', { stepsDone: 1 }))).toBe("no run 'run_nope' in the catalogue");
      const file = path.join(home, 'samples', 'x.mid');
      await writeFileAtomic(file, 'x');
      expect(await bad(c.addSample({ ext: 'MID!', path: file, params: {}, validity: 'valid' }))).toMatch(/file extension 'MID!'/);
      expect(await bad(c.addSample({ ext: 'mid', path: file + '.gone', params: {}, validity: 'valid' }))).toMatch(/does not exist; write it before/);
      expect(await bad(c.addSample({ ext: 'mid', path: file, params: {}, validity: 'valid', tags: ['t'.repeat(65)] }))).toMatch(/longer than 64/);
    });
  });
});

describe('runs', () => {
  it('moves through statuses with times, progress and its dataset name', async () => {
    await withCatalogue(async (c, home) => {
      const d = await c.createDataset({ name: 'midi', source: 's', kind: 'generative', files: [await storeBlob(home, 'x', 'x.mid')] });
      const run = await c.createRun({ name: 'first', datasetId: d.id, mode: 'generative', config: { hidden_size: 64 }, preset: 'tiny', stepsTotal: 100 });
      expect(run).toMatchObject({ status: 'queued', datasetName: 'midi', started: null, stepsDone: 0, config: { hidden_size: 64 } });
      expect(run.runDir).toBe(path.join(home, 'runs', run.id));
      const running = await c.updateRun(run.id, { status: 'running', backend: 'wasm' });
      expect(running.started).not.toBeNull();
      const done = await c.updateRun(run.id, { status: 'done', stepsDone: 100, bestEvalLoss: 2.5, bestEvalBpb: 2.5 / Math.LN2 });
      expect(done).toMatchObject({ status: 'done', stepsDone: 100, bestEvalLoss: 2.5 });
      expect(done.ended).not.toBeNull();
      const record = JSON.parse(await fs.readFile(path.join(run.runDir, 'run.json'), 'utf8'));
      expect(record).toMatchObject({ id: run.id, status: 'done', stepsDone: 100 });
      expect((await c.listRuns({ status: 'done' })).map((r) => r.id)).toEqual([run.id]);
      await c.deleteRun(run.id);
      expect(await c.getRun(run.id)).toBeNull();
      await expect(fs.stat(run.runDir)).rejects.toThrow();
    });
  });

  it('refuses to delete a run this live process is recording', async () => {
    await withCatalogue(async (c) => {
      const run = await c.createRun({ name: 'live', mode: 'generative', config: {} });
      await c.updateRun(run.id, { status: 'running' });
      await expect(c.deleteRun(run.id)).rejects.toThrow(/is running; stop it/);
    });
  });
});

describe('metrics', () => {
  it('appends batches, merges eval results into their step and truncates for a resume', async () => {
    await withCatalogue(async (c) => {
      const run = await c.createRun({ name: 'm', mode: 'generative', config: {} });
      await c.appendMetrics(run.id, [1, 2, 3, 4].map((step) => ({ step, trainLoss: 5 - step, lr: 1e-3, bytesPerSecond: 1000 })));
      await c.appendMetrics(run.id, [{ step: 4, evalLoss: 1.5, evalBpb: 1.5 / Math.LN2 }]);
      const [train] = await c.metricSeries([run.id], 'trainLoss');
      expect(train.points.map((p) => p.value)).toEqual([4, 3, 2, 1]);
      const [evals] = await c.metricSeries([run.id], 'evalLoss');
      expect(evals.points).toEqual([expect.objectContaining({ step: 4, value: 1.5 })]);
      expect(await c.truncateMetrics(run.id, 2)).toBe(2);
      expect((await c.metricSeries([run.id], 'trainLoss'))[0].totalPoints).toBe(2);
    });
  });

  it('rejects a whole batch with one bad row', async () => {
    await withCatalogue(async (c) => {
      const run = await c.createRun({ name: 'm', mode: 'generative', config: {} });
      await expect(c.appendMetrics(run.id, [{ step: 1, trainLoss: 1 }, { step: -1, trainLoss: 1 }])).rejects.toThrow(UserError);
      expect((await c.metricSeries([run.id], 'trainLoss'))[0].totalPoints).toBe(0);
    });
  });

  it('downsamples long curves to at most N points, keeping every extreme and the last point, for runs side by side', async () => {
    await withCatalogue(async (c) => {
      const a = await c.createRun({ name: 'a', mode: 'generative', config: {} });
      const b = await c.createRun({ name: 'b', mode: 'generative', config: {} });
      // A decaying curve with one spike up and one dip down in the middle of a bucket.
      const rows = Array.from({ length: 10_000 }, (_, i) => ({ step: i + 1, trainLoss: 5 / Math.sqrt(i + 1) }));
      rows[4321].trainLoss = 99;
      rows[7777].trainLoss = -1;
      await c.appendMetrics(a.id, rows);
      await c.appendMetrics(b.id, rows.slice(0, 50));
      const [sa, sb] = await c.metricSeries([a.id, b.id], 'trainLoss', 300);
      expect(sa.totalPoints).toBe(10_000);
      expect(sa.points.length).toBeLessThanOrEqual(300);
      expect(sa.points.length).toBeGreaterThan(150);
      expect(sa.points).toContainEqual(expect.objectContaining({ step: 4322, value: 99 }));
      expect(sa.points).toContainEqual(expect.objectContaining({ step: 7778, value: -1 }));
      expect(sa.points.at(-1)?.step).toBe(10_000);
      const steps = sa.points.map((p) => p.step);
      expect(steps).toEqual([...steps].sort((x, y) => x - y));
      expect(sb.points).toHaveLength(50);
    });
  });
});

describe('checkpoints', () => {
  it('records best and last, replacing a kind when it is written again', async () => {
    await withCatalogue(async (c, home) => {
      const run = await c.createRun({ name: 'r', mode: 'generative', config: {} });
      const last = checkpointDir(home, run.id, 'last');
      await writeDirAtomic(last, (tmp) => fs.writeFile(path.join(tmp, 'model.safetensors'), 'v1'));
      await c.addCheckpoint({ runId: run.id, kind: 'last', step: 10, path: last, evalLoss: 3 });
      await writeDirAtomic(last, (tmp) => fs.writeFile(path.join(tmp, 'model.safetensors'), 'v2!'));
      await c.addCheckpoint({ runId: run.id, kind: 'last', step: 20, path: last, evalLoss: 2 });
      const best = checkpointDir(home, run.id, 'best');
      await writeDirAtomic(best, (tmp) => fs.writeFile(path.join(tmp, 'model.safetensors'), 'b'));
      await c.addCheckpoint({ runId: run.id, kind: 'best', step: 20, path: best, evalLoss: 2 });
      const list = await c.listCheckpoints(run.id);
      expect(list.map((k) => [k.kind, k.step])).toEqual([['last', 20], ['best', 20]]);
      expect(list[0].files).toEqual([expect.objectContaining({ name: 'model.safetensors', size: 3 })]);
      expect((await c.resumeCheckpoint(run.id))?.path).toBe(last);
      await expect(c.addCheckpoint({ runId: run.id, kind: 'last', step: 1, path: path.join(home, 'nowhere') })).rejects.toThrow(/write it before/);
    });
  });
});

describe('samples', () => {
  it('adds, rates, tags and deletes a sample; the sidecar follows', async () => {
    await withCatalogue(async (c) => {
      const run = await c.createRun({ name: 'r', mode: 'generative', config: {} });
      const s = await writeSample(c, run.id, 'mid', 'MThd', { tags: ['Piano', 'piano ', 'calm'] });
      expect(s).toMatchObject({ runId: run.id, ext: 'mid', size: 4, rating: 0, tags: ['calm', 'piano'], missing: false });
      const u = await c.updateSample(s.id, { rating: 4, tags: ['favourite'], notes: 'nice bass line' });
      expect(u).toMatchObject({ rating: 4, tags: ['favourite'], notes: 'nice bass line' });
      const sidecar = JSON.parse(await fs.readFile(sampleSidecarPath(c.home, s.id), 'utf8'));
      expect(sidecar).toMatchObject({ rating: 4, tags: ['favourite'], notes: 'nice bass line' });
      await expect(c.updateSample(s.id, { rating: 6 })).rejects.toThrow(/0 to 5/);
      await c.deleteSample(s.id);
      expect(await c.getSample(s.id)).toBeNull();
      await expect(fs.stat(s.path)).rejects.toThrow();
    });
  });

  it('searches by run, extension, validity, rating, tag and text, sorted and paged', async () => {
    await withCatalogue(async (c) => {
      const r1 = await c.createRun({ name: 'r1', mode: 'generative', config: {} });
      const r2 = await c.createRun({ name: 'r2', mode: 'generative', config: {} });
      const a = await writeSample(c, r1.id, 'mid', 'aaaa', { name: 'waltz', rating: 5, tags: ['dance'] });
      const b = await writeSample(c, r1.id, 'abc', 'bb', { name: 'reel', rating: 2, validity: 'invalid', validityReason: 'no K: line' });
      const d = await writeSample(c, r2.id, 'mid', 'dddddd', { name: 'march', rating: 3, notes: 'a 100% brass_band feel' });
      const ids = async (q: Parameters<Catalogue['searchSamples']>[0]) => (await c.searchSamples(q)).items.map((s) => s.id);
      expect(await ids({ runId: r1.id, sort: 'name', descending: false })).toEqual([b.id, a.id]);
      expect(await ids({ ext: 'mid', sort: 'size' })).toEqual([d.id, a.id]);
      expect(await ids({ validity: 'invalid' })).toEqual([b.id]);
      expect(await ids({ minRating: 3, sort: 'rating' })).toEqual([a.id, d.id]);
      expect(await ids({ tag: 'Dance' })).toEqual([a.id]);
      expect(await ids({ text: 'BRASS' })).toEqual([d.id]);
      expect(await ids({ text: 'danc' })).toEqual([a.id]);
      expect(await ids({ text: '100%' })).toEqual([d.id]);
      expect(await ids({ text: '_' })).toEqual([d.id]);
      const page = await c.searchSamples({ sort: 'name', descending: false, limit: 2, offset: 1 });
      expect(page.total).toBe(3);
      expect(page.items.map((s) => s.name)).toEqual(['reel', 'waltz']);
      expect(await c.listTags()).toEqual([{ tag: 'dance', count: 1 }]);
    });
  });
});
