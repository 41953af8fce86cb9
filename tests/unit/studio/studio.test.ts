// The studio services end to end on a temporary home, with the real engine process, SQLite and the
// built-in tunes: train a tiny run, watch its events, resume it, generate, judge and find samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ProcessEngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import type { EventName, RunSummary, StudioEvents } from '../../../src-main/shared/contract';
import { tempDir } from '../../helpers/temp';

let tmp: string;
let studio: Studio;
const events: Array<{ event: EventName; payload: unknown }> = [];

function waitFor<K extends EventName>(event: K, pred: (p: StudioEvents[K]) => boolean): Promise<StudioEvents[K]> {
  return new Promise((resolve) => {
    const off = studio.subscribe((e, p) => {
      if (e === event && pred(p as StudioEvents[K])) {
        off();
        resolve(p as StudioEvents[K]);
      }
    });
  });
}

beforeAll(async () => {
  tmp = tempDir('bgpt-studio-');
  studio = await openStudio({ home: tmp, engine: new ProcessEngineHost(() => spawnNodeEngine({ ...process.env, BGPT_BACKEND: 'wasm' })), transport: 'http' });
  studio.subscribe((event, payload) => events.push({ event, payload }));
});

afterAll(async () => {
  await studio?.close();
});

describe('studio services', () => {
  let run: RunSummary;

  it('registers the built-in datasets in a new home', async () => {
    const list = await studio.api.listDatasets();
    const tunes = list.find((d) => d.source === 'builtin:tunes');
    expect(tunes).toBeDefined();
    expect(tunes!.byModality.abc).toBeGreaterThan(5);
    expect(tunes!.byModality.midi).toBe(tunes!.byModality.abc);
    const fit = await studio.api.contextFit({ datasetId: tunes!.id, preset: 'tiny' });
    expect(fit.fits + fit.cropped).toBe(tunes!.fileCount);
  });

  it('trains a tiny run with live metrics, checkpoints and a final status', async () => {
    const tunes = (await studio.api.listDatasets()).find((d) => d.source === 'builtin:tunes')!;
    const done = new Promise<RunSummary>((resolve) => {
      const off = studio.subscribe((e, p) => {
        const r = p as RunSummary;
        if (e === 'runUpdate' && (r.status === 'done' || r.status === 'failed')) {
          off();
          resolve(r);
        }
      });
    });
    run = await studio.api.startRun({ datasetId: tunes.id, preset: 'tiny', steps: 4, batchSize: 2, evalEvery: 2, mode: 'generative' });
    expect(run.status).toBe('running');
    const end = await done;
    expect(end.error).toBeNull();
    expect(end.status).toBe('done');
    expect(end.step).toBe(4);
    expect(end.bestEvalLoss).toBeGreaterThan(0);
    // No GPU adapter off webgpu: "not recorded", never a made-up one.
    expect(end.backend).toBe('wasm');
    expect(end.adapter).toBeNull();
    const metrics = (await studio.api.getMetrics({ runIds: [run.id] }))[run.id];
    expect(metrics.filter((m) => m.trainLoss !== null).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(metrics.filter((m) => m.evalLoss !== null).length).toBe(2);
    const detail = await studio.api.getRun(run.id);
    expect(detail.checkpoints.map((c) => c.kind).sort()).toEqual(['best', 'last']);
    expect(events.some((e) => e.event === 'metrics')).toBe(true);
  });

  it('generates samples, judges them, and finds them in the library', async () => {
    const progress: StudioEvents['generateProgress'][] = [];
    const off = studio.subscribe((e, p) => e === 'generateProgress' && progress.push(p as StudioEvents['generateProgress']));
    const { jobId } = await studio.api.generate({ from: { kind: 'run', runId: run.id, checkpoint: 'best' }, ext: 'abc', count: 2, sampling: { topK: 0, topP: 1, temperature: 1, seed: 7, maxBytes: 200 } });
    await waitFor('generateProgress', (p) => p.jobId === jobId && p.done === true);
    off();
    const samples = progress.filter((p) => p.sample).map((p) => p.sample!);
    expect(samples).toHaveLength(2);
    for (const s of samples) {
      expect(['valid', 'repaired', 'invalid']).toContain(s.verdict);
      expect(s.size).toBeGreaterThan(0);
      expect(s.size).toBeLessThanOrEqual(200);
    }
    const page = await studio.api.listSamples({ runId: run.id });
    expect(page.total).toBe(2);
    const file = await studio.api.readFile({ kind: 'sample', sampleId: samples[0].id });
    expect(file.bytes.length).toBe(samples[0].size);
    const rated = await studio.api.updateSample({ id: samples[0].id, rating: 4, tags: ['keeper'] });
    expect(rated).toMatchObject({ rating: 4, tags: ['keeper'] });
    expect((await studio.api.listSamples({ tag: 'keeper' })).total).toBe(1);
  });

  it('measures the surprisal of every byte of a file', async () => {
    const tunes = (await studio.api.listDatasets()).find((d) => d.source === 'builtin:tunes')!;
    const detail = await studio.api.getDataset(tunes.id);
    const f = detail.files.find((x) => x.ext === 'abc')!;
    const r = await studio.api.surprisal({ file: { kind: 'dataset-file', datasetId: tunes.id, fileId: f.id }, from: { kind: 'run', runId: run.id } });
    expect(r.bits.length).toBe(f.size);
    expect(r.meanBitsPerByte).toBeGreaterThan(0);
  });

  it('resumes a stopped run from its last checkpoint', async () => {
    const tunes = (await studio.api.listDatasets()).find((d) => d.source === 'builtin:tunes')!;
    const r = await studio.api.startRun({ datasetId: tunes.id, preset: 'tiny', steps: 40, batchSize: 1, evalEvery: 2, mode: 'generative' });
    await waitFor('runUpdate', (p) => p.id === r.id && p.step >= 2);
    const stopped = await studio.api.stopRun(r.id);
    expect(stopped.status).toBe('stopped');
    const resumed = await studio.api.resumeRun(r.id);
    expect(resumed.status).toBe('running');
    await studio.api.stopRun(r.id);
    const after = await studio.api.getRun(r.id);
    expect(after.step).toBeGreaterThanOrEqual(stopped.step);
    expect(existsSync(path.join(tmp, 'runs', r.id, 'last'))).toBe(true);
  });
});
