// Fuzzes `bgpt serve`'s transport (docs/security.md): hundreds of malformed HTTP requests over raw
// sockets and malformed WebSocket frames and messages, with and without the token, all to 127.0.0.1
// and bounded in count and time. Nothing may throw out of a handler or leave a rejection unhandled,
// and the server must still answer a good request afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
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
const escaped: unknown[] = [];
const onEscape = (err: unknown) => escaped.push(err);

/** Deterministic choices (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  tmp = tempDir('bgpt-fuzz-');
  const renderer = path.join(tmp, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>bGPT Studio</title>');
  studio = await openStudio({ home: path.join(tmp, 'home'), engine: new ProcessEngineHost(() => spawnNodeEngine()), transport: 'http', builtIns: false });
  server = await startServer({ port: 0, rendererDir: renderer, dispatch: createDispatcher(studio.handlers), subscribe: (l) => studio.subscribe(l) });
});

afterAll(async () => {
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  await server?.close();
  await studio?.close();
});

/** Writes raw bytes, collects the answer until the server closes or 3 s pass. */
function raw(data: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let out = '';
    sock.setTimeout(3000, () => sock.destroy());
    sock.on('connect', () => sock.write(data, () => {}));
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => resolve(out));
  });
}

async function stillAnswers(): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${server.port}/s/${server.token}/`);
  expect(r.status).toBe(200);
}

function malformedRequests(n: number): string[] {
  const next = rng(12);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const host = `127.0.0.1:${server.port}`;
  const t = server.token;
  const paths = ['/%E0%A4%A', '/%', '/%%', '/%00', `/s/${t}/%E0%A4%A`, `/s/${t}/%ff%fe`, `/s/${t}/..%2f..%2fetc%2fpasswd`, `/s/${t}/%2e%2e/%2e%2e/`,
    `/?token=${t}&token=%`, `/?token=%E0%A4%A`, '//evil.example/x', 'http://evil.example/', '*', '', `/s/${t}`, `/s//`, `/s/${t}/\u0000`,
    `/s/${t}/${'a'.repeat(9000)}`, `/api/ws?token=${t}`, '/\r\nX-Injected: 1', `/s/${t}/index.html?${'%'.repeat(500)}`];
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'BREW', 'G\u0000T', ''];
  const hosts = [host, `localhost:${server.port}`, 'evil.example', '', '127.0.0.1', `${host}\u0000`, `[::1]:${server.port}`, 'a'.repeat(5000)];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const kind = Math.floor(next() * 8);
    const m = pick(methods);
    const p = pick(paths);
    const h = pick(hosts);
    if (kind === 0) out.push(`${m} ${p} HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`);
    else if (kind === 1) out.push(`${m} ${p}\r\n\r\n`); // no version
    else if (kind === 2) out.push(`GET ${p} HTTP/1.1\r\nHost: ${h}\r\nX-Big: ${'x'.repeat(20_000 + Math.floor(next() * 50_000))}\r\n\r\n`); // huge header
    else if (kind === 3) out.push(`GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(3000)}\r\n`); // too many headers
    else if (kind === 4) out.push(randomBytes(1 + Math.floor(next() * 400)).toString('latin1'));
    else if (kind === 5) out.push(`POST ${p} HTTP/1.1\r\nHost: ${h}\r\nContent-Length: 99999999\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`);
    else if (kind === 6) out.push(`GET /api/ws?token=${pick([t, 'x', ''])} HTTP/1.1\r\nHost: ${h}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: ${pick(['13', '8', 'x'])}\r\nSec-WebSocket-Key: ${pick(['dGhlIHNhbXBsZSBub25jZQ==', '', '%%%'])}\r\n\r\n`);
    else out.push(`GET ${p} HTTP/9.9\r\nHost: ${h}\r\nContent-Length: -1\r\n\r\n`);
  }
  return out;
}

describe('malformed HTTP', () => {
  it('answers or drops 400 malformed requests and keeps serving', async () => {
    const reqs = malformedRequests(400);
    // A few at a time: bounded load on a shared machine.
    for (let i = 0; i < reqs.length; i += 16) {
      const answers = await Promise.all(reqs.slice(i, i + 16).map((r) => raw(r)));
      // Nothing ever serves a file outside the renderer folder.
      for (const a of answers) expect(a).not.toMatch(/root:x:0:0/);
    }
    expect(escaped).toEqual([]);
    await stillAnswers();
  }, 120_000);
});

function connect(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve(-1);
    ws.once('close', (code) => resolve(code));
    ws.on('error', () => {});
  });
}

/** A valid handshake on a raw socket, then arbitrary frame bytes (the ws client would refuse to send them). */
function rawFrames(frames: Buffer): Promise<string> {
  const key = randomBytes(16).toString('base64');
  const hs = `GET /api/ws?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`;
  return raw(Buffer.concat([Buffer.from(hs, 'latin1'), frames]));
}

