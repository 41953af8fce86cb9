// `bgpt serve`'s transport against real studio services on a temporary home: token guard (401),
// static files, path traversal, and StudioApi calls over the WebSocket with their error envelopes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { EngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import { createDispatcher } from '../../../src-main/studio/dispatch';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import { startServer, type RunningServer } from '../../../src-main/server/server';
import { decodeWire, encodeWire } from '../../../src-main/shared/wire';
import type { WireReply } from '../../../src-main/shared/contract';

let tmp: string;
let studio: Studio;
let server: RunningServer;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bgpt-server-'));
  const renderer = path.join(tmp, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>bGPT Studio</title>');
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
  studio = await openStudio({ home: path.join(tmp, 'home'), engine: new EngineHost(() => spawnNodeEngine()), transport: 'http', builtIns: false });
  server = await startServer({ port: 0, rendererDir: renderer, dispatch: createDispatcher(studio.handlers), subscribe: (l) => studio.subscribe(l) });
});

afterAll(async () => {
  await server?.close();
  await studio?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${server.port}`;

describe('HTTP', () => {
  it('prints a URL on 127.0.0.1 carrying the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('answers 401 without the token or with a wrong one', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(401);
    expect((await fetch(`${base()}/?token=${'0'.repeat(48)}`)).status).toBe(401);
    expect((await fetch(`${base()}/assets/app.js`)).status).toBe(401);
  });

  it('serves the page with the token and sets a cookie for its assets', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('bGPT Studio');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    const asset = await fetch(`${base()}/assets/app.js`, { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
  });

  it('never serves files outside the renderer folder', async () => {
    const r = await fetch(`${base()}/..%2Fsecret.txt?token=${server.token}`);
    expect(r.status).toBe(404);
  });
});

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, seq: number, method: string, arg?: unknown): Promise<WireReply> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = decodeWire<WireReply>(data.toString());
      if (msg.type === 'reply' && msg.seq === seq) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(encodeWire({ type: 'call', seq, method, arg }));
  });
}

describe('WebSocket API', () => {
  it('refuses a socket without the token, or from another origin', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/api/ws`)).rejects.toThrow(/401/);
    await expect(connect(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`, { Origin: 'http://evil.example' })).rejects.toThrow(/401/);
  });

  it('carries calls and replies in the {ok, value | error} envelope', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    try {
      const info = await call(ws, 1, 'getInfo');
      expect(info.ok).toBe(true);
      expect(info.ok && (info.value as { transport: string }).transport).toBe('http');
      const list = await call(ws, 2, 'listDatasets');
      expect(list).toMatchObject({ ok: true, value: [] });
      const unknown = await call(ws, 3, 'dropTables');
      expect(unknown).toMatchObject({ ok: false, error: { code: 'BAD_METHOD' } });
      const bad = await call(ws, 4, 'getDataset', 42);
      expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      const missing = await call(ws, 5, 'getDataset', 'ds_nope');
      expect(missing.ok).toBe(false);
      expect(!missing.ok && missing.error.message).toMatch(/no dataset/);
    } finally {
      ws.close();
    }
  });

  it('imports uploaded bytes and reads them back unchanged', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    try {
      const bytes = new TextEncoder().encode('X:1\nT:Test\nK:C\nCDEF|GABc|\n');
      const r = await call(ws, 1, 'importFiles', { name: 'uploads', files: [{ name: 'tune.abc', bytes }, { name: 'copy.abc', bytes }] });
      expect(r).toMatchObject({ ok: true, value: { imported: 1, duplicates: 1 } });
      const datasetId = r.ok ? (r.value as { datasetId: string }).datasetId : '';
      const detail = await call(ws, 2, 'getDataset', datasetId);
      const fileId = detail.ok ? (detail.value as { files: { id: string }[] }).files[0].id : '';
      const file = await call(ws, 3, 'readFile', { kind: 'dataset-file', datasetId, fileId });
      expect(file.ok && (file.value as { bytes: Uint8Array }).bytes).toEqual(bytes);
    } finally {
      ws.close();
    }
  });
});
