// LoRA adapters as models (src-main/studio/adapter-import.ts, adapter-base.ts) through the real CLI, in process, on a
// temporary studio home with the reference trainer's tiny-a .pth as the base: `models import DIR|ZIP` ties an adapter
// to its base by sha256, `models list` shows the tie, eval / generate / classify-free commands find the base by the
// adapter's name or folder, and a missing, mismatched or hostile input is one line with nothing written.
import { promises as fs } from 'node:fs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Io } from '../../../src-main/cli/framework';
import { commands } from '../../../src-main/cli/commands/index';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { ModelService } from '../../../src-main/studio/models';
import { checkpointDir } from '../../../src-main/catalogue/paths';
import { serializeSafetensors } from '../../../src-main/engine/io/safetensors';
import { configToJson } from '../../../src-main/shared/config';
import { mergeByHand, sha256File, writeTestAdapter } from '../../helpers/adapter';
import { makeZip } from '../../helpers/zip';
import { TINY_A, TINY_A_CHECKPOINT, tinyA } from '../engine/infer/helpers';
import { tempDir } from '../../helpers/temp';

const PTH = path.join(TINY_A, 'model.pth');
const MIXED = path.join(import.meta.dirname, '../../fixtures/torch/mixed.pth');
const INPUT = path.join(TINY_A, 'inputs/gpl3-head.txt');

let tmp: string;
let home: string;
let baseId: string;
let adapterDir: string;
let mergedDir: string;

async function bgpt(homeDir: string, ...argv: string[]): Promise<{ code: number; json: any; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
  const code = await runCli(commands, [...argv, '--home', homeDir, '--json'], io);
  const last = out.trim().split('\n').at(-1);
  const line = err.trim().split('\n').at(-1) ?? '';
  return { code, json: code === 0 && last ? JSON.parse(last) : null, err: code === 0 ? err.trim() : line.replace(/^bgpt [a-z ]+: /, '') };
}

async function folderFiles(dir: string): Promise<Array<{ name: string; data: Buffer }>> {
  return Promise.all((await fs.readdir(dir)).map(async (name) => ({ name, data: await fs.readFile(path.join(dir, name)) })));
}

beforeAll(async () => {
  tmp = tempDir('bgpt-adapters-');
  home = path.join(tmp, 'home');
  const imported = await bgpt(home, 'models', 'import', PTH, '--name', 'tiny-a');
  expect(imported.code, imported.err).toBe(0);
  baseId = imported.json.model.id;
  const { config, tensors } = await tinyA();
  const a = await writeTestAdapter(path.join(tmp, 'tunes-lora'), {
    config, base: { sha256: await sha256File(PTH), name: 'tiny-a', ref: { kind: 'model', modelId: baseId } }, settings: { rank: 4, alpha: 8 },
  });
  adapterDir = a.dir;
  mergedDir = path.join(tmp, 'merged');
  await fs.mkdir(mergedDir);
  await fs.writeFile(path.join(mergedDir, 'config.json'), JSON.stringify(configToJson(config)));
  await fs.writeFile(path.join(mergedDir, 'model.safetensors'), serializeSafetensors(mergeByHand(tensors, config, a), { format: 'pt' }));
});

