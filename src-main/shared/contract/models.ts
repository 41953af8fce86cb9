// Models: published and imported PyTorch checkpoints (docs/models.md): list, upload in chunks, import
// by the desktop dialog's handle, download, rename, delete, their reference curves, and evaluating a
// dataset under a checkpoint.
import { z } from 'zod';
import { bytes, checkpointRefSchema, id, type CheckpointRefParsed, type IsoTime, type LoraInfo, type ModelConfigInput } from './common';
import type { CheckpointKind } from '../vocabulary';
import type { ScoringBackend } from './files';
import { none, takes } from './method';

const modelKind = z.enum(['generative', 'conversion', 'classifier']);

export const modelUploadBegin = z.object({
  /** The file's own name (.pth/.pt). */
  fileName: z.string().min(1).max(1000),
  size: z.number().int().min(1).max(4 * 1024 ** 3),
  name: z.string().trim().min(1).max(100).optional(),
  kind: modelKind.optional(),
});
/** One chunk of an upload, ≤ 16 MiB (a WebSocket message stays far below its limit), in order. */
export const modelUploadChunk = z.object({ uploadId: id, offset: z.number().int().min(0), bytes: bytes.refine((b) => b.length <= 16 * 1024 * 1024, 'chunks are at most 16 MiB') });
/**
 * Desktop only: the opaque handle of a native dialog that chose one .pth (showOpenDialog with
 * purpose 'model'), never a path the renderer names (docs/security.md). The CLI imports by path itself.
 */
export const modelImportPath = z.object({ selection: z.string().min(1).max(100), name: z.string().trim().min(1).max(100).optional(), kind: modelKind.optional() });
export const modelDownload = z.object({
  /** A published model (conversion, cpu, text, image, audio) or, desktop only, an https URL (docs/security.md). */
  source: z.string().trim().min(1).max(2000),
  name: z.string().trim().min(1).max(100).optional(),
  kind: modelKind.optional(),
  /** The sha256 the file must have (a URL whose server publishes none); a published model's is pinned. */
  sha256: z.string().trim().regex(/^[0-9a-fA-F]{64}$/, 'sha256: 64 hexadecimal digits').optional(),
});
export const modelRename = z.object({ id, name: z.string().trim().min(1).max(100) });
/** Loss of each file of a dataset split under a checkpoint (a model, or a run's best/last). */
export const modelEvaluate = z.object({
  from: checkpointRefSchema,
  datasetId: id,
  split: z.enum(['train', 'eval', 'all']).default('eval'),
  limit: z.number().int().min(1).max(10_000).default(200),
});

export type ModelUploadBegin = z.input<typeof modelUploadBegin>;
export type ModelUploadChunk = z.input<typeof modelUploadChunk>;
export type ModelImportPath = z.input<typeof modelImportPath>;
export type ModelDownloadRequest = z.input<typeof modelDownload>;
export type ModelRenameRequest = z.input<typeof modelRename>;
export type ModelEvaluateRequest = z.input<typeof modelEvaluate>;
export type ModelEvaluateRequestParsed = z.output<typeof modelEvaluate>;

/** A published or imported PyTorch checkpoint in the catalogue (docs/models.md). */
export interface ModelInfo {
  id: string;
  name: string;
  /** The file path or URL it came from ('export', 'run' for the studio's own). */
  source: string;
  kind: CheckpointKind;
  config: Required<ModelConfigInput>;
  /** The same config as config.json spells it (snake_case, docs/checkpoint-format.md). */
  configJson: Record<string, number>;
  parameters: number;
  size: number;
  sha256: string;
  labels: string[] | null;
  meta: { epoch?: number; bestEpoch?: number; minEvalLoss?: number; hasOptimizer?: boolean; fileName?: string };
  created: IsoTime;
  /** Its file vanished from the studio home. */
  missing: boolean;
  /** A reference trainer log came with it: getModelMetrics has its curves. */
  hasCurves: boolean;
  /** A LoRA adapter: the model it adapts (id null when that base is not in this catalogue). */
  base: { id: string | null; name: string; sha256: string } | null;
  /** A LoRA adapter: its settings and the size of its weights file (the `size` above). */
  adapter: (LoraInfo & { sizeBytes: number }) | null;
}

export interface PublishedModel {
  /** What `bgpt models download NAME` takes. */
  name: string;
  url: string;
  file: string;
  description: string;
}

export interface DownloadInfo {
  downloadId: string;
  source: string;
  url: string;
  state: 'downloading' | 'verifying' | 'done' | 'failed' | 'cancelled';
  bytes: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  error: string | null;
  /** The model, once landed. */
  model: ModelInfo | null;
}

export interface ModelMetricPoint {
  epoch: number;
  trainLoss: number | null;
  evalLoss: number | null;
}

export interface ModelEvaluation {
  /** The checkpoint evaluated, as the request named it. */
  from: CheckpointRefParsed;
  datasetId: string;
  files: { name: string; loss: number; bitsPerByte: number }[];
  meanLoss: number;
  meanBitsPerByte: number;
  /** The TF.js backend, or 'wasm-simd': the inference kernels, chosen when TF.js would not fit (engine/eval/auto.ts). */
  backend: ScoringBackend | null;
}

export const modelMethods = {
  /** Every model (published and imported checkpoints), newest first. */
  listModels: takes(none).returns<ModelInfo[]>(),
  /** The five published bGPT checkpoints and where they are downloaded from. */
  listPublishedModels: takes(none).returns<PublishedModel[]>(),
  /** Starts a browser upload of a .pth; send chunks with uploadModelChunk, then finishModelUpload. */
  beginModelUpload: takes(modelUploadBegin).returns<{ uploadId: string; chunkBytes: number }>(),
  /** Appends one chunk (≤ 16 MiB) at `offset` (= bytes received so far). */
  uploadModelChunk: takes(modelUploadChunk).returns<{ received: number }>(),
  /** Checks the uploaded file as a bGPT checkpoint and lands it as a model. */
  finishModelUpload: takes(id).returns<ModelInfo>(),
  /** Drops an unfinished upload. */
  cancelModelUpload: takes(id).returns<void>(),
  /** Imports a .pth by path (desktop dialog). */
  importModelPath: takes(modelImportPath).returns<ModelInfo>(),
  /** Starts downloading a published model or URL; progress and outcome arrive as modelDownload events. */
  downloadModel: takes(modelDownload).returns<{ downloadId: string }>(),
  /** Cancels a download (its partial file is removed). */
  cancelModelDownload: takes(id).returns<void>(),
  /** Downloads in progress (for a UI that opens mid-download). */
  listModelDownloads: takes(none).returns<DownloadInfo[]>(),
  /** Renames a model (names are unique). */
  renameModel: takes(modelRename).returns<ModelInfo>(),
  /** Deletes a model and its file. */
  deleteModel: takes(id).returns<void>(),
  /** The curves of the reference trainer log imported with a model. */
  getModelMetrics: takes(id).returns<ModelMetricPoint[]>(),
  /** Loss of each file of a dataset under a checkpoint (the eval split by default), and the mean bits per byte. */
  evaluateModel: takes(modelEvaluate).returns<ModelEvaluation>(),
};
