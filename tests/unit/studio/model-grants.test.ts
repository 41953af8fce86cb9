// Desktop model import by dialog handle (docs/security.md): importModelPath takes only a selection the
// native dialog granted, for exactly one file, once; a path the renderer names is refused by the
// request schema and as a handle. On a real temporary studio home with the tiny-a reference .pth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ProcessEngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import { createDispatcher } from '../../../src-main/studio/dispatch';
import { grantedModelFile, PathGrants } from '../../../src-main/studio/grants';
import { tempDir } from '../../helpers/temp';

const TINY_PTH = path.join(import.meta.dirname, '../../fixtures/parity/tiny-a/model.pth');
let tmp: string;
let studio: Studio;
let pth: string;

beforeAll(async () => {
  tmp = tempDir('bgpt-model-grants-');
  pth = path.join(tmp, 'weights-tiny.pth');
  copyFileSync(TINY_PTH, pth);
  studio = await openStudio({ home: path.join(tmp, 'home'), engine: new ProcessEngineHost(() => spawnNodeEngine()), transport: 'electron', builtIns: false });
});

afterAll(async () => {
  await studio?.close();
});

describe('importModelPath by dialog handle', () => {
  it('imports the one file a model dialog granted, once', async () => {
    const sel = studio.grants.grant([pth]);
    const model = await studio.api.importModelPath({ selection: sel.selection, name: 'granted' });
    expect(model).toMatchObject({ name: 'granted', kind: 'generative' });
    expect((await studio.api.listModels()).map((m) => m.id)).toContain(model.id);
    await expect(studio.api.importModelPath({ selection: sel.selection, name: 'again' })).rejects.toThrow(/unknown or expired/);
  });

  it('refuses a path the renderer names, as a field and as a handle', async () => {
    const dispatch = createDispatcher(studio.handlers);
    const r = await dispatch('importModelPath', { path: pth });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    await expect(studio.api.importModelPath({ selection: pth })).rejects.toThrow(/unknown or expired/);
    expect((await studio.api.listModels()).map((m) => m.name)).toEqual(['granted']);
  });

  it('takes exactly one checkpoint from a selection, and at most its one log', () => {
    const g = new PathGrants();
    const two = g.grant([pth, path.join(tmp, 'other.pth')]);
    expect(() => grantedModelFile(g, two.selection)).toThrow(/choose one \.pth\/\.pt file .* holds 2 file/);
    expect(() => grantedModelFile(g, two.selection)).toThrow(/unknown or expired/);
    expect(grantedModelFile(g, g.grant([pth]).selection)).toEqual({ file: path.resolve(pth), log: null });
    const log = path.join(tmp, 'logs-tiny.txt');
    expect(grantedModelFile(g, g.grant([log, pth]).selection)).toEqual({ file: path.resolve(pth), log: path.resolve(log) });
    expect(() => grantedModelFile(g, g.grant([pth, log, path.join(tmp, 'notes.md')]).selection)).toThrow(/at most its one logs-\*\.txt/);
  });

  it("reads a log beside the checkpoint only when the dialog chose it too (issue 20 item 7)", async () => {
    // The log lies beside the file in both imports; only the second selection names it.
    writeFileSync(path.join(tmp, 'logs-tiny.txt'), 'Epoch 1\ntrain_loss: 3.5\neval_loss: 3.25\n\n');
    const without = await studio.handlers.importModelPath({ selection: studio.grants.grant([pth]).selection, name: 'no-log' });
    expect(without.hasCurves).toBe(false);
    const withLog = await studio.handlers.importModelPath({ selection: studio.grants.grant([pth, path.join(tmp, 'logs-tiny.txt')]).selection, name: 'with-log' });
    expect(withLog.hasCurves).toBe(true);
    expect(await studio.handlers.getModelMetrics(withLog.id)).toEqual([{ epoch: 1, trainLoss: 3.5, evalLoss: 3.25 }]);
  });
});