function frame(opcode: number, payload: Buffer, opts: { fin?: boolean; mask?: boolean; rsv?: number; lengthOverride?: bigint } = {}): Buffer {
  const head: number[] = [((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode];
  const mask = opts.mask ?? true;
  const len = opts.lengthOverride ?? BigInt(payload.length);
  const m = mask ? 0x80 : 0;
  const parts: Buffer[] = [];
  if (len < 126n) head.push(m | Number(len));
  else if (len < 65536n) head.push(m | 126, Number(len >> 8n) & 255, Number(len) & 255);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(len);
    head.push(...b);
  }
  parts.push(Buffer.from(head));
  if (mask) {
    const k = randomBytes(4);
    parts.push(k, Buffer.from(payload.map((x, i) => x ^ k[i % 4])));
  } else parts.push(payload);
  return Buffer.concat(parts);
}

describe('malformed WebSocket traffic', () => {
  it('closes a socket on bad JSON, wrong shapes and binary messages, and answers bad calls in the envelope', async () => {
    const bad: (string | Buffer)[] = ['', '{', 'null', '42', '"call"', '[]', '{"type":"call"}', '{"type":"call","seq":"1"}', '{"type":"reply","seq":1}',
      '{"type":"call","seq":1e400}', '{"type":"call","seq":1,"arg":{"$u8":"%%%"}}', '{"__proto__":{"type":"call"},"seq":1}', Buffer.from([0, 1, 2, 255])];
    for (const msg of bad) {
      const ws = await connect();
      const done = closed(ws);
      const replies: WireReply[] = [];
      ws.on('message', (d) => replies.push(decodeWire<WireReply>(d.toString())));
      ws.send(msg);
      const code = await Promise.race([done, new Promise<number>((r) => setTimeout(() => r(0), 2000))]);
      expect(code === 1003 || replies.some((r) => !r.ok), `message ${String(msg).slice(0, 40)}`).toBe(true);
      ws.terminate();
    }
    // Calls that parse but are wrong get an error reply and keep the socket open.
    const ws = await connect();
    const replies = new Map<number, WireReply>();
    ws.on('message', (d) => {
      const r = decodeWire<WireReply>(d.toString());
      replies.set(r.seq, r);
    });
    const next = rng(7);
    const shapes = [undefined, null, 0, -1, 'x'.repeat(10_000), [], {}, { name: '' }, { files: [{ name: '../../x', bytes: 'nope' }] }, { $u8: 'AAAA' }, { runIds: Array(100).fill('x') }];
    const methods = ['getDataset', 'importFiles', 'readFile', 'generate', 'startRun', 'getMetrics', 'updateSample', 'constructor', '__proto__', 'toString', 'importPaths', 'nope'];
    for (let seq = 1; seq <= 200; seq++) {
      const method = methods[Math.floor(next() * methods.length)];
      const arg = shapes[Math.floor(next() * shapes.length)];
      ws.send(encodeWire({ type: 'call', seq, method, arg }));
    }
    const deadline = Date.now() + 20_000;
    while (replies.size < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(replies.size).toBe(200);
    expect([...replies.values()].every((r) => !r.ok)).toBe(true);
    ws.close();
    expect(escaped).toEqual([]);
    await stillAnswers();
  }, 60_000);

  it('drops sockets that send invalid frames or announce oversized messages', async () => {
    const text = Buffer.from('{"type":"call","seq":1,"method":"getInfo"}');
    const cases: Buffer[] = [
      frame(1, text, { mask: false }), // clients must mask
      frame(3, text), // reserved opcode
      frame(1, text, { rsv: 7 }), // reserved bits without an extension
      frame(9, Buffer.alloc(200)), // control frame over 125 bytes
      frame(8, Buffer.from([0x03])), // close with a one-byte payload
      frame(1, Buffer.from([0xff, 0xfe, 0xc3])), // invalid UTF-8 text
      frame(1, Buffer.alloc(0), { lengthOverride: 1n << 40n }), // 1 TiB announced
      frame(2, Buffer.alloc(0), { lengthOverride: 1n << 63n }),
      frame(0, text), // continuation without a start
      Buffer.concat([frame(1, text, { fin: false }), frame(1, text)]), // new message inside a fragmented one
      randomBytes(300),
    ];
    for (let i = 0; i < 60; i++) {
      const answer = await rawFrames(cases[i % cases.length]);
      expect(answer).toMatch(/^HTTP\/1\.1 101/);
    }
    expect(escaped).toEqual([]);
    await stillAnswers();
    const ws = await connect();
    const reply = await new Promise<WireReply>((resolve) => {
      ws.once('message', (d) => resolve(decodeWire<WireReply>(d.toString())));
      ws.send(encodeWire({ type: 'call', seq: 1, method: 'getInfo' }));
    });
    expect(reply.ok).toBe(true);
    ws.close();
  }, 120_000);
});
