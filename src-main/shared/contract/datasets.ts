// Datasets: import (uploaded bytes, or the desktop dialog's paths by handle), list, detail, delete,
// and which files fit a model's window.
import { z } from 'zod';
import { bytes, id, modelConfigSchema, type IsoTime, type Modality, type RunMode } from './common';
import { none, takes } from './method';

export const importFilesRequest = z.object({
  /** Dataset to create or add to. */
  name: z.string().trim().min(1).max(100),
  files: z.array(z.object({ name: z.string().min(1).max(1000), bytes })).min(1).max(10_000),
  kind: z.enum(['generative', 'conversion']).default('generative'),
});
export const importPathsRequest = z.object({
  name: z.string().trim().min(1).max(100),
  /**
   * The opaque handle showOpenDialog returned. The renderer never names a machine path: the main
   * process keeps the paths the user chose in the native dialog (docs/security.md).
   */
  selection: z.string().min(1).max(100),
  kind: z.enum(['generative', 'conversion']).default('generative'),
});
export const contextFitRequest = z.object({ datasetId: id, preset: z.string().min(1).max(40).optional(), config: modelConfigSchema.optional() });

export type ImportFilesRequest = z.input<typeof importFilesRequest>;
export type ImportPathsRequest = z.input<typeof importPathsRequest>;
export type ContextFitRequest = z.input<typeof contextFitRequest>;

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

export interface ImportReport {
  dataset: string;
  datasetId: string;
  imported: number;
  duplicates: number;
  skipped: { path: string; reason: string }[];
  byModality: Partial<Record<Modality, number>>;
  /** How the eval split was chosen when no eval/ folder gave it ("held out 1 of 4 files…"); absent or null otherwise. */
  splitNote?: string | null;
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
  /** Which files fit a preset's window and which will be cropped. */
  contextFit: takes(contextFitRequest).returns<ContextFit>(),
};
