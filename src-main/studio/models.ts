// Models: published and imported PyTorch checkpoints as first-class catalogue entries (docs/models.md–4).
// Import (a path, or a browser upload in chunks), download of the published bGPT weights (resumable,
// verified, landed atomically), rename, delete. A model's file is kept as imported — the engine reads
// .pth directly, so a 440 MB checkpoint costs 440 MB once, not twice — in `<home>/models/<id>/`,
// readable by the owner only. A LoRA adapter (a PEFT folder or a zip of one) imports as a model tied to its
// base (adapter-import.ts).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Catalogue } from '../catalogue/catalogue';
import { checkModelName, modelNameTaken, type ModelKind, type ModelMetricRow, type ModelRow } from '../catalogue/models';
import { downloadsDir, modelDir, modelsDir, newId } from '../catalogue/paths';
import { configFromJson } from '../shared/config';
import type { DownloadInfo, ModelInfo, PublishedModel } from '../shared/contract';
import { TORCH_FILE_NAME, withoutTorchExtension } from '../checkpoint';
import { UserError, errorLine } from '../shared/errors';
import { discardPartial, download, humanBytes, lockPart, partFileOf, type DownloadProgress } from './download';
import type { StudioEventBus } from './events';
import type { ModelInspector } from './model-file';
import { hubRedirectAllowed, isPublished, publishedFiles, PUBLISHED_MODELS, publishedUrl, transportProblem, type PublishedName, type PublishedTable } from './published';
import { isAdapterFolder } from '../checkpoint/adapter';
import { sha256OfFile } from '../node/sha256';
import { checkAdapterFolder, isZipPath, landAdapter, unzipAdapter } from './adapter-import';

/** The .pth reader loads on first use: it pulls in the engine's tensor layout code, which the studio process needs only then. */
const modelFile = () => import('./model-file');
const inspectModelFile: ModelInspector = async (file) => (await modelFile()).inspectModelFile(file);

/** Browser uploads arrive in chunks this size at most: one WebSocket message stays far below its ~64 MiB limit. */
export const UPLOAD_CHUNK_BYTES = 16 * 1024 * 1024;
/** Largest model file accepted (the published checkpoints, with their optimizer state, are 1.32 GB). */
export const MAX_MODEL_BYTES = 4 * 1024 ** 3;
/** Uploads in progress at once, and their announced bytes together (docs/security.md, "Unbounded disk"). */
export const MAX_CONCURRENT_UPLOADS = 2;
export const MAX_UPLOAD_BYTES_IN_FLIGHT = MAX_MODEL_BYTES;
/** An upload that receives no chunk for this long is dropped (its slot and its partial file). */
export const UPLOAD_IDLE_MS = 10 * 60 * 1000;
/** Free disk space kept beyond what an upload or download needs. */
export const DISK_MARGIN_BYTES = 256 * 1024 * 1024;

export { PUBLISHED_MODELS, HF_ENDPOINT_ENV, hfEndpoint, publishedUrl, type PublishedName } from './published';

/** What a user may pass: a published name or an https URL (http only to this machine, for a local mirror). */
export function resolveDownloadSource(spec: string): { url: string; published: PublishedName | null } {
  const s = spec.trim();
  if (isPublished(s)) return { url: publishedUrl(s), published: s };
  let url: URL | null = null;
  try {
    url = /^https?:\/\//i.test(s) ? new URL(s) : null;
  } catch {
    url = null;
  }
  if (!url) throw new UserError(`'${spec.slice(0, 200)}' is neither a published bGPT model (${PUBLISHED_MODELS.join(', ')}) nor an https URL`, 'BAD_SOURCE');
  const problem = transportProblem(url);
  if (problem) throw new UserError(`cannot download ${url.href.slice(0, 200)}: ${problem}`, 'BAD_URL');
  return { url: url.href, published: null };
}

