// A run trained on webgpu keeps the adapter it trained on (issue 11: "reported with the adapter's name in
// every run"): in the run summary, in the catalogue row after the studio restarts, and in the run record
// recovery reads. Real engine process on Mesa's software Vulkan driver when there is no GPU (webgpu-required.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lacks } from '../../helpers/system';
import { readFileSync } from 'node:fs';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { runRecordPath } from '../../../src-main/catalogue/paths';
import { ProcessEngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import type { RunSummary } from '../../../src-main/shared/contract';
import { LAVAPIPE_HINT } from '../engine/backend/webgpu-required';
import { tempDir } from '../../helpers/temp';

let tmp: string;
let studio: Studio | null = null;
let datasetId = '';
const TUNE = 'X:1\nT:Test\nM:4/4\nK:C\nCDEF GABc|\n';
/** The tune with its title and a last bar of its own: the import keeps one copy of the same music (datasets/import.ts). */
const tune = (title: string, i: number) => new TextEncoder().encode(TUNE.replace('Test', title).replace('GABc|', `GABc|${'CDEFGAB'[i % 7]}8|`));

beforeAll(async () => {
  if (lacks('webgpu')) return;
  tmp = tempDir('bgpt-adapter-');
  studio = await openStudio({ home: tmp, engine: new ProcessEngineHost(() => spawnNodeEngine({ ...process.env, BGPT_BACKEND: 'webgpu' })), transport: 'http', builtIns: false });
  const files = [1, 2, 3].map((i) => ({ name: `t${i}.abc`, bytes: tune(`T${i}`, i) }));
  datasetId = (await studio.api.importFiles({ name: 'tunes', files, kind: 'generative' })).datasetId;
});

afterAll(async () => {
  await studio?.close();
});

describe.skipIf(lacks('webgpu'))('the adapter kept with a run', () => {
  it('records the webgpu adapter of finished generative and classification runs and keeps it after the studio restarts', async () => {
    const s = studio!;
    const done = new Promise<RunSummary>((resolve) => {
      const off = s.subscribe((e, p) => {
        const r = p as RunSummary;
        if (e === 'runUpdate' && (r.status === 'done' || r.status === 'failed')) { off(); resolve(r); }
      });
    });
    const run = await s.api.startRun({ datasetId, preset: 'tiny', steps: 2, batchSize: 1, evalEvery: 1000, mode: 'generative' });
    const end = await done;
    if (end.status === 'failed') throw new Error(`${LAVAPIPE_HINT}: ${end.error}`);
    expect(end.backend).toBe('webgpu');
    // The adapter the engine reported (the status bar's), as the run's own record.
    const engineAdapter = (await s.api.getInfo()).engine.adapter;
    expect(engineAdapter).toBeTruthy();
    expect(end.adapter).toEqual(engineAdapter);
    expect(end.adapter?.vendor).toMatch(/\S/);

    // A classification run (engine-host/classify-job.ts) records it the same way.
    const labelled = ['jig_1', 'jig_2', 'reel_1', 'reel_2'].map((n, i) => ({ name: `${n}.abc`, bytes: tune(`C${i}`, i) }));
    const clsData = (await s.api.importFiles({ name: 'labelled', files: labelled, kind: 'generative' })).datasetId;
    const clsDone = new Promise<RunSummary>((resolve) => {
      const off = s.subscribe((e, p) => {
        const r = p as RunSummary;
        if (e === 'runUpdate' && r.mode === 'classification' && (r.status === 'done' || r.status === 'failed')) { off(); resolve(r); }
      });
    });
    const cls = await s.api.startRun({ datasetId: clsData, preset: 'tiny', steps: 2, batchSize: 1, evalEvery: 1000, mode: 'classification' });
    const clsEnd = await clsDone;
    expect(clsEnd.error).toBeNull();
    expect(clsEnd).toMatchObject({ id: cls.id, backend: 'webgpu', adapter: engineAdapter });
    await s.close();
    studio = null;

    // Another process later: the catalogue row and the run record still name it.
    const c = await Catalogue.open(tmp);
    expect((await c.getRun(run.id))?.adapter).toEqual(engineAdapter);
    expect((await c.getRun(cls.id))?.adapter).toEqual(engineAdapter);
    await c.close();
    expect(JSON.parse(readFileSync(runRecordPath(tmp, run.id), 'utf8')).adapter).toEqual(engineAdapter);
  });
});
