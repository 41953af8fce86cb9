// What a browser page can make `bgpt serve` do (issue 20 items 2, 5, 6, 7), through the real server and
// studio on a temporary home, with real HTTP servers on loopback standing in for the hub and for an
// internal service: a pickle bomb upload fails alone and the server answers afterwards; downloads
// take published names only and follow no redirect off the hub (and no request reaches the internal
// service); uploads are bounded; no machine path reaches the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { ProcessEngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import { createDispatcher } from '../../../src-main/studio/dispatch';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import { startServer, type RunningServer } from '../../../src-main/server/server';
import { decodeWire, encodeWire } from '../../../src-main/shared/wire';
import type { DownloadInfo, WireEvent, WireReply } from '../../../src-main/shared/contract';
import { startModelServer, type ModelServer } from '../../helpers/model-server';
import { pickleBomb } from '../../helpers/pickle-bomb';
import { tempDir } from '../../helpers/temp';

const PTH_FILE = path.join(__dirname, '../../fixtures/parity/tiny-a/model.pth');
let tmp: string;
let studio: Studio;
let server: RunningServer;
let hub: ModelServer;
let internal: http.Server;
let internalHits = 0;
let internalPort = 0;
let ws: WebSocket;
let seq = 0;
const events: WireEvent[] = [];

