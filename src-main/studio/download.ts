// Resumable HTTP(S) download of a large file into `<file>.part` (docs/models.md): progress with rate and
// ETA, cancel by AbortSignal, resume with Range + If-Range (RFC 9110 §14.2, §13.1.5), redirects
// followed with care (Hugging Face answers /resolve/ with a redirect to its CDN), and the size and
// sha256 the server publishes checked. The caller parses the result and renames it into place.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError, errorLine } from '../shared/errors';
import { downloadsDir } from '../catalogue/paths';
import { isProcessAlive } from '../catalogue/reconcile';
import { transportProblem } from './published';

/** Redirect hops allowed: Hugging Face uses one or two (resolve → CDN); more suggests a loop. */
const MAX_REDIRECTS = 5;
/** Automatic resumes after a cut connection before giving up (the user can run again to resume). */
const DEFAULT_RETRIES = 3;
/** A socket silent this long is treated as cut (and resumed). */
const IDLE_TIMEOUT_MS = 30_000;
/** The published bGPT weights are ~440 MB; anything past this is not a bGPT checkpoint we want. */
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
/** Progress events at most this often (a 100 MB/s link would otherwise emit thousands a second). */
const PROGRESS_INTERVAL_MS = 200;
/** The rate is measured over this recent window, so the ETA follows the link's current speed. */
const RATE_WINDOW_MS = 5_000;
/** Codes that mean the host could not be reached at all (no DNS, no route, refused, timed out). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENETDOWN', 'EHOSTDOWN']);

export interface DownloadProgress {
  bytes: number;
  /** Total size when the server said (Content-Length / Content-Range), else null. */
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  /** Bytes already on disk from an earlier attempt when this one started. */
  resumedFrom: number;
}

export interface DownloadOptions {
  url: string;
  /** Where the bytes accumulate; `<partFile>.json` beside it keeps what a resume needs. */
  partFile: string;
  signal?: AbortSignal;
  onProgress?(p: DownloadProgress): void;
  /** Said in the one-line error when nothing answers (e.g. "download the file elsewhere …"). */
  offlineHint?: string;
  retries?: number;
  maxBytes?: number;
  idleTimeoutMs?: number;
  /**
   * The exact size the file must have (a pinned published file, docs/security.md): a server that
   * announces another size is refused before its body is read, and no more bytes are taken.
   */
  expectedSize?: number | null;
  /** The sha256 the file must have (pinned, or the user's --sha256); the server's own is only compared to it. */
  expectedSha256?: string | null;
  /** Refuse a file when neither expectedSha256 nor the server gives a sha256 to check it against. */
  requireSha256?: boolean;
  /** Said in the refusal of a file nobody publishes a sha256 for (how to proceed). */
  noHashHint?: string;
  /** Whether a redirect to this URL may be followed, beyond the scheme rules (the browser's downloads: the hub's hosts only). */
  redirectAllowed?(next: URL): boolean;
}

export interface DownloadResult {
  /** The complete file (still the .part name: the caller verifies it and moves it into place). */
  file: string;
  size: number;
  sha256: string;
  /** The sha256 the server published (X-Linked-Etag / ETag of a Hugging Face LFS file), if any. */
  publishedSha256: string | null;
  finalUrl: string;
  /** Bytes reused from an earlier, interrupted download. */
  resumedFrom: number;
}

/** What a resume needs to know about the bytes in the .part file. */
interface PartMeta {
  url: string;
  /** A strong ETag or a Last-Modified date, sent as If-Range. */
  validator: string | null;
  total: number | null;
  publishedSha256: string | null;
}

/** The response that carries the body, with what the redirect chain told us on the way. */
interface Reached {
  res: IncomingMessage;
  finalUrl: string;
  publishedSha256: string | null;
  publishedSize: number | null;
}

const metaFile = (part: string) => `${part}.json`;

/** The first 64-hex-digit value of a header (Hugging Face quotes the LFS sha256 as an ETag). */
export function sha256FromHeader(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  const m = /^\s*(?:W\/)?"?([0-9a-f]{64})"?\s*$/i.exec(text ?? '');
  return m ? m[1].toLowerCase() : null;
}

