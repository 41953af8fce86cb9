// Tune collections downloaded into datasets (docs/music.md, "Tune collections"): IrishMAN by name, or any
// URL of an ABC tune book or a zip of them, through the studio's download machinery (studio/download.ts:
// resume, size and published sha256 checked, cancel) and then the import of tune books (datasets/import.ts:
// one tune per file, duplicates, keys, the split by tune; IrishMAN's validation file is the eval split).
// Nothing lands until every file has arrived whole and been read: the dataset appears in one catalogue
// transaction, or not at all. URLs: https only (plain http only on this machine's loopback, for a local
// mirror or a test server); a browser may ask for the named collections only (docs/security.md).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { downloadsDir } from '../catalogue/paths';
import { irishmanEntries, isZip, zipEntries } from '../datasets/collections';
import type { ImportEntry } from '../datasets/import';
import { TUNE_COLLECTIONS, tuneCollection, type CollectionFile } from '../shared/collections';
import type { DatasetDownloadInfo, ImportReport } from '../shared/contract';
import { UserError, errorLine } from '../shared/errors';
import type { DatasetService } from './datasets';
import { discardPartial, download, lockPart, partFileOf, type DownloadProgress } from './download';
import type { StudioEventBus } from './events';
import { hfEndpoint, hubRedirectAllowed, transportProblem } from './published';

/** Largest file of a collection: IrishMAN's train.json is about 80 MB; a zip of books may be bigger. */
export const MAX_COLLECTION_BYTES = 2 * 1024 ** 3;
/** Largest JSON file of a collection read (parsed in memory). */
const MAX_JSON_BYTES = 512 * 1024 ** 2;
const OFFLINE_HINT = 'download the file elsewhere and use `bgpt datasets import`';

/** One file to fetch: where from, how its tunes are stored, the split a collection gives it. */
interface Fetch {
  url: string;
  label: string;
  format: CollectionFile['format'] | 'book-or-zip';
  split?: 'train' | 'eval';
}

interface Plan { files: Fetch[]; name: string; source: string }

/** The URL of a collection file on the Hugging Face endpoint (BGPT_HF_ENDPOINT for mirrors and tests). */
export function collectionUrl(repo: string, file: string): string {
  return `${hfEndpoint()}/datasets/${repo}/resolve/main/${file}`;
}

/** An http(s) URL the studio may fetch a tune book from: https anywhere, http on loopback only. */
export function checkCollectionUrl(spec: string): URL {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UserError(`'${spec.slice(0, 100)}' is neither a tune collection (${TUNE_COLLECTIONS.map((c) => c.name).join(', ')}) nor a URL`, 'BAD_SOURCE');
  }
  // The one transport rule of every download (studio/published.ts).
  const problem = transportProblem(url);
  if (problem) throw new UserError(`cannot download ${url.href.slice(0, 100)}: ${problem}`, 'BAD_URL');
  return url;
}

/** What `spec` names: a collection (its files and splits) or one URL; `allowUrls` false only lets names through. */
export function resolveCollection(spec: string, allowUrls: boolean, name?: string): Plan {
  const c = tuneCollection(spec);
  if (c) {
    return {
      name: name ?? c.datasetName,
      source: `collection:${c.name}`,
      files: c.files.map((f) => ({ url: collectionUrl(c.repo, f.file), label: `${c.title} ${f.file}`, format: f.format, split: f.split })),
    };
  }
  if (!allowUrls) throw new UserError(`'${spec.slice(0, 100)}' is not a tune collection this studio offers (${TUNE_COLLECTIONS.map((x) => x.name).join(', ')}); the browser may not make the studio fetch other URLs`, 'FORBIDDEN');
  const url = checkCollectionUrl(spec.trim());
  const last = url.pathname.split('/').pop() || 'tunes';
  let file: string;
  try {
    file = decodeURIComponent(last);
  } catch {
    file = last; // a malformed %-escape: the name as written
  }
  return { name: name ?? (file.replace(/\.(abc|zip|txt)$/i, '') || 'tunes'), source: url.href, files: [{ url: url.href, label: file, format: 'book-or-zip' }] };
}

/** The import entries of one downloaded file, with what was left out. */
async function entriesOf(f: Fetch, file: string): Promise<{ entries: ImportEntry[]; skipped: { path: string; reason: string }[] }> {
  if (f.format === 'irishman-json') {
    // JSON is parsed whole: IrishMAN's train.json is about 80 MB; past this it is not IrishMAN.
    if ((await fs.stat(file)).size > MAX_JSON_BYTES) throw new UserError(`${f.label} is larger than ${MAX_JSON_BYTES / 1024 ** 2} MiB: not IrishMAN's JSON`, 'TOO_LARGE');
    const { entries, refused } = irishmanEntries(new Uint8Array(await fs.readFile(file)), f.split ?? 'train', f.label);
    return { entries, skipped: refused ? [{ path: f.label, reason: `${refused} record${refused === 1 ? '' : 's'} without ABC text` }] : [] };
  }
  if (await isZip(file)) return zipEntries(file, f.label);
  const name = /\.abc$/i.test(f.label) ? f.label : `${f.label.replace(/\.[^.]*$/, '') || 'tunes'}.abc`;
  return { entries: [{ relPath: name, displayPath: f.label, bytes: new Uint8Array(await fs.readFile(file)) }], skipped: [] };
}

