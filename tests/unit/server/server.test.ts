// `bgpt serve`'s transport against real studio services on a temporary home: token guard (401),
// the token in the page path (no cookie), Host and Origin checks, static files, path traversal, methods
// refused to the browser, and StudioApi calls over the WebSocket with their error envelopes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import WebSocket from 'ws';
import { ProcessEngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import { createDispatcher } from '../../../src-main/studio/dispatch';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import { startServer, type RunningServer } from '../../../src-main/server/server';
import { decodeWire, encodeWire } from '../../../src-main/shared/wire';
import type { WireReply } from '../../../src-main/shared/contract';
import { tempDir } from '../../helpers/temp';

let tmp: string;
let studio: Studio;
let server: RunningServer;

beforeAll(async () => {
  tmp = tempDir('bgpt-server-');
  const renderer = path.join(tmp, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>bGPT Studio</title>');
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
  studio = await openStudio({ home: path.join(tmp, 'home'), engine: new ProcessEngineHost(() => spawnNodeEngine()), transport: 'http', builtIns: false });
  server = await startServer({ port: 0, rendererDir: renderer, dispatch: createDispatcher(studio.handlers), subscribe: (l) => studio.subscribe(l) });
});

afterAll(async () => {
  await server?.close();
  await studio?.close();
});

const base = () => `http://127.0.0.1:${server.port}`;

/** Sends raw bytes and returns what came back before the server closed the connection. */
function rawRequest(text: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(server.port, '127.0.0.1', () => sock.write(text));
    sock.setTimeout(5000, () => sock.destroy());
    let out = '';
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('close', () => resolve(out));
    sock.on('error', () => resolve(out));
  });
}

describe('HTTP', () => {
  it('prints a URL on 127.0.0.1 carrying the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('answers 401 without the token or with a wrong one', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(401);
    expect((await fetch(`${base()}/?token=${'0'.repeat(48)}`)).status).toBe(401);
    expect((await fetch(`${base()}/assets/app.js`)).status).toBe(401);
  });

  it('moves the page under /s/<token>/ and serves its assets there, without any cookie', async () => {
    const first = await fetch(server.url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`/s/${server.token}/`);
    expect(first.headers.get('set-cookie')).toBeNull();
    const page = await fetch(`${base()}/s/${server.token}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(await page.text()).toContain('bGPT Studio');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    // connect-src names this server's own origin only: no ws:/wss: wildcard.
    const connect = csp.split(';').find((d) => d.trim().startsWith('connect-src'))!;
    expect(connect).not.toMatch(/ ws: | wss: |\*/);
    expect(connect).toContain(`ws://127.0.0.1:${server.port}`);
    const asset = await fetch(`${base()}/s/${server.token}/assets/app.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${base()}/s/${'0'.repeat(48)}/assets/app.js`)).status).toBe(401);
  });

  it('refuses a Host that is not its own address and port (DNS rebinding)', async () => {
    for (const host of ['attacker.example', `attacker.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`, `localhost.attacker.example:${server.port}`]) {
      const r = await rawRequest(`GET /s/${server.token}/ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(r, host).toMatch(/^HTTP\/1\.1 421/);
    }
    const own = await rawRequest(`GET /s/${server.token}/ HTTP/1.1\r\nHost: localhost:${server.port}\r\nConnection: close\r\n\r\n`);
    expect(own).toMatch(/^HTTP\/1\.1 200/);
  });

  it('answers a malformed percent-escape with 400 instead of throwing', async () => {
    expect((await fetch(`${base()}/s/${server.token}/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${base()}/s/${server.token}/%`)).status).toBe(400);
    expect((await fetch(`${base()}/s/${server.token}/`)).status).toBe(200);
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
  it('refuses a socket without the token, from another origin, or with another Host', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/api/ws`)).rejects.toThrow(/401/);
    await expect(connect(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`, { Origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(connect(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`, { Host: 'rebound.example' })).rejects.toThrow(/403/);
    const ws = await connect(`ws://127.0.0.1:${server.port}/s/${server.token}/api/ws`, { Origin: `http://127.0.0.1:${server.port}` });
    ws.close();
  });

  it('refuses every method that names machine paths or native dialogs', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    try {
      const secret = path.join(tmp, 'secret.txt');
      const byPath = await call(ws, 1, 'importPaths', { name: 'stolen', selection: secret });
      expect(byPath).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const oldShape = await call(ws, 2, 'importPaths', { name: 'stolen', paths: [secret] });
      expect(oldShape).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await call(ws, 3, 'showOpenDialog')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await call(ws, 4, 'saveFile', { defaultName: path.join(tmp, 'x'), bytes: new Uint8Array(1) })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await call(ws, 5, 'listDatasets')).toMatchObject({ ok: true, value: [] });
    } finally {
      ws.close();
    }
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
      const bytes = new TextEncoder().encode('X:1\nT:Test\nK:C\nCDEF GABc|\n');
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