/** The file's kind, since the file tells only classifiers apart: the user's word, else the name. */
function decideKind(fileKind: 'generative' | 'classifier', wanted: ModelKind | undefined, hints: string[]): ModelKind {
  if (fileKind === 'classifier') {
    if (wanted && wanted !== 'classifier') throw new UserError(`the file is a classifier (it has labels), not a ${wanted} model`, 'BAD_KIND');
    return 'classifier';
  }
  if (wanted === 'classifier') throw new UserError('the file has no classifier head or labels: it is not a classifier', 'BAD_KIND');
  if (wanted) return wanted;
  return hints.some((h) => /conversion/i.test(h)) ? 'conversion' : 'generative';
}

/**
 * The API's view of a model row; an adapter names its base (`base`: the catalogue's model with that sha256, or
 * null when the base is not a model here — a run checkpoint, or not imported yet).
 */
export function modelInfo(r: ModelRow, hasCurves: boolean, base: Pick<ModelRow, 'id' | 'name'> | null = null): ModelInfo {
  const a = r.adapter;
  return {
    id: r.id, name: r.name, source: r.source, kind: r.kind,
    config: configFromJson(r.config, `model ${r.name}`, { classifier: true }) as ModelInfo['config'],
    configJson: r.config, parameters: r.parameters, size: r.size, sha256: r.sha256, labels: r.labels, meta: r.meta,
    created: new Date(r.created).toISOString(), missing: r.status === 'missing', hasCurves,
    base: a && r.baseSha256 ? { id: base?.id ?? null, name: base?.name ?? a.baseName, sha256: r.baseSha256 } : null,
    adapter: a ? { rank: a.rank, alpha: a.alpha, targets: a.targets, levels: a.levels, sizeBytes: r.size } : null,
  };
}

interface Upload {
  file: string;
  size: number;
  received: number;
  /** When the last chunk (or the start) arrived: idle uploads are dropped. */
  touched: number;
  name?: string;
  fileName: string;
  kind?: ModelKind;
  hash: ReturnType<typeof createHash>;
}

interface ActiveDownload {
  info: DownloadInfo;
  abort: AbortController;
}

export interface ImportOptions {
  name?: string;
  kind?: ModelKind;
  /**
   * A reference trainer log to read the curves from: only one the caller was given together with the
   * checkpoint (the desktop dialog's selection; the CLI's own folder, as its --help says), never one
   * found beside an upload or a download (docs/security.md).
   */
  log?: string | null;
}

/** How the service is reached (openStudio's transport) and, for tests, the published files it pins. */
export interface ModelServiceOptions {
  /** 'http' is `bgpt serve`: a browser may download only the published models, from the hub (docs/security.md). */
  transport?: 'electron' | 'http' | 'cli';
  published?: PublishedTable;
  /** Free bytes on the disk holding a folder (tests stand in a full disk; default fs.statfs). */
  freeBytes?(dir: string): Promise<number | null>;
}

/** What a download request may say besides its source. */
export interface DownloadRequestOptions extends ImportOptions {
  /** The sha256 the file must have (`--sha256`): required for a URL whose server publishes none. */
  sha256?: string;
}

export class ModelService {
  private uploads = new Map<string, Upload>();
  private downloads = new Map<string, ActiveDownload>();

  constructor(
    private readonly home: string,
    private readonly catalogue: Catalogue,
    private readonly bus: StudioEventBus | null = null,
    private readonly inspect: ModelInspector = inspectModelFile,
    private readonly options: ModelServiceOptions = {},
  ) {}

  private get publishedFiles(): PublishedTable {
    return this.options.published ?? publishedFiles();
  }

  /** The browser's downloads (`bgpt serve`): published names only, redirects within the hub's hosts. */
  private get browser(): boolean {
    return this.options.transport === 'http';
  }

  async list(): Promise<ModelInfo[]> {
    const rows = await this.catalogue.models.list();
    const out: ModelInfo[] = [];
    for (const r of rows) out.push(modelInfo(r, (await this.catalogue.models.metrics(r.id)).length > 0, baseOf(r, rows)));
    return out;
  }