function headerNumber(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d+$/.test(text.trim())) return null;
  return Number(text);
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export { humanBytes };

async function readMeta(part: string): Promise<PartMeta | null> {
  try {
    return JSON.parse(await fs.readFile(metaFile(part), 'utf8')) as PartMeta;
  } catch {
    return null;
  }
}

async function sizeOf(file: string): Promise<number> {
  return (await fs.stat(file).catch(() => null))?.size ?? 0;
}

/** Forgets a partial download (its bytes and its resume record). */
export async function discardPartial(part: string): Promise<void> {
  await fs.rm(part, { force: true });
  await fs.rm(metaFile(part), { force: true });
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function abortError(): UserError {
  return new UserError('download cancelled', 'CANCELLED');
}

/** Opens one request and waits for its response headers. */
function request(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined, idleMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.get(url, { headers: { 'user-agent': 'bgpt-studio', 'accept-encoding': 'identity', ...headers }, signal });
    req.setTimeout(idleMs, () => req.destroy(Object.assign(new Error(`no answer for ${idleMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.once('response', (res) => {
      // The body is read only after a few awaits (disk checks, resume record): a cut in between must
      // not become an unhandled 'error'; receive() sees it as res.destroyed.
      res.on('error', () => {});
      resolve(res);
    });
    req.once('error', (err) => reject(signal?.aborted ? abortError() : err));
  });
}

/**
 * Follows redirects from `url` to the response with the body. Only http and https are followed, an
 * https page may not send us to plain http, and at most MAX_REDIRECTS hops are taken.
 */
async function reach(url: string, headers: Record<string, string>, opts: DownloadOptions): Promise<Reached> {
  let current = new URL(url);
  let publishedSha256: string | null = null;
  let publishedSize: number | null = null;
  for (let hop = 0; ; hop++) {
    let res: IncomingMessage;
    try {
      res = await request(current, headers, opts.signal, opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code && UNREACHABLE.has(code)) {
        throw new UserError(`cannot reach ${current.host}: ${code}${opts.offlineHint ? `; ${opts.offlineHint}` : ''}`, 'OFFLINE');
      }
      throw err;
    }
    // Hugging Face puts the LFS file's sha256 and size on the redirect; the CDN's own ETag is not it.
    publishedSha256 ??= sha256FromHeader(res.headers['x-linked-etag']);
    publishedSize ??= headerNumber(res.headers['x-linked-size']);
    const status = res.statusCode ?? 0;
    if (![301, 302, 303, 307, 308].includes(status)) {
      publishedSha256 ??= sha256FromHeader(res.headers.etag);
      return { res, finalUrl: current.href, publishedSha256, publishedSize };
    }
    res.resume();
    const location = res.headers.location;
    if (!location) throw new UserError(`${current.host} answered ${status} without a Location to follow`, 'BAD_REDIRECT');
    if (hop + 1 > MAX_REDIRECTS) throw new UserError(`too many redirects (more than ${MAX_REDIRECTS}) from ${url}`, 'BAD_REDIRECT');
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new UserError(`${current.host} answered ${status} with a Location that is not a URL`, 'BAD_REDIRECT');
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new UserError(`refusing a redirect to a ${next.protocol.replace(':', '')} URL`, 'BAD_REDIRECT');
    }
    if (current.protocol === 'https:' && next.protocol === 'http:') {
      throw new UserError('refusing a redirect from https to plain http', 'BAD_REDIRECT');
    }
    if (transportProblem(next)) throw new UserError('refusing a redirect to plain http on another machine', 'BAD_REDIRECT');
    // The target is not named: over `bgpt serve` that would tell a page which internal hosts exist.
    if (opts.redirectAllowed && !opts.redirectAllowed(next)) throw new UserError('refusing a redirect away from the hub and its download hosts', 'BAD_REDIRECT');
    current = next;
  }
}

/** Measures the rate over a recent window and throttles progress callbacks. */
class Meter {
  private samples: Array<[number, number]> = [];
  private lastEmit = 0;
  constructor(private readonly resumedFrom: number, private readonly onProgress?: (p: DownloadProgress) => void) {}

  update(bytes: number, total: number | null, force = false): void {
    const now = Date.now();
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0][0] > RATE_WINDOW_MS) this.samples.shift();
    if (!this.onProgress || (!force && now - this.lastEmit < PROGRESS_INTERVAL_MS)) return;
    this.lastEmit = now;
    const [t0, b0] = this.samples[0];
    const rate = now > t0 ? ((bytes - b0) * 1000) / (now - t0) : 0;
    const eta = total !== null && rate > 0 ? Math.max(0, (total - bytes) / rate) : null;
    this.onProgress({ bytes, total, bytesPerSecond: rate, etaSeconds: eta, resumedFrom: this.resumedFrom });
  }
}

type Attempt = { done: true; result: DownloadResult } | { done: false; reason: string };

/** One request: resumes the .part file when it can, appends the body, reports whether it is complete. */
async function attempt(opts: DownloadOptions, meter: () => Meter, state: { resumedFrom: number | null }): Promise<Attempt> {
  const { url, partFile } = opts;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let meta = await readMeta(partFile);
  let have = await sizeOf(partFile);
  // Bytes without a record of where they came from cannot be resumed safely.
  if (have > 0 && (!meta || meta.url !== url || !meta.validator)) {
    await discardPartial(partFile);
    have = 0;
    meta = null;
  }
  const headers: Record<string, string> = {};
  if (have > 0 && meta?.validator) {
    headers.range = `bytes=${have}-`;
    headers['if-range'] = meta.validator;
  }
  const { res, finalUrl, publishedSha256, publishedSize } = await reach(url, headers, opts);
  const status = res.statusCode ?? 0;
  let start: number;
  let total: number | null;
  if (status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
    if (!m || Number(m[1]) !== have) {
      // A range we did not ask for: start over rather than splice mismatched bytes.
      res.resume();
      await discardPartial(partFile);
      return { done: false, reason: 'the server answered a different range' };
    }
    start = have;
    total = m[3] === '*' ? null : Number(m[3]);
  } else if (status === 200) {
    // Range ignored, or If-Range says the file changed: the body is the whole file.
    start = 0;
    const length = headerNumber(res.headers['content-length']);
    total = length;
  } else if (status === 416) {
    res.resume();
    await discardPartial(partFile);
    return { done: false, reason: 'the partial download no longer matches the file' };
  } else {
    res.resume();
    const what = status === 404 ? 'no such file' : status === 401 || status === 403 ? 'access denied' : `HTTP ${status}`;
    throw new UserError(`${new URL(finalUrl).host} answered ${what} for ${url}`, status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR');
  }
  if (total === null && publishedSize !== null) total = publishedSize;
  const wantSize = opts.expectedSize ?? null;
  const wantSha = opts.expectedSha256?.toLowerCase() ?? null;
  const announced = total;
  if (wantSize !== null && announced !== null && announced !== wantSize) {
    res.resume();
    await discardPartial(partFile);
    throw new UserError(`${url} is ${humanBytes(announced)} (${announced} bytes), not the expected ${humanBytes(wantSize)} (${wantSize} bytes): not the file asked for; refused, nothing kept`, 'NOT_EXPECTED_FILE');
  }
  if (wantSha !== null && publishedSha256 !== null && publishedSha256 !== wantSha) {
    res.resume();
    await discardPartial(partFile);
    throw new UserError(`${url} is published with sha256 ${publishedSha256.slice(0, 12)}…, not the expected ${wantSha.slice(0, 12)}…: not the file asked for; refused, nothing kept`, 'NOT_EXPECTED_FILE');
  }
  if (opts.requireSha256 && wantSha === null && publishedSha256 === null && !meta?.publishedSha256) {
    res.resume();
    await discardPartial(partFile);
    throw new UserError(`${url}: no sha256 to check it against (the server publishes none and none was given): refused${opts.noHashHint ? `; ${opts.noHashHint}` : ''}`, 'NO_SHA256');
  }
  if (total === null && wantSize !== null) total = wantSize;
  if (total !== null && total > maxBytes) {
    res.resume();
    throw new UserError(`${url} is ${humanBytes(total)}, more than the ${humanBytes(maxBytes)} a bGPT checkpoint may be`, 'TOO_LARGE');
  }
  if (total !== null) await checkDiskSpace(partFile, total - start);
  const etag = typeof res.headers.etag === 'string' && !res.headers.etag.startsWith('W/') ? res.headers.etag : null;
  const lastModified = typeof res.headers['last-modified'] === 'string' ? res.headers['last-modified'] : null;
  const newMeta: PartMeta = { url, validator: etag ?? lastModified, total, publishedSha256 };
  await fs.mkdir(path.dirname(partFile), { recursive: true });
  if (start === 0) await fs.rm(partFile, { force: true });
  await fs.writeFile(metaFile(partFile), JSON.stringify(newMeta), { mode: 0o600 });
  state.resumedFrom ??= start;
  const m = meter();
  let bytes = start;
  const out = createWriteStream(partFile, { flags: start === 0 ? 'w' : 'a', mode: 0o600 });
  const ended = await receive(res, out, opts.signal, (chunk) => {
    bytes += chunk.length;
    if (bytes > maxBytes || (total !== null && bytes > total)) return new UserError(`${url} sent more bytes than it announced`, 'TOO_LARGE');
    m.update(bytes, total);
    return null;
  });
  if (ended) {
    if (opts.signal?.aborted) throw abortError();
    if ((ended as UserError).code === 'TOO_LARGE') {
      await discardPartial(partFile);
      throw ended;
    }
    return { done: false, reason: errorLine(ended) };
  }
  m.update(bytes, total, true);
  if (total !== null && bytes < total) return { done: false, reason: `the connection closed after ${humanBytes(bytes)} of ${humanBytes(total)}` };
  const size = await sizeOf(partFile);
  if (total !== null && size !== total) {
    await discardPartial(partFile);
    throw new UserError(`download of ${url} is ${size} bytes, the server announced ${total}; removed it, run again`, 'CORRUPT');
  }
  const sha256 = await sha256Of(partFile);
  if (wantSize !== null && size !== wantSize) {
    await discardPartial(partFile);
    throw new UserError(`download of ${url} is ${size} bytes, not the expected ${wantSize}: not the file asked for; removed it`, 'NOT_EXPECTED_FILE');
  }
  if (wantSha !== null && wantSha !== sha256) {
    await discardPartial(partFile);
    throw new UserError(`download of ${url} has sha256 ${sha256.slice(0, 12)}…, not the expected ${wantSha.slice(0, 12)}…: not the file asked for (or corrupt); removed it`, 'NOT_EXPECTED_FILE');
  }
  const expected = publishedSha256 ?? meta?.publishedSha256 ?? null;
  if (expected && expected !== sha256) {
    await discardPartial(partFile);
    throw new UserError(`download of ${url} is corrupt: sha256 ${sha256.slice(0, 12)}…, published ${expected.slice(0, 12)}…; removed it, run again`, 'CORRUPT');
  }
  return { done: true, result: { file: partFile, size, sha256, publishedSha256: wantSha ?? expected, finalUrl, resumedFrom: state.resumedFrom ?? 0 } };
}

/**
 * Appends the body to `out` until it ends, is cut, or is cancelled, and in every case flushes what
 * arrived before resolving (a pipeline would drop bytes still buffered when the socket dies, and a
 * resume would fetch them again). Resolves null when the body ended normally, else why it stopped.
 */
function receive(res: IncomingMessage, out: WriteStream, signal: AbortSignal | undefined,
  onChunk: (chunk: Buffer) => Error | null): Promise<Error | null> {
  return new Promise((resolve, reject) => {
    if (res.destroyed || res.readableAborted) {
      out.end(() => resolve(signal?.aborted ? abortError() : new Error('the connection closed early')));
      return;
    }
    let stopped = false;
    const stop = (why: Error | null) => {
      if (stopped) return;
      stopped = true;
      signal?.removeEventListener('abort', onAbort);
      if (why) res.destroy();
      out.end(() => resolve(why));
    };
    const onAbort = () => stop(abortError());
    signal?.addEventListener('abort', onAbort, { once: true });
    out.once('error', (err: Error) => { stopped = true; res.destroy(); reject(err); });
    res.on('data', (chunk: Buffer) => {
      if (stopped) return;
      const bad = onChunk(chunk);
      if (bad) return stop(bad);
      // Not paused for backpressure: a paused response that is then cut loses the bytes it buffered,
      // and a local disk outruns any network link, so the write queue stays short.
      out.write(chunk);
    });
    res.once('end', () => stop(res.complete ? null : new Error('the connection closed early')));
    res.once('error', (err) => stop(err));
    res.once('close', () => stop(res.complete ? null : new Error('the connection closed early')));
    if (signal?.aborted) onAbort();
  });
}

async function checkDiskSpace(file: string, need: number): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const st = await fs.statfs(dir).catch(() => null);
  if (!st) return;
  const free = st.bavail * st.bsize;
  if (free < need) throw new UserError(`not enough disk space in ${dir}: the download needs ${humanBytes(need)}, ${humanBytes(free)} free`, 'NO_SPACE');
}

/**
 * Downloads `url` into `partFile`, resuming what an earlier attempt left there and retrying a cut
 * connection a few times. Cancelling (the signal) keeps the partial file for a later resume. Throws
 * one-line UserErrors: offline ('OFFLINE'), HTTP errors, a refused redirect, corrupt bytes ('CORRUPT',
 * partial removed), or 'INTERRUPTED' when retries ran out (partial kept: run again to resume).
 */
export async function download(opts: DownloadOptions): Promise<DownloadResult> {
  const url = new URL(opts.url);
  const problem = transportProblem(url);
  if (problem) throw new UserError(`cannot download ${url.href.slice(0, 200)}: ${problem}`, 'BAD_URL');
  const retries = opts.retries ?? DEFAULT_RETRIES;
  const state: { resumedFrom: number | null } = { resumedFrom: null };
  let meter: Meter | null = null;
  const getMeter = () => (meter ??= new Meter(state.resumedFrom ?? 0, opts.onProgress));
  let last = '';
  for (let i = 0; i <= retries; i++) {
    if (i > 0) await sleep(Math.min(4_000, 250 * 2 ** (i - 1)), opts.signal);
    let outcome: Attempt;
    try {
      outcome = await attempt(opts, getMeter, state);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A reset before the headers, once we reached the host before, is worth another try.
      if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') { last = errorLine(err); continue; }
      throw err;
    }
    if (outcome.done) return outcome.result;
    last = outcome.reason;
  }
  const have = await sizeOf(opts.partFile);
  throw new UserError(`download of ${opts.url} interrupted after ${humanBytes(have)} (${last}); run the same command again to resume`, 'INTERRUPTED');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(abortError()); }, { once: true });
  });
}

/** Where the bytes of a download from `url` accumulate (one file per URL, so a rerun resumes it). */
export function partFileOf(home: string, url: string): string {
  return path.join(downloadsDir(home), `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.part`);
}

/**
 * Takes `<part>.lock` (exclusive create) so two processes (the CLI and a running studio) never write
 * the same partial file; a lock whose process is gone is taken over.
 */
export async function lockPart(part: string, url: string): Promise<() => Promise<void>> {
  const lock = `${part}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => fs.rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(await fs.readFile(lock, 'utf8').catch(() => ''));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) {
        throw new UserError(`${url} is already being downloaded by process ${pid}`, 'BUSY');
      }
      if (pid === process.pid) throw new UserError(`${url} is already downloading`, 'BUSY');
      await fs.rm(lock, { force: true });
    }
  }
  throw new UserError(`could not lock ${part}`, 'BUSY');
}
