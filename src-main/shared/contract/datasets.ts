// Datasets: import (uploaded bytes, or the desktop dialog's paths by handle), list, detail, delete,
// and which files fit a model's window.
import { z } from 'zod';
import { bytes, id, modelConfigSchema, type IsoTime, type Modality, type RunMode } from './common';
import { none, takes } from './method';
import type { DataProfile } from '../recipe';

/** Keys each ABC tune of an import is imported in: 1 = as written, up to all twelve (docs/music.md). */
const importKeys = z.number().int().min(1).max(12).optional();

export const importFilesRequest = z.object({
  /** Dataset to create or add to. */
  name: z.string().trim().min(1).max(100),
  files: z.array(z.object({ name: z.string().min(1).max(1000), bytes })).min(1).max(10_000),
  kind: z.enum(['generative', 'conversion']).default('generative'),
  keys: importKeys,
});
export const importPathsRequest = z.object({
  name: z.string().trim().min(1).max(100),
  /**
   * The opaque handle showOpenDialog returned. The renderer never names a machine path: the main
   * process keeps the paths the user chose in the native dialog (docs/security.md).
   */
  selection: z.string().min(1).max(100),
  kind: z.enum(['generative', 'conversion']).default('generative'),
  keys: importKeys,
});
/** A tune collection by name (irishman) or, outside the browser, an https URL of an ABC tune book or a zip of them. */
export const datasetDownloadRequest = z.object({
  source: z.string().trim().min(1).max(2000),
  name: z.string().trim().min(1).max(100).optional(),
  keys: importKeys,
});
export const contextFitRequest = z.object({ datasetId: id, preset: z.string().min(1).max(40).optional(), config: modelConfigSchema.optional() });

export type ImportFilesRequest = z.input<typeof importFilesRequest>;
export type ImportPathsRequest = z.input<typeof importPathsRequest>;
export type ContextFitRequest = z.input<typeof contextFitRequest>;
export type DatasetDownloadRequest = z.input<typeof datasetDownloadRequest>;

export interface DatasetSummary {
  id: string;
  name: string;
  source: string;
  kind: RunMode;
  created: IsoTime;
  fileCount: number;
  totalBytes: number;
  trainCount: number;
  evalCount: number;
  byModality: Partial<Record<Modality, number>>;
  builtIn: boolean;
  /** Training-split size and file sizes: what the default window, batch and steps follow (shared/recipe.ts trainDefaults); null until known. */
  profile: DataProfile | null;
}

export interface DatasetFileInfo {
  id: string;
  name: string;
  ext: string;
  modality: Modality;
  size: number;
  split: 'train' | 'eval';
  sha256: string;
  pairKey: string | null;
  missing: boolean;
  /** ABC files: the tune's title, key and meter (the dataset view's index of a tune book); absent for other files. */
  tune?: { title: string; key: string | null; meter: string | null };
}

export interface DatasetStats {
  /** Count of each byte value 0..255 over all files. */
  byteHistogram: number[];
  /** Shannon entropy of the byte distribution, bits per byte. */
  entropyBitsPerByte: number;
  minSize: number;
  maxSize: number;
  meanSize: number;
}

export interface DatasetDetail extends DatasetSummary {
  files: DatasetFileInfo[];
  stats: DatasetStats;
}

/** What one ABC file of an import held and what became of its tunes (docs/music.md, "Your own tune books"). */
export interface ImportBookReport {
  path: string;
  /** Tunes the file held (its X: lines). */
  tunes: number;
  /** Tunes imported, each in up to the keys asked for. */
  imported: number;
  /** Files made from them (tunes × keys). */
  files: number;
  /** Tunes refused (each has its line, with the reason, in `skipped`). */
  refused: number;
  /** Tunes whose music was already in the import or the dataset. */
  duplicates: number;
}

export interface ImportReport {
  dataset: string;
  datasetId: string;
  imported: number;
  duplicates: number;
  skipped: { path: string; reason: string }[];
  byModality: Partial<Record<Modality, number>>;
  /** One entry per ABC file cut into tunes (tune books, or tunes moved to several keys). */
  books?: ImportBookReport[];
  /** How the eval split was chosen when no eval/ folder gave it ("held out 1 of 4 files…"); absent or null otherwise. */
  splitNote?: string | null;
}

/** A tune collection's download into a dataset (docs/music.md, "Tune collections"). */
export interface DatasetDownloadInfo {
  downloadId: string;
  source: string;
  /** The dataset it lands as. */
  name: string;
  state: 'downloading' | 'importing' | 'done' | 'failed' | 'cancelled';
  /** The file being fetched (a collection may have several). */
  file: string | null;
  bytes: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  error: string | null;
  /** The import report, once landed. */
  report: ImportReport | null;
}

export interface ContextFit {
  preset: string | null;
  patchSize: number;
  patchLength: number;
  /** Data bytes one window holds (after its start patch: shared/config.ts windowDataBytes). */
  windowBytes: number;
  /** Largest file that fits whole, its end patch included (the window less one patch). */
  maxFileBytes?: number;
  fits: number;
  cropped: number;
  /** Share of all bytes the model sees in one window per file (0..1). */
  bytesSeenShare: number;
  /** Per-file verdicts, same order as the dataset's files. */
  files: { fileId: string; size: number; fits: boolean }[];
}

export const datasetMethods = {
  /** Every dataset, built-in ones included. */
  listDatasets: takes(none).returns<DatasetSummary[]>(),
  /** One dataset with its files and byte statistics. */
  getDataset: takes(id).returns<DatasetDetail>(),
  /** Imports uploaded files (browser drag and drop / picker) into a dataset. */
  importFiles: takes(importFilesRequest).returns<ImportReport>(),
  /** Desktop app: imports the files and folders the user chose in the native dialog (by its handle). */
  importPaths: takes(importPathsRequest).returns<ImportReport>(),
  /** Deletes a dataset's catalogue entry (blobs shared with other datasets stay). */
  deleteDataset: takes(id).returns<void>(),
  /** Starts downloading a tune collection (irishman) or, outside the browser, a URL of ABC tune books into a dataset; datasetDownload events follow. */
  downloadDataset: takes(datasetDownloadRequest).returns<{ downloadId: string }>(),
  /** Cancels a collection download (its partial files are removed). */
  cancelDatasetDownload: takes(id).returns<void>(),
  /** Collection downloads in progress. */
  listDatasetDownloads: takes(none).returns<DatasetDownloadInfo[]>(),
  /** Which files fit a preset's window and which will be cropped. */
  contextFit: takes(contextFitRequest).returns<ContextFit>(),
};
