// Tune collections downloaded into datasets (studio/dataset-download.ts) from a real local HTTP server that
// publishes files the way Hugging Face does (tests/helpers/model-server.ts): an IrishMAN-shaped pair of JSON
// files (train + validation), a zip of real tune books, a connection cut mid-body and resumed, a published
// sha256 the bytes do not match, a cancel, and the URL rules (https only but loopback; the browser names
// collections only). Through the service and through the real CLI (`bgpt datasets download`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Catalogue } from '../../../src-main/catalogue/catalogue';
import { DatasetService } from '../../../src-main/studio/datasets';
import { DatasetDownloads, checkCollectionUrl, resolveCollection } from '../../../src-main/studio/dataset-download';
import { StudioEventBus } from '../../../src-main/studio/events';
import { runCli, type Io } from '../../../src-main/cli/framework';
import { commands } from '../../../src-main/cli/commands/index';
import type { DatasetDownloadInfo } from '../../../src-main/shared/contract';
import { startModelServer, type ModelServer } from '../../helpers/model-server';
import { tempDir } from '../../helpers/temp';

const SOURCES = path.resolve(__dirname, '../../../datasets/sources');
const enc = (s: string) => new TextEncoder().encode(s);

/** IrishMAN's shape: a JSON array of {"abc notation", "control code"}; titles removed, as the set has them. */
function irishman(tunes: string[]): Uint8Array {
  return enc(JSON.stringify(tunes.map((abc) => ({ 'control code': 'S:2\nB:8\n', 'abc notation': abc }))));
}
const tune = (i: number) => `X:1\nL:1/8\nM:6/8\nK:D\n${'DFA dfa|'.repeat(1 + (i % 5))}${['A', 'B', 'c', 'd', 'e', 'f', 'g'][i % 7]}3 d3|]\n`;
const TRAIN = irishman([...Array.from({ length: 30 }, (_, i) => tune(i)), tune(3), '']);
const VALIDATION = irishman([tune(100), tune(101), tune(102)]);
/** A book of 2,000 small tunes (about 120 KB): long enough to cut mid-body and to cancel mid-download. */
const BIG = enc(Array.from({ length: 2000 }, (_, i) => `X:${i + 1}\nT:Tune ${i}\nK:G\n${tune(i).split('\n')[4]}\n`).join('\n'));

let tmp: string;
let server: ModelServer;
let zipBytes: Uint8Array;

beforeAll(async () => {
  tmp = tempDir('bgpt-collections-');
  // A real zip (Info-ZIP, deflated) of two Debian tune books, one in an eval/ folder, and a README.
  const z = path.join(tmp, 'zip-src');
  mkdirSync(path.join(z, 'books', 'eval'), { recursive: true });
  writeFileSync(path.join(z, 'books', 'demo.abc'), readFileSync(path.join(SOURCES, 'abcmidi', 'demo.abc')));
  writeFileSync(path.join(z, 'books', 'eval', 'coleraine.abc'), readFileSync(path.join(SOURCES, 'abcmidi', 'coleraine.abc')));
  writeFileSync(path.join(z, 'books', 'README.txt'), 'two books\n');
  execFileSync('zip', ['-qr', path.join(tmp, 'books.zip'), 'books'], { cwd: z });
  zipBytes = new Uint8Array(readFileSync(path.join(tmp, 'books.zip')));
  server = await startModelServer({
    'train.json': TRAIN, 'validation.json': VALIDATION, 'books.zip': zipBytes,
    'demo.abc': new Uint8Array(readFileSync(path.join(SOURCES, 'abcmidi', 'demo.abc'))),
    'big.abc': BIG, 'nothing.zip': enc('PK\x05\x06' + '\0'.repeat(18)),
  });
  process.env.BGPT_HF_ENDPOINT = server.base;
});
afterAll(async () => {
  delete process.env.BGPT_HF_ENDPOINT;
  await server.close();
});

let home: string;
let catalogue: Catalogue;
let downloads: DatasetDownloads;
let bus: StudioEventBus;
beforeEach(async () => {
  home = mkdtempSync(path.join(tmp, 'home-'));
  catalogue = await Catalogue.open(home);
  bus = new StudioEventBus();
  downloads = new DatasetDownloads(home, new DatasetService(home, catalogue, bus), bus);
  Object.assign(server.knobs, { cutAfter: undefined, cuts: 0, publishSha: undefined, chunkDelayMs: undefined, ignoreRange: false });
  server.ranges.length = 0;
});
afterEach(async () => {
  await catalogue.close();
});
const parts = () => (existsSync(path.join(home, 'downloads')) ? readdirSync(path.join(home, 'downloads')).filter((n) => !n.endsWith('.lock')) : []);

