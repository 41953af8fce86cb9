// ModelService on a real catalogue: chunked uploads (order, size, cancel), rename/delete, kinds, and
// the --checkpoint resolver's order (path, model, run) with its one-line error.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { ModelService } from '../../../src-main/studio/models';
import { checkpointArg, resolveCheckpoint } from '../../../src-main/studio/checkpoints';

const PTH_FILE = path.join(__dirname, '../../fixtures/parity/tiny-a/model.pth');
const PTH = new Uint8Array(readFileSync(PTH_FILE));

let home: string;
let catalogue: Catalogue;
let models: ModelService;

beforeEach(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'bgpt-msvc-'));
  catalogue = await Catalogue.open(home);
  models = new ModelService(home, catalogue);
});

afterEach(async () => {
  await catalogue.close();
  rmSync(home, { recursive: true, force: true });
});

async function uploadInChunks(chunk: number, opts: { name?: string; kind?: 'generative' | 'conversion' | 'classifier' } = {}) {
  const { uploadId } = await models.beginUpload({ fileName: 'weights-conversion.pth', size: PTH.length, ...opts });
  for (let off = 0; off < PTH.length; off += chunk) await models.uploadChunk({ uploadId, offset: off, bytes: PTH.subarray(off, off + chunk) });
  return models.finishUpload(uploadId);
}

describe('ModelService', () => {
  it('lands a chunked upload as a model (kind from the file name), byte for byte', async () => {
    const m = await uploadInChunks(100_000);
    expect(m).toMatchObject({ name: 'weights-conversion', kind: 'conversion', size: PTH.length, missing: false });
    expect(readFileSync(await models.pathOf(m.id)).equals(Buffer.from(PTH))).toBe(true);
    expect(readdirSync(path.join(home, 'downloads'))).toEqual([]);
    const g = await uploadInChunks(1 << 20, { name: 'plain', kind: 'generative' });
    expect(g.kind).toBe('generative');
    await expect(uploadInChunks(1 << 20, { name: 'cls', kind: 'classifier' })).rejects.toThrow(/not a classifier/);
  });

  it('refuses chunks out of order or past the announced size, and cancels cleanly', async () => {
    const { uploadId } = await models.beginUpload({ fileName: 'x.pth', size: 10 });
    await expect(models.uploadChunk({ uploadId, offset: 5, bytes: new Uint8Array(5) })).rejects.toThrow(/offset 5, expected 0/);
    await expect(models.uploadChunk({ uploadId, offset: 0, bytes: new Uint8Array(11) })).rejects.toThrow(/longer than announced/);
    await models.uploadChunk({ uploadId, offset: 0, bytes: new Uint8Array(4) });
    await expect(models.finishUpload(uploadId)).rejects.toThrow(/ended after 4 of 10 bytes/);
    expect(readdirSync(path.join(home, 'downloads'))).toEqual([]);
    await expect(models.beginUpload({ fileName: 'notes.txt', size: 3 })).rejects.toThrow(/\.pth or \.pt/);
    const b = await models.beginUpload({ fileName: 'y.pth', size: 3 });
    await models.cancelUpload(b.uploadId);
    await expect(models.uploadChunk({ uploadId: b.uploadId, offset: 0, bytes: new Uint8Array(3) })).rejects.toThrow(/no upload/);
    expect(await models.list()).toEqual([]);
  });

  it('refuses a file that is not a checkpoint without leaving anything', async () => {
    const { uploadId } = await models.beginUpload({ fileName: 'evil.pth', size: 12 });
    await models.uploadChunk({ uploadId, offset: 0, bytes: new TextEncoder().encode('cos\nsystem\n.') });
    await expect(models.finishUpload(uploadId)).rejects.toThrow(/evil|zip|checkpoint/i);
    expect(existsSync(path.join(home, 'models')) ? readdirSync(path.join(home, 'models')) : []).toEqual([]);
    expect(readdirSync(path.join(home, 'downloads'))).toEqual([]);
  });

  it('resolves --checkpoint as a path, then a model by name or id, and marks a vanished file missing', async () => {
    const imported = await models.importPath(PTH_FILE, { name: 'tiny' });
    const m = { ...imported, path: await models.pathOf(imported.id) };
    const resolve = async (arg: string) => resolveCheckpoint(catalogue, await checkpointArg(arg));
    expect(await resolve(PTH_FILE)).toMatchObject({ form: 'torch', model: null, run: null });
    expect(await resolve('tiny')).toMatchObject({ form: 'torch', path: m.path, model: { id: m.id } });
    expect(await resolve(m.id)).toMatchObject({ form: 'torch', path: m.path, model: { id: m.id } });
    // A reference names a model by id only: its name is no id.
    await expect(resolveCheckpoint(catalogue, { kind: 'model', modelId: 'tiny' })).rejects.toThrow("no model 'tiny'");
    await expect(resolve('nope')).rejects.toThrow(`--checkpoint 'nope': no checkpoint folder or .pth/.pt file at that path, and no model or run with that id or name in ${home}`);
    const renamed = await models.rename(m.id, 'tiny-2');
    expect(renamed.name).toBe('tiny-2');
    await fs.rm(m.path);
    await catalogue.reconcile();
    expect((await models.get('tiny-2')).missing).toBe(true);
    await expect(resolve('tiny-2')).rejects.toThrow(/missing its file/);
    await models.delete(m.id);
    expect(existsSync(path.dirname(m.path))).toBe(false);
  });
});
