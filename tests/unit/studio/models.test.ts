// ModelService on a real catalogue: chunked uploads (order, size, cancel), rename/delete, kinds, and
// the --checkpoint resolver's order (path, model, run) with its one-line error.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { ModelService } from '../../../src-main/studio/models';
import { checkpointArg, resolveCheckpoint } from '../../../src-main/studio/checkpoints';
import { PUBLISHED_FILES, type PublishedFile, type PublishedTable } from '../../../src-main/studio/published';
import { DatasetService } from '../../../src-main/studio/datasets';
import { StudioEventBus } from '../../../src-main/studio/events';
import type { EngineHost } from '../../../src-main/engine-host/host';
import { ScoringService } from '../../../src-main/studio/scoring';
import { startModelServer } from '../../helpers/model-server';
import { createHash } from 'node:crypto';
import { tempDir } from '../../helpers/temp';

const PTH_FILE = path.join(__dirname, '../../fixtures/parity/tiny-a/model.pth');
const PTH = new Uint8Array(readFileSync(PTH_FILE));

let home: string;
let catalogue: Catalogue;
let models: ModelService;

beforeEach(async () => {
  home = tempDir('bgpt-msvc-');
  catalogue = await Catalogue.open(home);
  models = new ModelService(home, catalogue);
});

afterEach(async () => {
  await catalogue.close();
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

describe('ModelService limits (issue 20 items 3 and 6)', () => {
  const SIZE = PTH.length;
  const SHA = createHash('sha256').update(PTH).digest('hex');
  /** The published table with the tiny-a checkpoint pinned as "text" and "conversion" (the real files are 1.32 GB). */
  const pinned = (over: Partial<PublishedFile> = {}): PublishedTable => ({
    ...PUBLISHED_FILES,
    text: { ...PUBLISHED_FILES.text, size: SIZE, sha256: SHA, ...over },
    conversion: { ...PUBLISHED_FILES.conversion, size: SIZE, sha256: SHA },
  });

  it('lands a published model only when it is the pinned file, and refuses an unpinned one in one line', async () => {
    const server = await startModelServer({ 'weights-text.pth': PTH, 'weights-conversion.pth': PTH }, { noHashHeaders: true });
    process.env.BGPT_HF_ENDPOINT = server.base;
    try {
      const svc = new ModelService(home, catalogue, null, undefined, { published: pinned() });
      expect(await svc.download('text')).toMatchObject({ name: 'weights-text', kind: 'generative', sha256: SHA });
      expect(await svc.download('conversion')).toMatchObject({ name: 'weights-conversion', kind: 'conversion' });
      const unpinned = new ModelService(home, catalogue, null, undefined, { published: pinned({ sha256: null, size: null }) });
      await expect(unpinned.download('text', { name: 'again' })).rejects.toThrow('the studio has no sha256 for the published weights-text.pth: download it yourself and run `bgpt models import`, or give its sha256 with --sha256 HEX');
      expect((await unpinned.download('text', { name: 'given', sha256: SHA })).sha256).toBe(SHA);
    } finally {
      delete process.env.BGPT_HF_ENDPOINT;
      await server.close();
    }
  });

  it('takes two uploads at once, 4 GiB announced in all, and none the disk cannot hold', async () => {
    const a = await models.beginUpload({ fileName: 'a.pth', size: 3 * 1024 ** 3 });
    await expect(models.beginUpload({ fileName: 'b.pth', size: 2 * 1024 ** 3 })).rejects.toThrow(/^uploads in progress already announce 3\.0 GiB; 2\.0 GiB more would pass the 4\.0 GiB the studio takes at once/);
    const b = await models.beginUpload({ fileName: 'b.pth', size: 1000 });
    await expect(models.beginUpload({ fileName: 'c.pth', size: 10 })).rejects.toThrow('2 model uploads are already in progress: wait for one to finish');
    await models.cancelUpload(a.uploadId);
    await models.cancelUpload(b.uploadId);
    const full = new ModelService(home, catalogue, null, undefined, { freeBytes: async () => 300 * 1024 ** 2 });
    await expect(full.beginUpload({ fileName: 'big.pth', size: 100 * 1024 ** 2 })).rejects.toThrow('uploading big.pth needs 100 MiB of disk in the studio home, 300 MiB are free');
    expect(readdirSync(path.join(home, 'downloads'))).toEqual([]);
  });

  it('drops an upload that went idle, so it keeps no slot', async () => {
    const first = await models.beginUpload({ fileName: 'a.pth', size: 10 });
    await models.beginUpload({ fileName: 'b.pth', size: 10 });
    const real = Date.now;
    Date.now = () => real() + 11 * 60 * 1000;
    try {
      const c = await models.beginUpload({ fileName: 'c.pth', size: 10 });
      expect(c.uploadId).toMatch(/^up_/);
    } finally {
      Date.now = real;
    }
    await expect(models.uploadChunk({ uploadId: first.uploadId, offset: 0, bytes: new Uint8Array(1) })).rejects.toThrow(/no upload/);
  });

  it('refuses an evaluation whose files and model do not fit in memory, before reading a file or calling the engine', async () => {
    const m = await models.importPath(PTH_FILE, { name: 'tiny-eval' });
    const ds = new DatasetService(home, catalogue, new StudioEventBus());
    const report = await ds.importFiles('texts', Array.from({ length: 20 }, (_, i) => ({ name: `t${i}.txt`, bytes: new TextEncoder().encode(`text ${i} `.repeat(500)) })), 'generative');
    const engine = { call: () => { throw new Error('the engine was called'); }, setActivity: () => {} } as unknown as EngineHost;
    const scoring = new ScoringService(catalogue, engine);
    process.env.BGPT_MEMORY_LIMIT = '200K';
    try {
      await expect(scoring.evaluateDataset({ from: { kind: 'model', modelId: m.id }, datasetId: report.datasetId, split: 'all', limit: 100 }))
        .rejects.toThrow(/^evaluating 20 file\(s\) of 73 KiB needs about \d+ MiB, more than the \d+ MiB of BGPT_MEMORY_LIMIT it may use: evaluate fewer files \(a lower limit\) or a split with smaller files$/);
    } finally {
      delete process.env.BGPT_MEMORY_LIMIT;
    }
  });
});
