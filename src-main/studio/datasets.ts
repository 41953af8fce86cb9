// Datasets: import (paths or uploaded bytes) through the content-addressed importer, recorded in the
// catalogue in one transaction; the built-in datasets shipped in datasets/; context fit; file bytes.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APP_ROOT } from '../node/app-root';
import type { Catalogue } from '../catalogue/catalogue';
import type { DatasetRow } from '../catalogue/types';
import { importEntries, importPaths, type ImportEntry, type ImportPlan } from '../datasets/import';
import { assertFits, memoryLimits } from '../engine/backend/resources';
import type { ContextFit, ContextFitRequest, DatasetDetail, DatasetFileInfo, DatasetSummary, ImportReport, RunMode } from '../shared/contract';
import { tuneHeader } from '../formats/abc-book';

/** What a dataset is imported for (classification runs train on generative datasets: labels come from names). */
type ImportKind = Exclude<RunMode, 'classification'>;
/** How ABC tunes are imported: in how many keys (1 = as written). */
export interface TuneOptions { keys?: number }
import { UserError } from '../shared/errors';
import { fitsWindow } from '../shared/patches';
import { profileOf } from '../shared/recipe';
import { maxFileBytes, presetConfig, validateConfig, windowDataBytes, type BGPTConfig } from '../shared/config';
import type { StudioEventBus } from './events';
import { BUILTIN_PREFIX, datasetFileInfo, datasetSummary, type StoredDatasetStats } from './mappers';

/** The repository's datasets/ folder (built-in datasets). */
const BUILTIN_ROOT = path.join(APP_ROOT, 'datasets');
/** Built-in datasets: folder under datasets/ → dataset name and kind. */
const BUILTINS: { folder: string; name: string; kind: ImportKind }[] = [
  { folder: 'abc-tunes', name: 'Tunes (ABC)', kind: 'generative' },
  { folder: 'midi-tunes', name: 'Tunes (MIDI)', kind: 'generative' },
  { folder: 'tunes', name: 'Tunes (ABC → MIDI pairs)', kind: 'conversion' },
  { folder: 'cpu', name: 'Toy CPU traces', kind: 'generative' },
  // Classification sets (datasets/build-classify.ts): labels are the file-name prefixes.
  { folder: 'classify/text', name: 'Fortunes by category (classification)', kind: 'generative' },
  { folder: 'classify/digits', name: 'Handwritten digits 32x32 BMP (classification)', kind: 'generative' },
  { folder: 'classify/fashion', name: 'Fashion-MNIST 32x32 BMP (classification)', kind: 'generative' },
  { folder: 'classify/speech', name: 'Spoken words 8 kHz WAV (classification)', kind: 'generative' },
];

/** ABC files indexed per dataset view (title, key, meter): reading the head of 5,000 small files takes well under a second. */
const MAX_INDEXED_TUNES = 5000;
/** Bytes read from each ABC file for its index line: the header comes first (ABC 2.1 §3). */
const TUNE_HEAD_BYTES = 2048;

/** Adds each ABC file's title, key and meter (its header fields) to its info, in place. */
async function indexTunes(infos: DatasetFileInfo[], paths: string[]): Promise<void> {
  const abc = infos.flatMap((f, i) => (f.ext === 'abc' && !f.missing ? [i] : [])).slice(0, MAX_INDEXED_TUNES);
  await Promise.all(abc.map(async (i) => {
    const fd = await fs.open(paths[i], 'r').catch(() => null);
    if (!fd) return;
    try {
      const buf = new Uint8Array(TUNE_HEAD_BYTES);
      const { bytesRead } = await fd.read(buf, 0, TUNE_HEAD_BYTES, 0);
      const h = tuneHeader(new TextDecoder().decode(buf.subarray(0, bytesRead)));
      infos[i].tune = { title: h.title, key: h.key, meter: h.meter };
    } finally {
      await fd.close();
    }
  }));
}

export class DatasetService {
  constructor(
    private readonly home: string,
    private readonly catalogue: Catalogue,
    private readonly bus: StudioEventBus,
  ) {}

  /** Registers the built-in datasets in a new studio home (once; a deleted one stays deleted). */
  async ensureBuiltIns(builtinRoot = BUILTIN_ROOT): Promise<void> {
    const marker = path.join(this.home, '.builtins-imported');
    if (await fs.stat(marker).catch(() => null)) return;
    for (const b of BUILTINS) {
      const dir = path.join(builtinRoot, b.folder);
      if (!(await fs.stat(dir).catch(() => null))) continue;
      const existing = (await this.catalogue.listDatasets()).find((d) => d.source === `${BUILTIN_PREFIX}${b.folder}`);
      if (existing) continue;
      await this.record(b.name, `${BUILTIN_PREFIX}${b.folder}`, b.kind, await importPaths([dir], { home: this.home, seed: 0 }));
    }
    await fs.writeFile(marker, new Date().toISOString() + '\n', { mode: 0o600 });
  }

