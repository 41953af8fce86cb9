// Row and query types of the catalogue: plain JSON (numbers, strings, booleans, null) so
// the StudioApi contract and the renderer reuse them as they are. Pure TypeScript: no Node imports.
//
// Conventions: every time is epoch milliseconds (a number); every path is absolute on this machine.
import type { RunStatus, Validity } from '../shared/vocabulary';
import type { GpuAdapterInfo } from '../shared/adapter';

export type { GpuAdapterInfo, RunStatus, Validity };

export type DatasetKind = 'generative' | 'conversion';
export type Split = 'train' | 'eval';
export type RunMode = 'generative' | 'conversion' | 'classification';
export type CheckpointKind = 'best' | 'last';
/** JSON-compatible value (configs, stats, sampling parameters). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused', 'stopped', 'interrupted', 'failed', 'done'];
/** A run in one of these states has a process recording it. */
export const LIVE_STATUSES: readonly RunStatus[] = ['running', 'paused'];
/** A run in one of these states will not change again unless resumed. */
export const FINAL_STATUSES: readonly RunStatus[] = ['stopped', 'interrupted', 'failed', 'done'];

export interface DatasetRow {
  id: string;
  name: string;
  /** Where the files came from (a folder, 'builtin:cpu', …), as the importer describes it. */
  source: string;
  kind: DatasetKind;
  created: number;
  stats: Json;
  fileCount: number;
  totalBytes: number;
  /** Files whose blob vanished from disk (see reconcile). */
  missingCount: number;
}

/** A file to record in a dataset; its blob is already stored at `blobPath(home, sha256)`. */
export interface DatasetFileInput {
  sha256: string;
  size: number;
  ext: string;
  modality: string;
  split: Split;
  originalName: string;
  /** Conversion datasets: files with the same pair key are one example's two sides. */
  pairKey?: string | null;
}

export interface DatasetFileRow extends Required<DatasetFileInput> {
  datasetId: string;
  /** Absolute path of the content-addressed blob. */
  path: string;
  missing: boolean;
}

export interface NewDataset {
  name: string;
  source: string;
  kind: DatasetKind;
  stats?: Json;
  files: DatasetFileInput[];
}

export interface RunRow {
  id: string;
  name: string;
  datasetId: string | null;
  /** The dataset's current name (null when none, or the dataset was deleted). */
  datasetName: string | null;
  mode: RunMode;
  /** Conversion spec such as 'abc->mid' or 'abc&mid'. */
  conversion: string | null;
  config: Json;
  preset: string | null;
  backend: string | null;
  /** The GPU adapter of a webgpu run (migration 004); null for other backends and for runs recorded before it was kept. */
  adapter: GpuAdapterInfo | null;
  status: RunStatus;
  created: number;
  started: number | null;
  ended: number | null;
  stepsDone: number;
  stepsTotal: number | null;
  bestEvalLoss: number | null;
  bestEvalBpb: number | null;
  error: string | null;
  /** Absolute `<home>/runs/<id>`. */
  runDir: string;
}

export interface NewRun {
  name: string;
  datasetId?: string | null;
  mode: RunMode;
  conversion?: string | null;
  config: Json;
  preset?: string | null;
  backend?: string | null;
  adapter?: GpuAdapterInfo | null;
  stepsTotal?: number | null;
}

/** Fields a recorder changes as a run goes; `started`/`ended` follow the status by themselves. */
export interface RunUpdate {
  name?: string;
  status?: RunStatus;
  backend?: string | null;
  adapter?: GpuAdapterInfo | null;
  stepsDone?: number;
  stepsTotal?: number | null;
  bestEvalLoss?: number | null;
  bestEvalBpb?: number | null;
  error?: string | null;
}

/** One step's measurements; absent fields keep what an earlier row for the same step recorded. */
export interface MetricInput {
  step: number;
  /** Defaults to now. */
  time?: number;
  trainLoss?: number | null;
  evalLoss?: number | null;
  evalBpb?: number | null;
  lr?: number | null;
  bytesPerSecond?: number | null;
  /** Share of files sampled at this evaluation judged valid (migration 003). */
  validRate?: number | null;
  /** Running seconds of the run when the step finished, pauses excluded (migration 005). */
  runSeconds?: number | null;
}

export type MetricName = 'trainLoss' | 'evalLoss' | 'evalBpb' | 'lr' | 'bytesPerSecond' | 'validRate' | 'runSeconds';

export interface MetricPoint {
  step: number;
  time: number;
  value: number;
}

export interface MetricSeries {
  runId: string;
  metric: MetricName;
  /** Points in step order; at most the requested maximum. */
  points: MetricPoint[];
  /** How many points the run has before downsampling. */
  totalPoints: number;
}