  /** A model by id or name. */
  async get(idOrName: string): Promise<ModelInfo> {
    const r = await this.catalogue.models.get(idOrName);
    if (!r) throw new UserError(`no model '${idOrName}' in ${this.home}`, 'NOT_FOUND');
    return modelInfo(r, (await this.catalogue.models.metrics(r.id)).length > 0, r.baseSha256 ? baseOf(r, await this.catalogue.models.bySha256(r.baseSha256)) : null);
  }

  /** The model's file (for the CLI and the engine; never sent to a browser, docs/security.md). */
  async pathOf(idOrName: string): Promise<string> {
    const r = await this.catalogue.models.get(idOrName);
    if (!r) throw new UserError(`no model '${idOrName}' in ${this.home}`, 'NOT_FOUND');
    return r.path;
  }

  metrics(idOrName: string): Promise<ModelMetricRow[]> {
    return this.get(idOrName).then((m) => this.catalogue.models.metrics(m.id));
  }

  async rename(id: string, name: string): Promise<ModelInfo> {
    const r = await this.catalogue.models.rename((await this.get(id)).id, name);
    this.changed();
    return this.get(r.id);
  }

  async delete(id: string): Promise<void> {
    await this.catalogue.models.delete((await this.get(id)).id);
    this.changed();
  }

  published(): PublishedModel[] {
    return PUBLISHED_MODELS.map((name) => ({ name, url: publishedUrl(name), file: this.publishedFiles[name].file, description: this.publishedFiles[name].description }));
  }

  /**
   * Imports a checkpoint file by path (CLI, desktop dialog): checked with the engine's reader first
   * (nothing is written for a file that is not a bGPT checkpoint), then copied in; the reference log
   * the caller names (`opts.log`) brings its curves.
   */
  async importPath(file: string, opts: ImportOptions = {}): Promise<ModelInfo> {
    const src = path.resolve(file);
    const st = await fs.stat(src).catch(() => null);
    if (!st) throw new UserError(`${file}: no such file`, 'ENOENT');
    if (st.isDirectory() && (await isAdapterFolder(src))) return this.importAdapter(src, src, opts);
    if (st.isFile() && isZipPath(src)) return this.importAdapterZip(src, src, opts);
    if (!st.isFile()) throw new UserError(`${file}: not a file (give a .pth/.pt checkpoint file, or a LoRA adapter folder or .zip)`, 'BAD_INPUT');
    if (st.size > MAX_MODEL_BYTES) throw new UserError(`${file} is larger than a bGPT checkpoint may be (4 GiB)`, 'TOO_LARGE');
    const info = await this.inspect(src);
    const { readLogCurves } = await modelFile();
    const curves = await readLogCurves(opts.log ?? null);
    return this.land({ from: src, move: false, fileName: path.basename(src), source: src, info, curves, ...opts });
  }

  /** Starts a browser upload of `size` bytes; chunks follow with uploadChunk, then finishUpload. */
  async beginUpload(req: { fileName: string; size: number; name?: string; kind?: ModelKind }): Promise<{ uploadId: string; chunkBytes: number }> {
    if (!TORCH_FILE_NAME.test(req.fileName) && !isZipPath(req.fileName)) throw new UserError(`${req.fileName}: a model is a PyTorch checkpoint (.pth or .pt), or a LoRA adapter folder zipped (.zip)`, 'BAD_INPUT');
    if (req.size > MAX_MODEL_BYTES) throw new UserError(`${req.fileName} is larger than a bGPT checkpoint may be (4 GiB)`, 'TOO_LARGE');
    if (req.name !== undefined) await this.checkNameFree(checkModelName(req.name));
    // Bounded before anything is written: uploads at once, their bytes together, and the disk.
    await this.dropIdleUploads();
    if (this.uploads.size >= MAX_CONCURRENT_UPLOADS) throw new UserError(`${MAX_CONCURRENT_UPLOADS} model uploads are already in progress: wait for one to finish`, 'BUSY');
    const pending = [...this.uploads.values()].reduce((n, u) => n + (u.size - u.received), 0);
    if (pending + req.size > MAX_UPLOAD_BYTES_IN_FLIGHT) {
      throw new UserError(`uploads in progress already announce ${humanBytes(pending)}; ${humanBytes(req.size)} more would pass the ${humanBytes(MAX_UPLOAD_BYTES_IN_FLIGHT)} the studio takes at once: wait for them to finish`, 'BUSY');
    }
    const dir = downloadsDir(this.home);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await checkFreeSpace(dir, pending + req.size, `uploading ${req.fileName}`, this.options.freeBytes);
    const uploadId = `up_${randomBytes(8).toString('hex')}`;
    const file = path.join(dir, `${uploadId}.part`);
    await fs.writeFile(file, new Uint8Array(0), { mode: 0o600 });
    this.uploads.set(uploadId, { file, size: req.size, received: 0, touched: Date.now(), name: req.name, fileName: path.basename(req.fileName), kind: req.kind, hash: createHash('sha256') });
    return { uploadId, chunkBytes: UPLOAD_CHUNK_BYTES };
  }