describe('downloading a tune collection', () => {
  it('lands IrishMAN as one dataset: one tune per record, duplicates once, its validation file as the eval split', async () => {
    const report = await downloads.download('irishman', { allowUrls: false });
    expect(report.dataset).toBe('IrishMAN');
    expect(report.imported).toBe(33); // 30 train records + 3 validation records; the repeated one is a duplicate
    expect(report.duplicates).toBe(1);
    expect(report.skipped).toContainEqual({ path: 'IrishMAN train.json', reason: '1 record without ABC text' });
    const d = (await catalogue.getDataset('IrishMAN'))!;
    const files = await catalogue.listDatasetFiles(d.id);
    expect(files.filter((f) => f.split === 'eval')).toHaveLength(3);
    for (const f of files) expect(readFileSync(f.path, 'utf8')).toMatch(/^X:1\nL:1\/8\nM:6\/8\nK:D\n/);
    expect(parts()).toEqual([]); // nothing left in downloads/
    expect(server.ranges.length).toBe(2);
  });

  it('lands a zip of tune books: its books cut into tunes, its eval/ folder the eval split, other files listed', async () => {
    const report = await downloads.download(`${server.base}/datasets/someone/books/resolve/main/books.zip`, { allowUrls: true, keys: 2 });
    expect(report.dataset).toBe('books');
    expect(report.books?.map((b) => b.path)).toEqual(['books.zip:books/demo.abc', 'books.zip:books/eval/coleraine.abc']);
    expect(report.skipped).toContainEqual({ path: 'books.zip:books/README.txt', reason: 'not an ABC tune book (.abc)' });
    const files = await catalogue.listDatasetFiles((await catalogue.getDataset('books'))!.id);
    expect(files.filter((f) => f.split === 'eval').map((f) => f.originalName).sort()).toEqual(['coleraine.abc', 'coleraine~up2.abc']);
    expect(files).toHaveLength(report.books!.reduce((n, b) => n + b.files, 0));
    const moved = files.filter((f) => /~up2\.abc$/.test(f.originalName)).length;
    expect(moved).toBeGreaterThan(report.books![0].imported / 2);
    expect(moved).toBeLessThanOrEqual(report.books![0].imported + 1);
  });

  it('resumes a connection cut mid-body with a Range request and lands the same bytes', async () => {
    // A third of the way in, chunks paced as the model download test paces them.
    const cutAfter = Math.floor(BIG.length / 3);
    Object.assign(server.knobs, { cutAfter, cuts: 1, chunkDelayMs: 2 });
    const report = await downloads.download(`${server.base}/datasets/x/y/resolve/main/big.abc`, { allowUrls: true, name: 'big' });
    expect(report.books?.[0].tunes).toBe(2000);
    expect(server.ranges).toEqual(['', `bytes=${cutAfter}-`]);
    expect(report.books![0].imported).toBeGreaterThan(0);
    expect(report.imported).toBe(report.books![0].files);
  });

  it('refuses bytes that do not match the published sha256, keeps no partial file and lands nothing', async () => {
    server.knobs.publishSha = 'ab'.repeat(32);
    await expect(downloads.download('irishman', { allowUrls: false })).rejects.toThrow(/is corrupt: sha256 .*published abababababab/);
    expect(await catalogue.getDataset('IrishMAN')).toBeNull();
    expect(parts()).toEqual([]);
  });

  it('refuses a zip without tunes in one line, and removes its bytes', async () => {
    await expect(downloads.download(`${server.base}/datasets/x/y/resolve/main/nothing.zip`, { allowUrls: true })).rejects.toThrow(/holds no ABC tunes/);
    expect(parts()).toEqual([]);
  });

  it('cancels from the UI: a cancelled event, no dataset, no partial file', async () => {
    server.knobs.chunkDelayMs = 30;
    const events: DatasetDownloadInfo[] = [];
    bus.subscribe((e, p) => { if (e === 'datasetDownload') events.push(p as DatasetDownloadInfo); });
    const source = `${server.base}/datasets/x/y/resolve/main/big.abc`;
    const { downloadId } = downloads.start({ source }, true);
    expect(downloads.list().map((d) => d.downloadId)).toEqual([downloadId]);
    expect(() => downloads.start({ source }, true)).toThrow(/already downloading/);
    // Cancel once bytes are arriving (the server sends a chunk every 30 ms).
    for (let i = 0; i < 200 && !events.some((e) => e.state === 'downloading' && e.bytes > 0); i++) await new Promise((r) => setTimeout(r, 25));
    await downloads.cancel(downloadId);
    await new Promise((r) => setTimeout(r, 300));
    expect(events.at(-1)).toMatchObject({ downloadId, state: 'cancelled' });
    expect(events.some((e) => e.state === 'downloading' && e.bytes > 0)).toBe(true);
    expect(await catalogue.getDataset('big')).toBeNull();
    expect(parts()).toEqual([]);
    expect(downloads.list()).toEqual([]);
  });
});