describe('adapters as models', () => {
  it('imports an adapter folder tied to its base, lists the tie, and scores it by name as the merged model', async () => {
    const r = await bgpt(home, 'models', 'import', adapterDir);
    expect(r.code, r.err).toBe(0);
    const m = r.json.model;
    const weightsSize = (await fs.stat(path.join(adapterDir, 'adapter_model.safetensors'))).size;
    expect(m).toMatchObject({
      name: 'tunes-lora', kind: 'generative',
      base: { id: baseId, name: 'tiny-a', sha256: await sha256File(PTH) },
      adapter: { rank: 4, alpha: 8, targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'], levels: ['patch', 'byte'], sizeBytes: weightsSize },
      size: weightsSize, sha256: await sha256File(path.join(adapterDir, 'adapter_model.safetensors')),
    });
    // 3 blocks × 4 matrices × r (in + out): a small fraction of the base.
    expect(m.parameters).toBe(4 * 3 * (64 + 192 + 64 + 64 + 64 + 256 + 256 + 64));
    expect(readdirSync(path.join(home, 'models', m.id)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'config.json', 'model.json']);
    const list = (await bgpt(home, 'models', 'list')).json.models;
    expect(list.find((x: { id: string }) => x.id === baseId)).toMatchObject({ base: null, adapter: null });
    expect(list.find((x: { id: string }) => x.id === m.id)).toMatchObject({ base: { id: baseId }, adapter: { rank: 4 } });

    const want = (await bgpt(home, 'eval', '--checkpoint', mergedDir, INPUT)).json.files[0].loss;
    const base = (await bgpt(home, 'eval', '--checkpoint', 'tiny-a', INPUT)).json.files[0].loss;
    for (const spec of ['tunes-lora', m.id, adapterDir, path.join(home, 'models', m.id)]) {
      for (const fast of [[], ['--fast']]) {
        const e = await bgpt(home, 'eval', '--checkpoint', spec, ...fast, INPUT);
        expect(e.code, e.err).toBe(0);
        expect(e.json.files[0].loss).toBeCloseTo(want, 4);
      }
    }
    expect(Math.abs(want - base)).toBeGreaterThan(1e-3);
    const g = await bgpt(home, 'generate', '--checkpoint', 'tunes-lora', '--ext', 'txt', '--max-bytes', '48', '--seed', '3', '--out', path.join(tmp, 'g.txt'));
    expect(g.code, g.err).toBe(0);
    const want3 = await bgpt(home, 'generate', '--checkpoint', mergedDir, '--ext', 'txt', '--max-bytes', '48', '--seed', '3', '--out', path.join(tmp, 'w.txt'));
    expect(readFileSync(path.join(tmp, 'g.txt')).equals(readFileSync(path.join(tmp, 'w.txt')))).toBe(true);
    expect(want3.code).toBe(0);
    // With Q8_0 weights, the adapter is merged before the packing: it scores and samples as the merged model at q8.
    const q8 = ['--precision', 'q8'];
    const wantQ8 = (await bgpt(home, 'eval', '--checkpoint', mergedDir, ...q8, INPUT)).json.files[0].loss;
    const gotQ8 = await bgpt(home, 'eval', '--checkpoint', 'tunes-lora', ...q8, INPUT);
    expect(gotQ8.code, gotQ8.err).toBe(0);
    expect(gotQ8.json.files[0].loss).toBeCloseTo(wantQ8, 4);
    const gq = await bgpt(home, 'generate', '--checkpoint', 'tunes-lora', ...q8, '--ext', 'txt', '--max-bytes', '48', '--seed', '3', '--out', path.join(tmp, 'gq.txt'));
    const wq = await bgpt(home, 'generate', '--checkpoint', mergedDir, ...q8, '--ext', 'txt', '--max-bytes', '48', '--seed', '3', '--out', path.join(tmp, 'wq.txt'));
    expect([gq.code, wq.code], gq.err + wq.err).toEqual([0, 0]);
    expect(readFileSync(path.join(tmp, 'gq.txt')).equals(readFileSync(path.join(tmp, 'wq.txt')))).toBe(true);
    // The sample is the adapter model's.
    const c = await Catalogue.open(home);
    expect((await c.getSample(g.json.sample))?.name).toMatch(/^tunes-lora · /);
    await c.close();
  });

  it('imports a zip of the folder (deflated, in a folder of its own) under the zip\'s name', async () => {
    const zip = path.join(tmp, 'irish-r4.zip');
    await fs.writeFile(zip, makeZip([
      { name: 'irish/', data: '' },
      ...(await folderFiles(adapterDir)).map((f) => ({ name: `irish/${f.name}`, data: f.data, deflate: true })),
      { name: 'irish/README.md', data: 'ignored' },
      { name: '__MACOSX/irish/._adapter_config.json', data: 'junk' },
    ]));
    const r = await bgpt(home, 'models', 'import', zip);
    expect(r.code, r.err).toBe(0);
    expect(r.json.model).toMatchObject({ name: 'irish-r4', base: { id: baseId }, sha256: await sha256File(path.join(adapterDir, 'adapter_model.safetensors')) });
    expect(readdirSync(path.join(home, 'downloads')).filter((n) => n.startsWith('adapter-'))).toEqual([]);
  });

  it('takes a zipped adapter as a browser upload, as the Models view sends it', async () => {
    const zip = makeZip((await folderFiles(adapterDir)).map((f) => ({ name: f.name, data: f.data, deflate: true })));
    const c = await Catalogue.open(home);
    try {
      const models = new ModelService(home, c);
      const up = await models.beginUpload({ fileName: 'uploaded-r4.zip', size: zip.length });
      await models.uploadChunk({ uploadId: up.uploadId, offset: 0, bytes: zip });
      const m = await models.finishUpload(up.uploadId);
      expect(m).toMatchObject({ name: 'uploaded-r4', source: 'uploaded-r4.zip', base: { id: baseId }, adapter: { rank: 4 } });
      await expect(models.beginUpload({ fileName: 'x.tar', size: 10 })).rejects.toThrow(/a model is a PyTorch checkpoint \(\.pth or \.pt\), or a LoRA adapter folder zipped \(\.zip\)/);
    } finally {
      await c.close();
    }
    expect(readdirSync(path.join(home, 'downloads')).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('refuses hostile and broken zips in one line, writing nothing', async () => {
    const files = await folderFiles(adapterDir);
    const before = readdirSync(path.join(home, 'models')).sort();
    const cases: Array<[string, Parameters<typeof makeZip>[0], RegExp]> = [
      ['climb', files.map((f) => ({ name: `../../escape/${f.name}`, data: f.data })), /invalid relative path: \.\.\/\.\.\/escape/],
      ['deep', files.map((f) => ({ name: `a/b/c/${f.name}`, data: f.data })), /the adapter lies too deep in the archive \(a\/b\/c\/\)/],
      ['link', files.map((f) => (f.name === 'adapter_model.safetensors' ? { name: f.name, data: '/etc/passwd', symlink: true } : { name: f.name, data: f.data })), /is a link, not a file/],
      ['twice', [...files.map((f) => ({ name: `a/${f.name}`, data: f.data })), ...files.map((f) => ({ name: `b/${f.name}`, data: f.data }))], /2 folders with an adapter_config\.json/],
      ['liar', files.map((f) => (f.name === 'adapter_model.safetensors' ? { name: f.name, data: Buffer.alloc(64 << 20), deflate: true, lieSize: 100 } : { name: f.name, data: f.data })), /bad zip entry adapter_model\.safetensors/],
      ['empty', [{ name: 'notes.txt', data: 'hello' }], /no adapter_config\.json in the archive, so not a LoRA adapter/],
    ];
    for (const [label, entries, why] of cases) {
      const zip = path.join(tmp, `${label}.zip`);
      await fs.writeFile(zip, makeZip(entries));
      const r = await bgpt(home, 'models', 'import', zip);
      expect(r.code, label).toBe(1);
      expect(r.err, label).toMatch(why);
      expect(r.err.split('\n')).toHaveLength(1);
    }
    await fs.writeFile(path.join(tmp, 'junk.zip'), 'PK not really');
    expect((await bgpt(home, 'models', 'import', path.join(tmp, 'junk.zip'))).err).toMatch(/junk\.zip: not a zip archive/);
    expect(readdirSync(path.join(home, 'models')).sort()).toEqual(before);
    expect(readdirSync(path.join(home, 'downloads')).filter((n) => n.startsWith('adapter-'))).toEqual([]);
    await expect(fs.stat(path.join(tmp, 'escape'))).rejects.toThrow();
  });

  it('says what to import when the base is missing, and when a model of that name has other weights', async () => {
    const empty = path.join(tmp, 'empty-home');
    const noCatalogue = await bgpt(empty, 'eval', '--checkpoint', adapterDir, INPUT);
    expect(noCatalogue.err).toMatch(/^LoRA adapter .*tunes-lora needs its base 'tiny-a' \(sha256 [0-9a-f]{12}…\), and there is no studio catalogue in .*empty-home to find it in/);
    expect((await bgpt(empty, 'models', 'list')).code).toBe(0); // a catalogue, still without the base
    const missing = await bgpt(empty, 'models', 'import', adapterDir);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^LoRA adapter .*tunes-lora needs its base 'tiny-a' \(sha256 [0-9a-f]{12}…\), which is not in .*empty-home: import it first \(bgpt models import tiny-a\.pth\)$/);
    expect(existsSync(path.join(empty, 'models')) ? readdirSync(path.join(empty, 'models')) : []).toEqual([]);
    expect((await bgpt(empty, 'eval', '--checkpoint', adapterDir, INPUT)).err).toMatch(/needs its base 'tiny-a'/);

    // Another file under the base's name: a mismatch, said as such.
    expect((await bgpt(empty, 'models', 'import', MIXED, '--name', 'tiny-a')).code).toBe(0);
    const other = await bgpt(empty, 'eval', '--checkpoint', adapterDir, INPUT);
    expect(other.err).toMatch(/was trained on 'tiny-a' \(sha256 [0-9a-f]{12}…\), but model 'tiny-a' here has other weights \(sha256 [0-9a-f]{12}…\): import the original base/);
  });

  it('fine-tunes in full from an adapter: the run is given the adapter and its base (merged at load, engine tests) and names what it fine-tunes', async () => {
    const r = await bgpt(home, 'train', '--data', path.join(TINY_A, 'inputs'), '--init', 'tunes-lora', '--steps', '1', '--batch', '1');
    expect(r.code, r.err).toBe(0);
    const c = await Catalogue.open(home);
    const stored = (await c.getRun(r.json.runId))!.config as unknown as { initFrom: string; initBase: string; fineTune: unknown };
    const base = await c.models.get('tiny-a');
    await c.close();
    expect(stored.fineTune).toEqual({ kind: 'model', id: expect.stringMatching(/^mdl_/), name: 'tunes-lora' });
    expect(stored.initFrom).toBe(path.join(home, 'models', (stored.fineTune as { id: string }).id));
    expect(stored.initBase).toBe(base!.path);
    // Its first checkpoint is a full model again, tiny-a's shape.
    expect(readdirSync(r.json.checkpoint)).toContain('model.safetensors');
  });

  it('finds a run checkpoint as the base by the sha256 of its model.safetensors, hashed once', async () => {
    const c = await Catalogue.open(home);
    const run = await c.createRun({ name: 'tiny run', mode: 'generative', config: {} });
    const best = checkpointDir(home, run.id, 'best');
    await fs.mkdir(best, { recursive: true });
    for (const f of ['config.json', 'model.safetensors']) await fs.copyFile(path.join(TINY_A_CHECKPOINT, f), path.join(best, f));
    await c.addCheckpoint({ runId: run.id, kind: 'best', step: 10, path: best });
    await c.close();
    const { config } = await tinyA();
    const sha = await sha256File(path.join(best, 'model.safetensors'));
    const a = await writeTestAdapter(path.join(tmp, 'on-a-run'), { config, base: { sha256: sha, name: 'tiny run', ref: { kind: 'run', runId: run.id, checkpoint: 'best' } }, seed: 5 });
    const viaRun = await bgpt(home, 'eval', '--checkpoint', a.dir, INPUT);
    expect(viaRun.code, viaRun.err).toBe(0);
    const c2 = await Catalogue.open(home);
    expect((await c2.listCheckpoints(run.id))[0].sha256).toBe(sha);
    await c2.close();
    // Imported, it lists its base by name (no model id: the base is a run's checkpoint).
    const m = (await bgpt(home, 'models', 'import', a.dir, '--name', 'run-adapter')).json.model;
    expect(m.base).toEqual({ id: null, name: 'tiny run', sha256: sha });
    expect((await bgpt(home, 'eval', '--checkpoint', 'run-adapter', INPUT)).json.files[0].loss).toBeCloseTo(viaRun.json.files[0].loss, 5);
  });
});