  /** Appends one chunk; chunks must arrive in order (offset = bytes received so far). */
  async uploadChunk(req: { uploadId: string; offset: number; bytes: Uint8Array }): Promise<{ received: number }> {
    const u = this.upload(req.uploadId);
    if (req.bytes.length > UPLOAD_CHUNK_BYTES) throw new UserError(`upload chunks are at most ${UPLOAD_CHUNK_BYTES} bytes`, 'BAD_REQUEST');
    if (req.offset !== u.received) throw new UserError(`upload chunk at offset ${req.offset}, expected ${u.received}`, 'BAD_REQUEST');
    if (u.received + req.bytes.length > u.size) throw new UserError('upload is longer than announced', 'BAD_REQUEST');
    u.received += req.bytes.length; // claimed before the await: a concurrent duplicate chunk is refused above
    u.touched = Date.now();
    try {
      await fs.appendFile(u.file, req.bytes);
    } catch (err) {
      await this.cancelUpload(req.uploadId);
      throw err;
    }
    u.hash.update(req.bytes);
    return { received: u.received };
  }

  async finishUpload(uploadId: string): Promise<ModelInfo> {
    const u = this.upload(uploadId);
    this.uploads.delete(uploadId);
    try {
      if (u.received !== u.size) throw new UserError(`upload of ${u.fileName} ended after ${u.received} of ${u.size} bytes`, 'BAD_REQUEST');
      if (isZipPath(u.fileName)) return await this.importAdapterZip(u.file, u.fileName, { name: u.name, kind: u.kind });
      // Errors name the upload by its file name, not by the studio's temporary path.
      const info = await this.inspect(u.file).catch((err: unknown) => {
        throw new UserError(errorLine(err).split(u.file).join(u.fileName), (err as UserError).code ?? 'BAD_CHECKPOINT');
      });
      return await this.land({ from: u.file, move: true, fileName: u.fileName, source: u.fileName, info, curves: [], name: u.name, kind: u.kind, sha256: u.hash.digest('hex') });
    } finally {
      await fs.rm(u.file, { force: true });
    }
  }

  async cancelUpload(uploadId: string): Promise<void> {
    const u = this.uploads.get(uploadId);
    this.uploads.delete(uploadId);
    if (u) await fs.rm(u.file, { force: true });
  }

