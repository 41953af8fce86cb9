// `bgpt serve`: the studio over HTTP + WebSocket on 127.0.0.1 only, guarded by a random token
// (docs/cli.md). Serves the built renderer and carries StudioApi calls and events over one WebSocket.
// Threat model and the reason for each guard: docs/security.md.
import http from 'node:http';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { BROWSER_FORBIDDEN_METHODS, type EventName, type WireEvent, type WireReply, type WireRequest } from '../shared/contract';
import { decodeWire, encodeWire, MAX_WIRE_MESSAGE_BYTES } from '../shared/wire';
import { UserError } from '../shared/errors';
import type { Dispatch } from '../studio/dispatch';
import { authorize, isOwnHost, isOwnOrigin, parseTarget, safeDecode, SESSION_PREFIX } from './guards';

/** Calls one socket may have in flight; more are answered BUSY rather than queued without bound. */
const MAX_IN_FLIGHT = 256;
const FORBIDDEN = new Set<string>(BROWSER_FORBIDDEN_METHODS);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.wasm': 'application/wasm', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.wav': 'audio/wav', '.woff2': 'font/woff2',
  '.sf2': 'application/octet-stream', '.txt': 'text/plain; charset=utf-8',
};

/** The page may connect only to this server's own origin (and read data:/blob: URLs it made itself). */
export function serverCsp(port: number): string {
  const self = `http://127.0.0.1:${port} ws://127.0.0.1:${port} http://localhost:${port} ws://localhost:${port}`;
  return `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' data: blob:; connect-src 'self' ${self} data: blob:; font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

export interface ServeOptions {
  port: number;
  rendererDir: string;
  dispatch: Dispatch;
  /** Subscribe to studio events; returns an unsubscribe function. */
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  token?: string;
  log?(line: string): void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function plain(res: http.ServerResponse, status: number, text: string, extra: http.OutgoingHttpHeaders = {}): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...extra });
  res.end(text + '\n');
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const root = path.resolve(opts.rendererDir);
  const log = opts.log ?? (() => {});
  let port = opts.port;

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, rest: string): Promise<void> {
    let rel = safeDecode(rest);
    if (rel === null) return plain(res, 400, 'bad request path');
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep)) return plain(res, 404, 'not found');
    let body: Buffer;
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) return plain(res, 404, 'not found');
      body = await fs.readFile(file);
    } catch {
      return plain(res, 404, 'not found');
    }
    if (res.destroyed) return;
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': serverCsp(port),
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
      'Cache-Control': rel === '/index.html' ? 'no-store' : 'private, max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // DNS rebinding: a page on attacker.example that re-resolves to 127.0.0.1 still sends its own Host.
    if (!isOwnHost(req.headers.host, port)) return plain(res, 421, 'wrong Host: open the studio at the address bgpt serve printed');
    const target = parseTarget(req.url);
    if (!target) return plain(res, 400, 'bad request target');
    const auth = authorize(target.pathname, target.query, token);
    if (!auth) return plain(res, 401, '401: open the studio with the URL that bgpt serve printed (it carries the token)');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    // The printed `/?token=T` moves the page under `/s/T/`: its relative asset URLs then carry the
    // token in their path, so no cookie (shared by every port of the host) is ever set.
    if (auth.via === 'query' && (auth.rest === '/' || auth.rest === '/index.html')) {
      return plain(res, 302, 'moved', { Location: `${SESSION_PREFIX}${token}/`, 'Referrer-Policy': 'no-referrer' });
    }
    await serveStatic(req, res, auth.rest);
  }

  const server = http.createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 15_000 }, (req, res) => {
    res.on('error', () => {});
    handle(req, res).catch((err) => {
      log(`request failed: ${(err as Error)?.message ?? err}`);
      try { plain(res, 500, 'internal error'); } catch { res.destroy(); }
    });
  });
  // A malformed request line or header: answer 400 if the socket can still take it, then drop it.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (socket.writable && err.code !== 'ECONNRESET') {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_MESSAGE_BYTES });
  wss.on('error', (err) => log(`websocket server error: ${err.message}`));
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const refuse = (status: string) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    try {
      const target = parseTarget(req.url);
      const auth = target ? authorize(target.pathname, target.query, token) : null;
      // A page on another origin must not drive the studio even if it learned the port.
      if (!isOwnHost(req.headers.host, port) || !isOwnOrigin(req.headers.origin, port)) return refuse('403 Forbidden');
      if (!auth || auth.rest !== '/api/ws') return refuse('401 Unauthorized');
      wss.handleUpgrade(req, socket, head, (ws) => {
        clients.add(ws);
        let inFlight = 0;
        ws.on('error', () => ws.terminate()); // bad frames, oversize messages: drop this socket only
        ws.on('close', () => clients.delete(ws));
        ws.on('message', (data: RawData, isBinary: boolean) => {
          if (isBinary) return ws.close(1003, 'text messages only');
          const req = decodeCall(data);
          if (!req) return ws.close(1003, 'malformed message');
          if (inFlight >= MAX_IN_FLIGHT) return safeSend(ws, { type: 'reply', seq: req.seq, ok: false, error: { message: 'too many calls in flight: try again', code: 'BUSY' } });
          inFlight++;
          onCall(ws, req)
            .catch((err) => log(`call failed: ${(err as Error)?.message ?? err}`))
            .finally(() => inFlight--);
        });
      });
    } catch (err) {
      log(`upgrade failed: ${(err as Error)?.message ?? err}`);
      refuse('400 Bad Request');
    }
  });

  function safeSend(ws: WebSocket, msg: WireReply | WireEvent): void {
    if (ws.readyState !== ws.OPEN) return;
    try {
      ws.send(encodeWire(msg), (err) => err && ws.terminate());
    } catch (err) {
      log(`could not send: ${(err as Error)?.message ?? err}`);
    }
  }

  /** A well-formed call, or null for anything else (bad UTF-8/JSON, wrong shape, bad base64). */
  function decodeCall(data: RawData): WireRequest | null {
    try {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const req = decodeWire<WireRequest>(buf.toString('utf8'));
      if (typeof req !== 'object' || req === null || req.type !== 'call' || !Number.isSafeInteger(req.seq)) return null;
      return req;
    } catch {
      return null;
    }
  }

  async function onCall(ws: WebSocket, req: WireRequest): Promise<void> {
    // Methods that name machine paths exist only in the desktop app and the CLI (docs/security.md).
    if (typeof req.method === 'string' && FORBIDDEN.has(req.method)) {
      safeSend(ws, { type: 'reply', seq: req.seq, ok: false, error: { message: `'${req.method}' is not available in the browser: upload files instead`, code: 'FORBIDDEN' } });
      return;
    }
    const outcome = await opts.dispatch(req.method, req.arg);
    safeSend(ws, { type: 'reply', seq: req.seq, ...outcome } as WireReply);
  }

  const unsubscribe = opts.subscribe((event, payload) => {
    let text: string;
    try {
      text = encodeWire({ type: 'event', event, payload } satisfies WireEvent);
    } catch {
      return;
    }
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text, (err) => err && ws.terminate());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new UserError(`port ${opts.port} is already in use: pick another with --port`, 'EADDRINUSE') : err);
    });
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  port = (server.address() as { port: number }).port;
  log(`serving ${root}`);

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.close(1001, 'server stopping');
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