/** True when `s` holds an absolute path of this machine (the temporary home, or anything under /tmp or the user's home). */
const hasMachinePath = (s: string): boolean => s.includes(tmp) || s.includes(os.homedir() + path.sep) || /(^|[\s'"(])\/(tmp|home|root|Users|var)\//.test(s);

beforeAll(async () => {
  tmp = tempDir('bgpt-hostile-');
  const renderer = path.join(tmp, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>bGPT Studio</title>');
  hub = await startModelServer({ 'weights-text.pth': new Uint8Array(readFileSync(PTH_FILE)) });
  internal = http.createServer((_req, res) => { internalHits++; res.writeHead(200).end('secret'); });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  internalPort = (internal.address() as AddressInfo).port;
  process.env.BGPT_HF_ENDPOINT = hub.base;
  studio = await openStudio({ home: path.join(tmp, 'home'), engine: new ProcessEngineHost(() => spawnNodeEngine()), transport: 'http', builtIns: false });
  server = await startServer({ port: 0, rendererDir: renderer, dispatch: createDispatcher(studio.handlers), subscribe: (l) => studio.subscribe(l) });
  ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  ws.on('message', (d) => {
    const m = decodeWire<WireReply | WireEvent>(d.toString());
    if (m.type === 'event') events.push(m);
  });
});

afterAll(async () => {
  ws?.close();
  await server?.close();
  await studio?.close();
  await hub?.close();
  await new Promise((r) => internal?.close(r));
  delete process.env.BGPT_HF_ENDPOINT;
});

function call(method: string, arg?: unknown): Promise<WireReply> {
  const id = ++seq;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = decodeWire<WireReply>(data.toString());
      if (msg.type === 'reply' && msg.seq === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(encodeWire({ type: 'call', seq: id, method, arg }));
  });
}

const errorOf = (r: WireReply): string => (r.ok ? '' : r.error.message);

/** The outcome of a download started over the socket: its last modelDownload event. */
async function downloadOutcome(downloadId: string): Promise<DownloadInfo> {
  for (let i = 0; i < 200; i++) {
    const done = events.map((e) => e.payload as DownloadInfo).filter((p) => p?.downloadId === downloadId && ['done', 'failed', 'cancelled'].includes(p.state));
    if (done.length) return done[done.length - 1];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the download never ended');
}

describe('bgpt serve against hostile requests', () => {
  it('a pickle bomb upload fails alone, in one line naming only the file, and the server answers afterwards (item 2)', async () => {
    const bomb = pickleBomb(64);
    const begin = await call('beginModelUpload', { fileName: 'bomb.pth', size: bomb.length });
    expect(begin.ok).toBe(true);
    const { uploadId } = (begin as { value: { uploadId: string } }).value;
    expect((await call('uploadModelChunk', { uploadId, offset: 0, bytes: new Uint8Array(bomb) })).ok).toBe(true);
    const t0 = Date.now();
    const finish = await call('finishModelUpload', uploadId);
    expect(errorOf(finish)).toBe('bomb.pth: zip entry archive/data.pkl declares 64 MiB, more than its 32 MiB limit');
    expect(Date.now() - t0).toBeLessThan(30_000);
    const after = await call('listModels');
    expect(after).toMatchObject({ ok: true, value: [] });
  }, 60_000);

  it('downloads only published names: every URL is refused alike, and none is fetched (item 5)', async () => {
    const urls = [
      `http://127.0.0.1:${internalPort}/admin`, 'http://127.0.0.1:9/closed', 'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/router', 'https://example.org/weights.pth', `${hub.base}/sander-wood/bgpt/resolve/main/weights-text.pth`,
    ];
    const answers = new Set<string>();
    for (const source of urls) {
      const r = await call('downloadModel', { source });
      expect(r.ok).toBe(false);
      answers.add(JSON.stringify((r as { error: unknown }).error));
    }
    // One and the same answer whatever the address: the page learns nothing about any host.
    expect([...answers]).toEqual([JSON.stringify({
      message: 'the browser can download only the published models (conversion, cpu, text, image, audio); download other files with the desktop app or `bgpt models download URL`',
      code: 'FORBIDDEN',
    })]);
    expect(internalHits).toBe(0);
  });

  it("follows no redirect from the hub to another host, without saying where it pointed (item 5)", async () => {
    hub.knobs.redirectTo = `http://127.0.0.1:${internalPort}/internal.pth`;
    try {
      const r = await call('downloadModel', { source: 'text' });
      expect(r.ok).toBe(true);
      const outcome = await downloadOutcome((r as { value: { downloadId: string } }).value.downloadId);
      expect(outcome).toMatchObject({ state: 'failed', error: 'refusing a redirect away from the hub and its download hosts' });
      expect(internalHits).toBe(0);
    } finally {
      hub.knobs.redirectTo = undefined;
    }
    // Without the redirect the pinned size refuses the hub's (test) file: published names are pinned here too.
    const again = await call('downloadModel', { source: 'text' });
    const outcome = await downloadOutcome((again as { value: { downloadId: string } }).value.downloadId);
    expect(outcome.error).toMatch(/not the expected 1\.2 GiB \(1324402756 bytes\): not the file asked for/);
  }, 30_000);

  it('takes at most two uploads at once (item 6)', async () => {
    const a = await call('beginModelUpload', { fileName: 'a.pth', size: 1000 });
    const b = await call('beginModelUpload', { fileName: 'b.pth', size: 1000 });
    const c = await call('beginModelUpload', { fileName: 'c.pth', size: 1000 });
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(c).toMatchObject({ ok: false, error: { message: '2 model uploads are already in progress: wait for one to finish', code: 'BUSY' } });
    for (const r of [a, b]) await call('cancelModelUpload', (r as { value: { uploadId: string } }).value.uploadId);
  });

  it('shows no machine path: the home, model sources, error lines and events (item 7)', async () => {
    const info = await call('getInfo');
    const home = (info as { value: { home: string } }).value.home;
    expect(path.isAbsolute(home)).toBe(false);
    expect(home).toBe(path.basename(studio.home));
    // A model the desktop app or the CLI imported by path: the browser sees its file name only.
    await studio.models.importPath(PTH_FILE, { name: 'by-path' });
    const list = (await call('listModels')) as { value: Array<{ name: string; source: string }> };
    expect(list.value.find((m) => m.name === 'by-path')?.source).toBe('model.pth');
    const missing = await call('renameModel', { id: 'mdl_nope', name: 'x' });
    expect(errorOf(missing)).toBe(`no model 'mdl_nope' in ${path.basename(studio.home)}`);
    for (const text of [home, JSON.stringify(list.value), errorOf(missing), JSON.stringify(events)]) expect(hasMachinePath(text)).toBe(false);
    // The desktop app and the CLI keep full paths.
    expect((await studio.models.get('by-path')).source).toBe(PTH_FILE);
  });
});