  /**
   * Downloads a published model (by name) or an https URL, waits for it and lands it as a model (the
   * CLI's way). A published file must have the size and sha256 the studio ships (published.ts); a URL
   * needs a sha256 to check against (`opts.sha256`, else the one its server publishes). A model already
   * downloaded from the same URL is returned as it is. Progress goes to `onProgress`; the signal
   * cancels (the partial file stays for a resume).
   */
  async download(spec: string, opts: DownloadRequestOptions & { signal?: AbortSignal; onProgress?(p: DownloadProgress): void; onNote?(line: string): void } = {}): Promise<ModelInfo> {
    const { url, published } = this.source(spec);
    const expected = this.expectation(published, opts.sha256);
    const fileName = published ? this.publishedFiles[published].file : decodeURIComponent(new URL(url).pathname.split('/').pop() || 'model.pth');
    const name = checkModelName(opts.name ?? (published ? `weights-${published}` : withoutTorchExtension(fileName)));
    const existing = (await this.catalogue.models.list()).find((m) => m.source === url && m.status === 'ok' && (expected.sha256 === null || m.sha256 === expected.sha256));
    if (existing && (opts.name === undefined || existing.name === name)) {
      opts.onNote?.(`already downloaded as model '${existing.name}'`);
      return this.get(existing.id);
    }
    await this.checkNameFree(name);
    const part = partFileOf(this.home, url);
    await fs.mkdir(path.dirname(part), { recursive: true, mode: 0o700 });
    const unlock = await lockPart(part, url);
    try {
      return await this.fetchAndLand(url, part, name, fileName, expected, opts);
    } finally {
      await unlock();
    }
  }

  /** A source as this transport may take it: a browser gets published names only (docs/security.md). */
  private source(spec: string): { url: string; published: PublishedName | null } {
    // The same refusal for every URL, before any request: a page learns nothing about any host.
    if (this.browser && !isPublished(spec.trim())) {
      throw new UserError(`the browser can download only the published models (${PUBLISHED_MODELS.join(', ')}); download other files with the desktop app or \`bgpt models download URL\``, 'FORBIDDEN');
    }
    return resolveDownloadSource(spec);
  }

  /** The size and sha256 the file must have: pinned for a published model, else the user's --sha256. */
  private expectation(published: PublishedName | null, given: string | undefined): { size: number | null; sha256: string | null } {
    const wanted = given?.trim().toLowerCase();
    if (wanted !== undefined && !/^[0-9a-f]{64}$/.test(wanted)) throw new UserError(`--sha256 must be 64 hexadecimal digits, got '${given!.slice(0, 80)}'`, 'BAD_ARGS');
    if (!published) return { size: null, sha256: wanted ?? null };
    const pin = this.publishedFiles[published];
    if (pin.sha256 && wanted && wanted !== pin.sha256) {
      throw new UserError(`--sha256 ${wanted.slice(0, 12)}… is not the published ${pin.file} (sha256 ${pin.sha256.slice(0, 12)}…)`, 'BAD_ARGS');
    }
    const sha256 = pin.sha256 ?? wanted ?? null;
    if (!sha256) {
      throw new UserError(`the studio has no sha256 for the published ${pin.file}: download it yourself and run \`bgpt models import\`, or give its sha256 with --sha256 HEX`, 'NOT_PINNED');
    }
    return { size: pin.size, sha256 };
  }

  private async fetchAndLand(url: string, part: string, name: string, fileName: string, expected: { size: number | null; sha256: string | null },
    opts: DownloadRequestOptions & { signal?: AbortSignal; onProgress?(p: DownloadProgress): void }): Promise<ModelInfo> {
    const got = await download({
      url, partFile: part, signal: opts.signal, onProgress: opts.onProgress, maxBytes: MAX_MODEL_BYTES,
      offlineHint: 'download the file elsewhere and use `bgpt models import`',
      expectedSize: expected.size, expectedSha256: expected.sha256, requireSha256: true,
      noHashHint: 'give the expected sha256 with --sha256 HEX, or download the file yourself and use `bgpt models import`',
      redirectAllowed: this.browser ? (next) => hubRedirectAllowed(next) : undefined,
    });
    let info;
    try {
      info = await this.inspect(got.file);
    } catch (err) {
      // Not a bGPT checkpoint: keeping it would only make the next attempt "resume" the same bytes.
      await discardPartial(part);
      throw new UserError(`downloaded ${url}, but it is not a bGPT checkpoint: ${errorLine(err).split(got.file).join(fileName)}`, 'BAD_CHECKPOINT');
    }
    const model = await this.land({ from: got.file, move: true, fileName, source: url, info, curves: [], name, kind: opts.kind, sha256: got.sha256 });
    await discardPartial(part);
    return model;
  }

