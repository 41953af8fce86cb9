// The one resolver of "which checkpoint" (src-main/studio/checkpoints.ts): a request names a run's
// checkpoint or a model by id, resolved through the catalogue only, never by stat-ing the string it
// carries (issue 20: startRun used to stat a `mdl_…` initFrom); paths come only from the CLI's own
// command line (checkpointArg). Every method that names a checkpoint is checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { InProcessEngineHost } from '../../../src-main/engine-host/in-process';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import { checkpointArg, resolveCheckpoint } from '../../../src-main/studio/checkpoints';
import type { CheckpointRef } from '../../../src-main/shared/contract';
import { tempDir } from '../../helpers/temp';

const FIXTURE = path.resolve(__dirname, '../../fixtures/parity/tiny-a');
const PTH = path.join(FIXTURE, 'model.pth');
const FOLDER = path.join(FIXTURE, 'checkpoint');

let tmp: string;
let studio: Studio;
let modelId: string;
let datasetId: string;
let fileId: string;

beforeAll(async () => {
  tmp = tempDir('bgpt-checkpoints-');
  studio = await openStudio({ home: path.join(tmp, 'home'), engine: new InProcessEngineHost(), transport: 'http', builtIns: false });
  modelId = (await studio.models.importPath(PTH, { name: 'tiny-a' })).id;
  const report = await studio.api.importFiles({ name: 'texts', files: [{ name: 'a.txt', bytes: new TextEncoder().encode('a few bytes of text to score') }] });
  datasetId = report.datasetId;
  fileId = (await studio.api.getDataset(datasetId)).files[0].id;
});

afterAll(async () => {
  await studio?.close();
});

/** References whose ids are strings that name real checkpoints on this machine. */
const HOSTILE: CheckpointRef[] = [
  { kind: 'model', modelId: PTH },
  { kind: 'run', runId: FOLDER, checkpoint: 'best' },
  { kind: 'run', runId: `mdl_x/../../${path.relative(process.cwd(), FOLDER)}`, checkpoint: 'last' },
  { kind: 'model', modelId: '../models' },
];

describe('checkpoint references', () => {
  it('never use an id as a path, in any method that names a checkpoint', async () => {
    const file = { kind: 'dataset-file' as const, datasetId, fileId };
    for (const from of HOSTILE) {
      const calls = [
        () => studio.api.generate({ from, ext: 'txt' }),
        () => studio.api.surprisal({ file, from }),
        () => studio.api.classify({ from, files: [{ name: 'a.txt', bytes: new Uint8Array([1]) }] }),
        () => studio.api.evaluateModel({ from, datasetId }),
        () => studio.api.startRun({ datasetId, initFrom: from, steps: 1 }),
      ];
      for (const call of calls) await expect(call(), JSON.stringify(from)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await studio.api.listRuns()).length).toBe(0); // no run was created on the way
  });

  it('resolve a model by its id only (a name is no id) and a run by id to its checkpoint', async () => {
    const r = await resolveCheckpoint(studio.catalogue, { kind: 'model', modelId });
    expect(r).toMatchObject({ form: 'torch', kind: 'generative', model: { id: modelId } });
    await expect(resolveCheckpoint(studio.catalogue, { kind: 'model', modelId: 'tiny-a' })).rejects.toThrow("no model 'tiny-a'");
    await expect(resolveCheckpoint(studio.catalogue, { kind: 'run', runId: 'run_nope', checkpoint: 'best' })).rejects.toThrow("no run 'run_nope'");
  });

  it('score a file under a model named by reference, on the kernels', async () => {
    const r = await studio.api.surprisal({ file: { kind: 'dataset-file', datasetId, fileId }, from: { kind: 'model', modelId } });
    expect(r.backend).toBe('wasm-simd');
    expect(r.bits.length).toBe(28);
  });
});

describe('the CLI\'s --checkpoint', () => {
  it('is a path when one is there or it is written as one, else an id or name', async () => {
    expect(await checkpointArg(FOLDER)).toEqual({ kind: 'path', path: FOLDER });
    expect(await checkpointArg('nope.pth')).toEqual({ kind: 'path', path: path.resolve('nope.pth') });
    expect(await checkpointArg('some/dir')).toEqual({ kind: 'path', path: path.resolve('some/dir') });
    expect(await checkpointArg('tiny-a', 'init')).toEqual({ kind: 'name', name: 'tiny-a', flag: 'init' });
    const byName = await resolveCheckpoint(studio.catalogue, await checkpointArg('tiny-a'));
    expect(byName.model?.id).toBe(modelId);
    // A path inside the home's models/ is that model's (its samples are named after it).
    const inside = await resolveCheckpoint(studio.catalogue, { kind: 'path', path: byName.path });
    expect(inside.model?.id).toBe(modelId);
  });
});