/** One file of a checkpoint directory as recorded (mtime lets reconcile tell two copies apart). */
export interface CheckpointFile {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface CheckpointRow {
  id: number;
  runId: string;
  kind: CheckpointKind;
  step: number;
  path: string;
  evalLoss: number | null;
  /** Valid-sample rate measured when it was written (migration 003); null when not measured. */
  validRate: number | null;
  created: number;
  files: CheckpointFile[];
  missing: boolean;
  /**
   * sha256 of its model.safetensors, by which an adapter names it as its base (migration 007); null until first
   * needed (Catalogue.checkpointSha256), and for an adapter folder, which has no model.safetensors.
   */
  sha256: string | null;
}

/** A checkpoint directory already written (atomically) by the caller. */
export interface NewCheckpoint {
  runId: string;
  kind: CheckpointKind;
  step: number;
  path: string;
  evalLoss?: number | null;
  validRate?: number | null;
  /** The sha256 of its model.safetensors when the caller already knows it. */
  sha256?: string | null;
}

export interface SampleRow {
  id: string;
  runId: string | null;
  checkpointId: number | null;
  checkpointStep: number | null;
  name: string;
  params: Json;
  ext: string;
  path: string;
  size: number;
  validity: Validity;
  validityReason: string | null;
  repaired: boolean;
  rating: number;
  tags: string[];
  notes: string;
  created: number;
  missing: boolean;
  /** Memorisation check (migration 003; null when not measured): share of bytes copied verbatim from training files. */
  copiedShare: number | null;
  /** The training file the sample shares most with. */
  closestFile: string | null;
  /** Mostly a copy (copiedShare ≥ COPY_FLAG_SHARE). */
  isCopy: boolean | null;
  /** Why the sample failed and what to try (formats/guidance.ts). */
  guidance: SampleGuidance | null;
}

/** What the studio tells the user about a sample (formats/guidance.ts SampleJudgement). */
export interface SampleGuidance {
  causes: string[];
  advice: string[];
  stoppedAtWindow: boolean;
}

/** The checks recorded on a sample after it is written (migration 003). */
export interface SampleChecks {
  copiedShare?: number | null;
  closestFile?: string | null;
  isCopy?: boolean | null;
  guidance?: SampleGuidance | null;
}

/** A generated file already written (atomically) by the caller at `path`. */
export interface NewSample {
  /** The id used in the file name (see newId/samplePath); generated when absent. */
  id?: string;
  runId?: string | null;
  checkpointId?: number | null;
  checkpointStep?: number | null;
  /** Shown in the library; defaults to the file name. */
  name?: string;
  params: Json;
  ext: string;
  path: string;
  validity: Validity;
  validityReason?: string | null;
  repaired?: boolean;
  rating?: number;
  tags?: string[];
  notes?: string;
}

export interface SampleUpdate {
  name?: string;
  rating?: number;
  tags?: string[];
  notes?: string;
}

export type SampleSortKey = 'created' | 'rating' | 'size' | 'name';

export interface SampleQuery {
  runId?: string;
  ext?: string;
  validity?: Validity;
  /** Rating at least this (0–5). */
  minRating?: number;
  tag?: string;
  /** Case-insensitive substring of the name, the notes or a tag. */
  text?: string;
  includeMissing?: boolean;
  sort?: SampleSortKey;
  descending?: boolean;
  /** Page size (default 50, at most 500). */
  limit?: number;
  offset?: number;
}

export interface SamplePage {
  total: number;
  items: SampleRow[];
}

export interface TagCount {
  tag: string;
  count: number;
}

/** A file or folder on disk that no row refers to, or a temporary left by an interrupted write. */
export interface OrphanFile {
  path: string;
  reason: string;
}

export interface ReconcileReport {
  /** Runs found running/paused whose recording process is gone, now 'interrupted'. */
  interruptedRuns: string[];
  /** Rows newly marked missing, by table. */
  missingCheckpoints: number[];
  missingSamples: string[];
  missingDatasetFiles: Array<{ datasetId: string; sha256: string }>;
  /** Models whose file vanished (status now 'missing'). */
  missingModels?: string[];
  /** Rows whose files came back (missing flag cleared). */
  restored: number;
  /** Checkpoint directories put back from a swap a crash interrupted. */
  repairedCheckpoints: number[];
  orphans: OrphanFile[];
}

export interface RecoveryReport {
  /** Where the damaged database file now lies (null when there was none). */
  movedTo: string | null;
  datasets: number;
  datasetFiles: number;
  runs: number;
  checkpoints: number;
  samples: number;
  /** Models rebuilt from their model.json records. */
  models?: number;
  /** Things found on disk that could not be rebuilt, and why. */
  skipped: OrphanFile[];
}