  /** Starts a download in the background (the UI's way); progress and the outcome arrive as modelDownload events. */
  startDownload(req: { source: string; name?: string; kind?: ModelKind; sha256?: string }): { downloadId: string } {
    const { url, published } = this.source(req.source);
    this.expectation(published, req.sha256); // refused now, in the reply, rather than as a failed download
    for (const d of this.downloads.values()) {
      if (d.info.url === url) throw new UserError(`${req.source} is already downloading`, 'BUSY');
    }
    const downloadId = `dl_${randomBytes(6).toString('hex')}`;
    const active: ActiveDownload = {
      abort: new AbortController(),
      info: { downloadId, source: req.source, url, state: 'downloading', bytes: 0, total: null, bytesPerSecond: 0, etaSeconds: null, error: null, model: null },
    };
    this.downloads.set(downloadId, active);
    const emit = () => this.bus?.emit('modelDownload', { ...active.info });
    emit();
    void this.download(req.source, {
      name: req.name, kind: req.kind, sha256: req.sha256, signal: active.abort.signal,
      onProgress: (p) => {
        Object.assign(active.info, { bytes: p.bytes, total: p.total, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds });
        if (p.total !== null && p.bytes >= p.total) active.info.state = 'verifying';
        emit();
      },
    }).then(
      (model) => { Object.assign(active.info, { state: 'done', model, etaSeconds: 0 }); this.changed(); },
      (err: unknown) => { Object.assign(active.info, { state: active.abort.signal.aborted ? 'cancelled' : 'failed', error: errorLine(err) }); },
    ).finally(() => { emit(); this.downloads.delete(downloadId); });
    return { downloadId };
  }

  /** Cancels a download; from the UI the partial file is dropped as well (the user chose to stop). */
  async cancelDownload(downloadId: string): Promise<void> {
    const d = this.downloads.get(downloadId);
    if (!d) return;
    d.abort.abort();
    const part = partFileOf(this.home, d.info.url);
    // Wait for the stream to let go of the file before removing it.
    await new Promise((r) => setTimeout(r, 50));
    await discardPartial(part);
  }

  listDownloads(): DownloadInfo[] {
    return [...this.downloads.values()].map((d) => ({ ...d.info }));
  }

  /**
   * Imports a LoRA adapter folder as a model tied to its base, which must be in the studio already (the one line
   * says what to import first). `source` is what the user named (the folder, or the zip the folder came from).
   */
  private async importAdapter(dir: string, source: string, opts: ImportOptions): Promise<ModelInfo> {
    const candidate = await checkAdapterFolder(dir, this.catalogue);
    if (opts.kind && opts.kind !== candidate.config.kind) throw new UserError(`${source}: the adapter is ${candidate.config.kind}, not ${opts.kind}`, 'BAD_KIND');
    const id = await landAdapter(this.home, this.catalogue, candidate, { name: opts.name, source });
    this.changed();
    return this.get(id);
  }