  private async existingHashes(datasetName: string): Promise<Set<string>> {
    const d = await this.catalogue.getDataset(datasetName);
    if (!d) return new Set();
    return new Set((await this.catalogue.listDatasetFiles(d.id)).map((f) => f.sha256));
  }

  /** Records an import plan: a new dataset, or new files in an existing one, in one transaction. */
  private async record(name: string, source: string, kind: ImportKind, plan: ImportPlan): Promise<ImportReport> {
    const files = plan.files.map((f) => ({ sha256: f.sha256, size: f.size, ext: f.ext, modality: f.modality, split: f.split, originalName: f.name, pairKey: f.pairKey }));
    const trainCount = plan.files.filter((f) => f.split === 'train').length;
    const stats: StoredDatasetStats = {
      byModality: plan.byModality,
      trainCount,
      evalCount: plan.files.length - trainCount,
      byteHistogram: plan.stats.byteHistogram,
      entropyBitsPerByte: plan.stats.entropyBitsPerByte,
      minSize: plan.stats.minSize,
      maxSize: plan.stats.maxSize,
      meanSize: plan.stats.meanSize,
      profile: profileOf(plan.files),
    };
    let dataset: DatasetRow | null = await this.catalogue.getDataset(name);
    let duplicates = plan.duplicates.length;
    if (!dataset) {
      if (files.length === 0) throw new UserError(`nothing to import into '${name}': ${plan.skipped.length} skipped, ${duplicates} duplicates`, 'EMPTY_IMPORT');
      dataset = await this.catalogue.createDataset({ name, source, kind, stats: stats as never, files });
    } else if (files.length > 0) {
      const r = await this.catalogue.addDatasetFiles(dataset.id, files);
      duplicates += r.duplicates;
      dataset = await this.refreshStats(dataset.id);
    }
    this.bus.emit('catalogueChanged', { what: 'datasets' });
    return {
      dataset: dataset.name, datasetId: dataset.id, imported: files.length, duplicates, skipped: plan.skipped, byModality: plan.byModality,
      splitNote: files.length ? plan.splitNote : null,
      ...(plan.books.length > 0 ? { books: plan.books } : {}),
    };
  }

  /** Recomputes the stored split counts and modality shares after files were added. */
  private async refreshStats(datasetId: string): Promise<DatasetRow> {
    const files = await this.catalogue.listDatasetFiles(datasetId);
    const d = (await this.catalogue.getDataset(datasetId))!;
    const byModality: Record<string, number> = {};
    for (const f of files) byModality[f.modality] = (byModality[f.modality] ?? 0) + 1;
    const old = (d.stats ?? {}) as StoredDatasetStats;
    const trainCount = files.filter((f) => f.split === 'train').length;
    const stats: StoredDatasetStats = { ...old, byModality, trainCount, evalCount: files.length - trainCount, profile: profileOf(files) };
    return this.catalogue.updateDataset(datasetId, { stats: stats as never });
  }

  async importPaths(name: string, paths: string[], kind: ImportKind, signal?: AbortSignal, progress?: (m: string) => void, opts: TuneOptions = {}): Promise<ImportReport> {
    const abs = paths.map((p) => path.resolve(p));
    const plan = await importPaths(abs, { home: this.home, existingHashes: await this.existingHashes(name), seed: 0, signal, progress, keys: opts.keys });
    return this.record(name, abs.length === 1 ? abs[0] : `${abs.length} paths`, kind, plan);
  }

  /** Files given as bytes (a downloaded tune collection, studio/dataset-download.ts), as a generative dataset. */
  async importEntries(name: string, entries: ImportEntry[], source: string, opts: TuneOptions & { signal?: AbortSignal } = {}): Promise<ImportReport> {
    const plan = await importEntries(entries, { home: this.home, existingHashes: await this.existingHashes(name), seed: 0, keys: opts.keys, signal: opts.signal });
    return this.record(name, source, 'generative', plan);
  }