describe('which sources may be fetched', () => {
  it('takes https anywhere and http on loopback only; the browser names collections only', () => {
    expect(checkCollectionUrl('https://example.org/tunes.abc').href).toBe('https://example.org/tunes.abc');
    expect(checkCollectionUrl('http://127.0.0.1:8080/t.abc').hostname).toBe('127.0.0.1');
    expect(checkCollectionUrl('http://localhost/t.abc').hostname).toBe('localhost');
    expect(checkCollectionUrl('http://[::1]:8080/t.abc').hostname).toBe('[::1]');
    // The one transport rule of every download (studio/published.ts transportProblem).
    expect(() => checkCollectionUrl('http://example.org/t.abc')).toThrow(/plain http is not used for downloads/);
    expect(() => checkCollectionUrl('file:///etc/passwd')).toThrow(/a file URL cannot be downloaded/);
    expect(() => checkCollectionUrl('tunes')).toThrow(/neither a tune collection/);
    // A long source is cut in the one-line error; a malformed %-escape in the name is kept as written.
    expect(() => checkCollectionUrl('x'.repeat(100_000))).toThrow(/^'x{100}' is neither/);
    expect(resolveCollection('https://example.org/a%E0%A4%A.abc', true).name).toBe('a%E0%A4%A');
    expect(() => resolveCollection('https://example.org/tunes.abc', false)).toThrow(/the browser may not make the studio fetch other URLs/);
    expect(resolveCollection('IrishMAN', false).files.map((f) => [f.url.split('/').pop(), f.split])).toEqual([['train.json', 'train'], ['validation.json', 'eval']]);
  });
});

describe('bgpt datasets download', () => {
  it('prints the import report as its JSON (the shape of datasets import), one line per book in words', async () => {
    let out = '';
    let err = '';
    const io: Io = { stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
    const cliHome = mkdtempSync(path.join(tmp, 'cli-'));
    const code = await runCli(commands, ['datasets', 'download', `${server.base}/datasets/x/y/resolve/main/demo.abc`, '--name', 'demo', '--home', cliHome, '--json'], io);
    expect(code, err).toBe(0);
    const json = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['dataset', 'imported', 'duplicates', 'skipped', 'byModality', 'books']));
    expect(json.books[0]).toMatchObject({ path: 'demo.abc', tunes: 12 });
    let text = '';
    const plain: Io = { stdout: (t) => void (text += t), stderr: () => {} };
    expect(await runCli(commands, ['datasets', 'download', `${server.base}/datasets/x/y/resolve/main/demo.abc`, '--name', 'demo2', '--home', cliHome], plain)).toBe(0);
    expect(text).toMatch(/demo\.abc: 12 tunes, \d+ imported as \d+ files, \d+ refused, \d+ duplicates/);
    let bad = '';
    expect(await runCli(commands, ['datasets', 'download', 'http://example.org/x.abc', '--home', cliHome], { stdout: () => {}, stderr: (t) => void (bad += t) })).not.toBe(0);
    expect(bad.trim().split('\n')).toHaveLength(1);
  });
});

describe('over the browser transport', () => {
  it('starts a named collection but refuses a URL, before anything is fetched', async () => {
    const { openStudio } = await import('../../../src-main/studio/studio');
    const { InProcessEngineHost } = await import('../../../src-main/engine-host/in-process');
    const s = await openStudio({ home: mkdtempSync(path.join(tmp, 'http-')), engine: new InProcessEngineHost(), transport: 'http', builtIns: false });
    try {
      await expect(Promise.resolve().then(() => s.handlers.downloadDataset({ source: `${server.base}/datasets/x/y/resolve/main/demo.abc` }))).rejects.toThrow(/the browser may not make the studio fetch other URLs/);
      const { downloadId } = await s.handlers.downloadDataset({ source: 'irishman' });
      expect(downloadId).toMatch(/^dd_/);
      for (let i = 0; i < 400 && s.collections.list().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect((await s.datasets.list()).map((d) => d.name)).toContain('IrishMAN');
    } finally {
      await s.close();
    }
  });
});