  /** Unpacks a zipped adapter folder (adapter-import.ts unzipAdapter), imports it, and removes the unpacked copy. */
  private async importAdapterZip(zip: string, source: string, opts: ImportOptions): Promise<ModelInfo> {
    const dir = await unzipAdapter(this.home, zip);
    try {
      return await this.importAdapter(dir, source, opts);
    } catch (err) {
      // Name what the user gave, not the unpacked copy under downloads/.
      if (err instanceof UserError) throw new UserError(err.message.split(dir).join(path.basename(source)), err.code);
      throw err;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** Cancels every download (studio shutdown); partial files stay for a resume. */
  stopAll(): void {
    for (const d of this.downloads.values()) d.abort.abort();
  }

  /** Drops uploads that received nothing for UPLOAD_IDLE_MS (a tab closed mid-upload keeps no slot). */
  private async dropIdleUploads(now = Date.now()): Promise<void> {
    for (const [id, u] of this.uploads) if (now - u.touched > UPLOAD_IDLE_MS) await this.cancelUpload(id);
  }

  private upload(uploadId: string): Upload {
    const u = this.uploads.get(uploadId);
    if (!u) throw new UserError(`no upload '${uploadId}' (it finished, was cancelled, or the studio restarted)`, 'NOT_FOUND');
    return u;
  }

  private async checkNameFree(name: string): Promise<void> {
    if (await this.catalogue.models.nameTaken(name)) throw modelNameTaken(name);
  }

  private changed(): void {
    this.bus?.emit('catalogueChanged', { what: 'models' });
  }

  /**
   * Puts a checked file into `<home>/models/<id>/` (a temporary folder renamed into place, so a crash
   * leaves either nothing or the whole folder) and records its row; the folder goes if the row fails.
   */
  private async land(a: {
    from: string; move: boolean; fileName: string; source: string; info: Awaited<ReturnType<ModelInspector>>; curves: ModelMetricRow[];
    name?: string; kind?: ModelKind; sha256?: string;
  }): Promise<ModelInfo> {
    const name = checkModelName(a.name ?? withoutTorchExtension(a.fileName));
    await this.checkNameFree(name);
    const kind = decideKind(a.info.kind, a.kind, [name, a.fileName, a.source]);
    const id = newId('mdl');
    const fileName = /^[\w.-]{1,100}\.(pth|pt)$/i.test(a.fileName) ? a.fileName : 'model.pth';
    const dir = modelDir(this.home, id);
    const tmp = path.join(modelsDir(this.home), `.tmp-${id}`);
    await fs.mkdir(tmp, { recursive: true, mode: 0o700 });
    const target = path.join(tmp, fileName);
    let sha256 = a.sha256;
    try {
      if (a.move) {
        await fs.rename(a.from, target).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EXDEV') throw err;
          await fs.copyFile(a.from, target);
        });
        await fs.chmod(target, 0o600);
        sha256 ??= await sha256OfFile(target);
      } else {
        sha256 = await copyHashing(a.from, target);
      }
      const h = await fs.open(target, 'r');
      try { await h.sync(); } finally { await h.close(); }
      await fs.rename(tmp, dir);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw err;
    }
    const file = path.join(dir, fileName);
    try {
      const size = (await fs.stat(file)).size;
      const row = await this.catalogue.models.insert({
        id, name, source: a.source, kind, config: a.info.configJson, parameters: a.info.parameters, size, sha256: sha256!,
        labels: a.info.labels, meta: { ...a.info.meta, fileName: a.fileName }, path: file,
      }, a.curves);
      this.changed();
      return modelInfo(row, a.curves.length > 0);
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }
}

/** The full model among `rows` an adapter row names as its base (by sha256; a present one first). */
function baseOf(r: ModelRow, rows: ModelRow[]): ModelRow | null {
  if (!r.baseSha256) return null;
  const bases = rows.filter((b) => !b.adapter && b.sha256 === r.baseSha256);
  return bases.find((b) => b.status === 'ok') ?? bases[0] ?? null;
}

/** Refuses when the disk holding `dir` has not `need` bytes free (plus a margin); nothing is named but the studio home. */
async function checkFreeSpace(dir: string, need: number, what: string, freeBytes = statfsFree): Promise<void> {
  const free = await freeBytes(dir);
  if (free === null) return;
  if (free < need + DISK_MARGIN_BYTES) throw new UserError(`${what} needs ${humanBytes(need)} of disk in the studio home, ${humanBytes(free)} are free`, 'NO_SPACE');
}

async function statfsFree(dir: string): Promise<number | null> {
  const st = await fs.statfs(dir).catch(() => null);
  return st ? st.bavail * st.bsize : null;
}


/** Copies a file (owner-only permissions) and returns the sha256 of what was copied, in one read. */
async function copyHashing(from: string, to: string): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(to, { mode: 0o600, flags: 'wx' });
  await pipeline(createReadStream(from), async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  }, out);
  return hash.digest('hex');
}
