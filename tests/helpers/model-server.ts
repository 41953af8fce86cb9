// A real local HTTP server (node:http on 127.0.0.1) that publishes a file (a checkpoint, a dataset) the
// way Hugging Face does: /<repo>/resolve/main/<file> redirects to a "CDN" path carrying X-Linked-Etag (the LFS
// sha256) and X-Linked-Size; the CDN honours Range/If-Range with a strong ETag. Knobs let tests cut
// the connection mid-body, ignore Range, corrupt the body, publish no hash or redirect somewhere hostile.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServerKnobs {
  /** Cut the connection after this many body bytes, for the next `cuts` responses. */
  cutAfter?: number;
  cuts?: number;
  /** Answer every request with the whole file (200), as a server without Range support does. */
  ignoreRange?: boolean;
  /** Publish this sha256 instead of the true one (the bytes then fail the check). */
  publishSha?: string;
  /** Location of the /resolve/ redirect instead of the CDN path. */
  redirectTo?: string;
  /** Wait this long between body chunks (lets a test cancel mid-body). */
  chunkDelayMs?: number;
  /** Publish no sha256 or size at all (a mirror that sends none: the impostor). */
  noHashHeaders?: boolean;
}

export interface ModelServer {
  base: string;
  knobs: ServerKnobs;
  /** Range headers received by the CDN path, in order ('' when none). */
  ranges: string[];
  close(): Promise<void>;
}

const CHUNK = 16 * 1024;

export async function startModelServer(files: Record<string, Uint8Array>, knobs: ServerKnobs = {}): Promise<ModelServer> {
  const ranges: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // Models (/<owner>/<repo>/resolve/main/<file>) and datasets (/datasets/<owner>/<repo>/…), as Hugging Face lays them out.
    const resolve = /^\/(?:datasets\/)?[^/]+\/[^/]+\/resolve\/main\/([^/]+)$/.exec(url.pathname);
    if (resolve) {
      const body = files[resolve[1]];
      if (!body) { res.writeHead(404).end('Entry not found'); return; }
      const sha = knobs.publishSha ?? createHash('sha256').update(body).digest('hex');
      const published = knobs.noHashHeaders ? {} : { 'x-linked-etag': `"${sha}"`, 'x-linked-size': String(body.length) };
      res.writeHead(302, { location: knobs.redirectTo ?? `/cdn/${resolve[1]}?signed=1`, ...published, etag: '"hub-etag"' });
      res.end();
      return;
    }
    const cdn = /^\/cdn\/([^/]+)$/.exec(url.pathname);
    const body = cdn ? files[cdn[1]] : undefined;
    if (!body) { res.writeHead(404).end(); return; }
    const etag = `"cdn-${createHash('md5').update(body).digest('hex')}"`;
    const range = req.headers.range ?? '';
    ranges.push(range);
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range);
    if (m && !knobs.ignoreRange && req.headers['if-range'] === etag) start = Number(m[1]);
    if (start >= body.length && start > 0) { res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end(); return; }
    const headers: http.OutgoingHttpHeaders = { etag, 'content-length': String(body.length - start), 'accept-ranges': knobs.ignoreRange ? 'none' : 'bytes' };
    if (start > 0) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    const cut = knobs.cuts && knobs.cuts > 0 && knobs.cutAfter !== undefined ? knobs.cutAfter : null;
    if (cut !== null) knobs.cuts! -= 1;
    let sent = 0;
    const slice = body.subarray(start);
    const pump = () => {
      while (sent < slice.length) {
        const end = Math.min(slice.length, sent + CHUNK, cut !== null ? Math.max(cut, sent + 1) : Infinity);
        if (cut !== null && end >= cut) {
          // Cut once these bytes have reached the socket: the client holds exactly `cut` bytes of this body.
          res.write(slice.subarray(sent, end), () => setTimeout(() => res.socket?.destroy(), 50));
          return;
        }
        const ok = res.write(slice.subarray(sent, end));
        sent = end;
        if (knobs.chunkDelayMs) { setTimeout(pump, knobs.chunkDelayMs); return; }
        if (!ok) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    knobs,
    ranges,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