  /** Uploaded files (browser): staged in a private temporary folder, imported, then removed. */
  async importFiles(name: string, files: { name: string; bytes: Uint8Array }[], kind: ImportKind, opts: TuneOptions = {}): Promise<ImportReport> {
    // Each file is read back, hashed, detected and validated: about three copies of the largest at once.
    const largest = files.reduce((m, f) => Math.max(m, f.bytes.length), 0);
    assertFits(`importing ${files.length} file(s)`, 3 * largest, memoryLimits(null), 'import fewer or smaller files at a time');
    const stage = await fs.mkdtemp(path.join(os.tmpdir(), 'bgpt-upload-'));
    // Two files of one upload under the same name would overwrite each other in the stage unseen:
    // the later one is refused and reported instead.
    const seen = new Set<string>();
    const clashes: { path: string; reason: string }[] = [];
    try {
      for (const f of files) {
        // Keep folder structure of a dropped folder (it decides eval/ splits and pairs), never escape the stage.
        const rel = f.name.replace(/\\/g, '/').split('/').filter((s) => s && s !== '.' && s !== '..').join('/');
        if (!rel) throw new UserError(`unsafe file name '${f.name}'`, 'BAD_NAME');
        if (seen.has(rel)) {
          clashes.push({ path: rel, reason: 'another file of this upload has the same name; rename one' });
          continue;
        }
        seen.add(rel);
        const target = path.join(stage, rel);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.writeFile(target, f.bytes);
      }
      const plan = await importPaths([stage], { home: this.home, existingHashes: await this.existingHashes(name), seed: 0, keys: opts.keys });
      // Report paths as the user named them, not the staging folder.
      const shown = (p: string) => (p.startsWith(stage + path.sep) ? p.slice(stage.length + 1) : p);
      for (const s of plan.skipped) s.path = shown(s.path);
      for (const b of plan.books) b.path = shown(b.path);
      plan.skipped.push(...clashes);
      return await this.record(name, 'upload', kind, plan);
    } finally {
      await fs.rm(stage, { recursive: true, force: true });
    }
  }

  async list(): Promise<DatasetSummary[]> {
    const rows = await this.catalogue.listDatasets();
    // Datasets recorded before profiles were kept get theirs once (the defaults need it).
    for (const [i, d] of rows.entries()) if (!(d.stats as StoredDatasetStats | null)?.profile) rows[i] = await this.refreshStats(d.id);
    return rows.map(datasetSummary);
  }

  private async require(datasetId: string): Promise<DatasetRow> {
    const d = await this.catalogue.getDataset(datasetId);
    if (!d) throw new UserError(`no dataset '${datasetId}'`, 'NOT_FOUND');
    return d;
  }

  async detail(datasetId: string): Promise<DatasetDetail> {
    const d = await this.require(datasetId);
    const files = await this.catalogue.listDatasetFiles(d.id);
    const s = (d.stats ?? {}) as StoredDatasetStats;
    const infos = files.map(datasetFileInfo);
    await indexTunes(infos, files.map((f) => f.path));
    return {
      ...datasetSummary(d),
      files: infos,
      stats: {
        byteHistogram: s.byteHistogram ?? new Array(256).fill(0),
        entropyBitsPerByte: s.entropyBitsPerByte ?? 0,
        minSize: s.minSize ?? 0,
        maxSize: s.maxSize ?? 0,
        meanSize: s.meanSize ?? 0,
      },
    };
  }

  async delete(datasetId: string): Promise<void> {
    await this.catalogue.deleteDataset((await this.require(datasetId)).id);
    this.bus.emit('catalogueChanged', { what: 'datasets' });
  }

  async contextFit(req: ContextFitRequest): Promise<ContextFit> {
    const d = await this.require(req.datasetId);
    const config: BGPTConfig = req.config ? validateConfig({ ...presetConfig('tiny'), ...req.config } as BGPTConfig) : presetConfig(req.preset ?? 'tiny');
    const files = await this.catalogue.listDatasetFiles(d.id);
    const windowBytes = windowDataBytes(config);
    const verdicts = files.map((f) => ({ fileId: f.sha256, size: f.size, fits: fitsWindow(f.size, config) }));
    const total = files.reduce((a, f) => a + f.size, 0);
    const seen = files.reduce((a, f) => a + Math.min(f.size, windowBytes), 0);
    return {
      preset: req.config ? null : req.preset ?? 'tiny',
      patchSize: config.patchSize,
      patchLength: config.patchLength,
      windowBytes,
      maxFileBytes: maxFileBytes(config),
      fits: verdicts.filter((v) => v.fits).length,
      cropped: verdicts.filter((v) => !v.fits).length,
      bytesSeenShare: total === 0 ? 1 : seen / total,
      files: verdicts,
    };
  }

  /** A dataset file's bytes (its id is its sha256 within the dataset). */
  async readFile(datasetId: string, fileId: string): Promise<{ name: string; ext: string; bytes: Uint8Array }> {
    const d = await this.require(datasetId);
    const f = (await this.catalogue.listDatasetFiles(d.id)).find((x) => x.sha256 === fileId);
    if (!f) throw new UserError(`no file '${fileId}' in dataset '${d.name}'`, 'NOT_FOUND');
    try {
      return { name: f.originalName, ext: f.ext, bytes: new Uint8Array(await fs.readFile(f.path)) };
    } catch {
      throw new UserError(`the file '${f.originalName}' is missing from the studio's store`, 'MISSING');
    }
  }

  /** Dataset by id or name, for the CLI's `--data`. */
  async find(idOrName: string): Promise<DatasetRow | null> {
    return this.catalogue.getDataset(idOrName);
  }
}