export interface CollectionOptions {
  name?: string;
  keys?: number;
  /** May `spec` be a URL (CLI, desktop), or only a collection's name (the browser)? */
  allowUrls: boolean;
  signal?: AbortSignal;
  onProgress?(p: DownloadProgress & { file: string }): void;
  onNote?(line: string): void;
}

interface Active { info: DatasetDownloadInfo; abort: AbortController; parts: string[] }

export class DatasetDownloads {
  private active = new Map<string, Active>();

  constructor(
    private readonly home: string,
    private readonly datasets: DatasetService,
    private readonly bus: StudioEventBus | null = null,
  ) {}

  /**
   * Downloads a collection or a URL and lands it as a dataset (the CLI's way: it waits). A cut
   * connection resumes; cancelling keeps the partial files for the next run to resume.
   */
  async download(spec: string, opts: CollectionOptions): Promise<ImportReport> {
    const plan = resolveCollection(spec, opts.allowUrls, opts.name);
    await fs.mkdir(downloadsDir(this.home), { recursive: true, mode: 0o700 });
    const got: Array<{ f: Fetch; file: string; part: string }> = [];
    const unlocks: Array<() => Promise<void>> = [];
    try {
      let before = 0;
      for (const f of plan.files) {
        const part = partFileOf(this.home, f.url);
        unlocks.push(await lockPart(part, f.url));
        opts.onNote?.(`downloading ${f.label}`);
        const r = await download({
          url: f.url, partFile: part, signal: opts.signal, maxBytes: MAX_COLLECTION_BYTES, offlineHint: OFFLINE_HINT,
          // The browser names collections only, all on the hub: its redirects stay on the hub's hosts (as models').
          redirectAllowed: opts.allowUrls ? undefined : (next) => hubRedirectAllowed(next),
          onProgress: (p) => opts.onProgress?.({ ...p, bytes: before + p.bytes, total: p.total === null ? null : before + p.total, file: f.label }),
        });
        before += r.size;
        got.push({ f, file: r.file, part });
      }
      const entries: ImportEntry[] = [];
      const skipped: { path: string; reason: string }[] = [];
      try {
        for (const g of got) {
          opts.onNote?.(`reading ${g.f.label}`);
          const e = await entriesOf(g.f, g.file);
          // Loops, not push(...): IrishMAN's train file is 214,122 records, past what one call's arguments hold.
          for (const x of e.entries) entries.push(x);
          for (const x of e.skipped) skipped.push(x);
        }
      } catch (err) {
        // Not a tune collection: keeping the bytes would only make the next run "resume" them.
        for (const g of got) await discardPartial(g.part);
        throw err;
      }
      if (entries.length === 0) {
        for (const g of got) await discardPartial(g.part);
        throw new UserError(`${plan.source} holds no ABC tunes${skipped.length ? ` (${skipped.length} entries left out: ${skipped[0].reason})` : ''}`, 'EMPTY_IMPORT');
      }
      opts.onNote?.(`importing ${entries.length} file${entries.length === 1 ? '' : 's'} as '${plan.name}'`);
      const report = await this.datasets.importEntries(plan.name, entries, plan.source, { keys: opts.keys, signal: opts.signal });
      report.skipped = [...skipped, ...report.skipped];
      for (const g of got) await discardPartial(g.part);
      return report;
    } finally {
      for (const u of unlocks) await u();
    }
  }

  /** Starts a download in the background (the UI's way); progress and the outcome arrive as datasetDownload events. */
  start(req: { source: string; name?: string; keys?: number }, allowUrls: boolean): { downloadId: string } {
    const plan = resolveCollection(req.source, allowUrls, req.name);
    for (const d of this.active.values()) if (d.info.source === req.source) throw new UserError(`${req.source} is already downloading`, 'BUSY');
    const downloadId = `dd_${randomBytes(6).toString('hex')}`;
    const active: Active = {
      abort: new AbortController(),
      parts: plan.files.map((f) => partFileOf(this.home, f.url)),
      info: { downloadId, source: req.source, name: plan.name, state: 'downloading', file: null, bytes: 0, total: null, bytesPerSecond: 0, etaSeconds: null, error: null, report: null },
    };
    this.active.set(downloadId, active);
    const emit = () => this.bus?.emit('datasetDownload', { ...active.info });
    emit();
    void this.download(req.source, {
      name: req.name, keys: req.keys, allowUrls, signal: active.abort.signal,
      onProgress: (p) => {
        Object.assign(active.info, { bytes: p.bytes, total: p.total, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds, file: p.file });
        emit();
      },
      onNote: (line) => {
        if (line.startsWith('reading') || line.startsWith('importing')) {
          active.info.state = 'importing';
          emit();
        }
      },
    }).then(
      (report) => { Object.assign(active.info, { state: 'done', report, etaSeconds: 0 }); },
      (err: unknown) => { Object.assign(active.info, { state: active.abort.signal.aborted ? 'cancelled' : 'failed', error: errorLine(err) }); },
    ).finally(() => { emit(); this.active.delete(downloadId); });
    return { downloadId };
  }

  /** Cancels a download; from the UI its partial files go too (the user chose to stop). */
  async cancel(downloadId: string): Promise<void> {
    const d = this.active.get(downloadId);
    if (!d) return;
    d.abort.abort();
    await new Promise((r) => setTimeout(r, 50));
    for (const p of d.parts) await discardPartial(p);
  }

  list(): DatasetDownloadInfo[] {
    return [...this.active.values()].map((d) => ({ ...d.info }));
  }

  stopAll(): void {
    for (const d of this.active.values()) d.abort.abort();
  }
}
